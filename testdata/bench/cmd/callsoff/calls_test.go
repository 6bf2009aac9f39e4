package main

import (
	"context"
	"os"
	"reflect"
	"testing"

	"example.com/bench/internal/store"
	"go.opentelemetry.io/otel"
)

// BenchmarkCall measures one call of each variant of internal/store with
// tracing off, in a program that installs no TracerProvider of its own (it
// must never call otel.SetTracerProvider: the woven binary would then keep
// its hooks bound, which cmd/calls measures). The state is named after the
// environment the test binary runs in:
//
//   - off: OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true: no SDK.
//   - never: OTEL_TRACES_SAMPLER=always_off: a woven binary's runtime
//     installs its SDK, which samples nothing. (A plain binary has no SDK
//     either way: its woven variant is the control.)
func BenchmarkCall(b *testing.B) {
	state := "off"
	if os.Getenv("OTEL_TRACES_SAMPLER") == "always_off" {
		state = "never"
	} else if !placeholder() {
		b.Skip("a TracerProvider is installed: run the woven test binary with OTEL_TRACES_EXPORTER=none or OTEL_TRACES_SAMPLER=always_off")
	}
	b.Run(state, func(b *testing.B) {
		for _, v := range []struct {
			name string
			find func(context.Context, string) (string, error)
		}{
			{"plain", store.FindPlain},
			{"woven", store.Find},
			{"manual", store.FindManual},
		} {
			b.Run(v.name, func(b *testing.B) {
				b.ReportAllocs()
				ctx := context.Background()
				for b.Loop() {
					if _, err := v.find(ctx, "42"); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
}

// placeholder reports whether the global TracerProvider is still the
// OpenTelemetry API's own placeholder, which records nothing.
func placeholder() bool {
	t := reflect.TypeOf(otel.GetTracerProvider())
	return t != nil && t.Kind() == reflect.Pointer && t.Elem().PkgPath() == "go.opentelemetry.io/otel/internal/global"
}
