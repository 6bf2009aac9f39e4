package main

import (
	"context"
	"reflect"
	"sync/atomic"
	"testing"

	"example.com/bench/internal/store"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// variants are the three functions of internal/store, by the name the
// benchmarks report: Find is woven in the woven test binary and identical
// to FindPlain in the plain one.
var variants = []struct {
	name string
	find func(context.Context, string) (string, error)
}{
	{"plain", store.FindPlain},
	{"woven", store.Find},
	{"manual", store.FindManual},
}

// BenchmarkCall measures one call of each variant in three tracing states:
//
//   - offbound: no SDK at all, the state of a woven program run with
//     OTEL_TRACES_EXPORTER=none (ssaweave's runtime then installs nothing)
//     and of a hand-instrumented one that installs no provider. This
//     program installs a provider later (below), so the woven hook stays
//     bound and checks on every call whether one is there yet; a program
//     that never installs one leaves it unbound (cmd/callsoff measures
//     that). It must run before the other states, which install
//     providers, and is skipped if a provider is installed already (a
//     woven binary run without OTEL_TRACES_EXPORTER=none).
//   - unsampled: an SDK provider whose sampler drops every span.
//   - sampled: the same provider sampling every span, which goes through
//     a batch span processor to an exporter that discards it.
//
// Each call is a child of a span of the state's provider, as a function
// called while serving a request is.
func BenchmarkCall(b *testing.B) {
	b.Run("offbound", func(b *testing.B) {
		if !placeholder() {
			b.Skip("a TracerProvider is installed: run the woven test binary with OTEL_TRACES_EXPORTER=none")
		}
		runVariants(b, context.Background())
	})
	// One provider for both states, installed once: the OpenTelemetry
	// API's global tracers (FindManual's) delegate to the first provider
	// installed and never follow a later one, so the states differ by the
	// sampler's decision only.
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(&sampling), sdktrace.WithBatcher(discard{}))
	defer tp.Shutdown(context.Background())
	otel.SetTracerProvider(tp)
	for _, st := range []struct {
		name   string
		sample bool
	}{
		{"unsampled", false},
		{"sampled", true},
	} {
		b.Run(st.name, func(b *testing.B) {
			sampling.on.Store(st.sample)
			ctx, parent := tp.Tracer("bench").Start(context.Background(), "request")
			defer parent.End()
			runVariants(b, ctx)
		})
	}
}

// sampling is the sampler of the benchmarks' provider: it samples every
// span while on is set, and none otherwise.
var sampling switchSampler

type switchSampler struct{ on atomic.Bool }

func (s *switchSampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	if s.on.Load() {
		return sdktrace.AlwaysSample().ShouldSample(p)
	}
	return sdktrace.NeverSample().ShouldSample(p)
}

func (s *switchSampler) Description() string { return "switch" }

func runVariants(b *testing.B, ctx context.Context) {
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.find(ctx, "42"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// placeholder reports whether the global TracerProvider is still the
// OpenTelemetry API's own placeholder, which records nothing.
func placeholder() bool {
	t := reflect.TypeOf(otel.GetTracerProvider())
	return t != nil && t.Kind() == reflect.Pointer && t.Elem().PkgPath() == "go.opentelemetry.io/otel/internal/global"
}

// discard is an exporter that drops every span.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }
