package rt

import "testing"

// TestNeverSamples checks which sampler settings rt takes to sample
// nothing, against what the SDK builds from the same variables.
func TestNeverSamples(t *testing.T) {
	for _, tc := range []struct {
		sampler, arg string
		never        bool
	}{
		{"", "", false},
		{"always_on", "", false},
		{"always_off", "", true},
		{" Always_Off ", "", true},
		{"parentbased_always_off", "", false}, // follows a sampled remote parent
		{"traceidratio", "0", true},
		{"traceidratio", "0.0", true},
		{"traceidratio", "0.25", false},
		{"traceidratio", "-1", false}, // the SDK samples everything then
		{"traceidratio", "", false},   // likewise
		{"traceidratio", "x", false},  // likewise
		{"parentbased_traceidratio", "0", false},
	} {
		env := map[string]string{"OTEL_TRACES_SAMPLER": tc.sampler, "OTEL_TRACES_SAMPLER_ARG": tc.arg}
		if got := neverSamples(func(k string) string { return env[k] }); got != tc.never {
			t.Errorf("OTEL_TRACES_SAMPLER=%q OTEL_TRACES_SAMPLER_ARG=%q: neverSamples = %v, want %v", tc.sampler, tc.arg, got, tc.never)
		}
	}
}
