package rt

import (
	"os"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
)

// MayRecord reports whether a span started now could be recorded: false
// when [Active] is, and false when the global provider is rt's own and its
// sampler samples nothing (OTEL_TRACES_SAMPLER=always_off, or traceidratio
// with a ratio of 0: the SDK reads the same variables).
//
// The generated init function of a woven program whose packages never
// install a TracerProvider (Main.BindAlways unset in the plan) calls it
// once to decide whether to bind the function-span hooks of the program's
// own packages: a function-span hook that records nothing returns its
// parent unchanged and defers nothing, so leaving it unbound changes no
// behaviour and reduces a woven function's cost to a nil check.
// Goroutine and call-site context hooks are bound on [Active] instead:
// they carry the trace context, which flows even when nothing is sampled.
func MayRecord() bool {
	if !Active() {
		return false
	}
	s := state
	if s == nil || s.provider == nil || otel.GetTracerProvider() != trace.TracerProvider(s.provider) {
		// Someone else's provider: its sampler is unknown.
		return true
	}
	return !neverSamples(os.Getenv)
}

// neverSamples reports whether the sampler that OTEL_TRACES_SAMPLER and
// OTEL_TRACES_SAMPLER_ARG configure in the SDK samples no span at all,
// whatever the parent: always_off, or traceidratio with a ratio of 0.
// Parent-based samplers follow a sampled remote parent, so they can always
// record.
func neverSamples(getenv func(string) string) bool {
	switch strings.ToLower(strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER"))) {
	case "always_off":
		return true
	case "traceidratio":
		// The SDK samples everything when the argument is missing,
		// malformed or negative, so only a ratio of exactly 0 never
		// samples.
		r, err := strconv.ParseFloat(strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER_ARG")), 64)
		return err == nil && r == 0
	}
	return false
}
