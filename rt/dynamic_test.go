package rt

import (
	"context"
	"slices"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
	"go.opentelemetry.io/otel/trace/noop"
)

func recordingProvider() (*tracetest.SpanRecorder, *sdktrace.TracerProvider) {
	rec := tracetest.NewSpanRecorder()
	return rec, sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
}

func TestTracerFollowsGlobalProvider(t *testing.T) {
	keepGlobals(t)
	tracer := Tracer("test", trace.WithInstrumentationVersion("1.2.3"))

	rec1, tp1 := recordingProvider()
	otel.SetTracerProvider(tp1)
	_, span := tracer.Start(context.Background(), "one")
	span.End()
	_, span = tracer.Start(context.Background(), "two")
	span.End()

	rec2, tp2 := recordingProvider()
	otel.SetTracerProvider(tp2)
	_, span = tracer.Start(context.Background(), "three")
	span.End()

	names := func(rec *tracetest.SpanRecorder) (out []string) {
		for _, s := range rec.Ended() {
			out = append(out, s.Name())
		}
		return out
	}
	if got := names(rec1); !slices.Equal(got, []string{"one", "two"}) {
		t.Errorf("first provider got %q", got)
	}
	if got := names(rec2); !slices.Equal(got, []string{"three"}) {
		t.Errorf("second provider got %q", got)
	}
	scope := rec2.Ended()[0].InstrumentationScope()
	if scope.Name != "test" || scope.Version != "1.2.3" {
		t.Errorf("scope = %+v, want the name and options given to Tracer", scope)
	}
}

// mapProvider is a provider whose dynamic type cannot be compared with ==.
type mapProvider struct {
	embedded.TracerProvider
	tp    trace.TracerProvider
	calls map[string]int
}

func (p mapProvider) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	p.calls[name]++
	return p.tp.Tracer(name, opts...)
}

func TestTracerWithNonComparableProvider(t *testing.T) {
	keepGlobals(t)
	rec, tp := recordingProvider()
	otel.SetTracerProvider(mapProvider{tp: tp, calls: map[string]int{}})
	tracer := Tracer("test")
	for range 2 {
		_, span := tracer.Start(context.Background(), "s")
		span.End()
	}
	if n := len(rec.Ended()); n != 2 {
		t.Errorf("recorded %d spans, want 2", n)
	}
}

func TestDynamicProviderInstalledAsGlobal(t *testing.T) {
	keepGlobals(t)
	otel.SetTracerProvider(TracerProvider())
	otel.SetTextMapPropagator(Propagator())
	// Would recurse forever without the guards.
	_, span := Tracer("test").Start(context.Background(), "s")
	span.End()
	Propagator().Inject(context.Background(), propagation.MapCarrier{})
}

func TestPropagatorFollowsGlobal(t *testing.T) {
	keepGlobals(t)
	p := Propagator()
	otel.SetTextMapPropagator(propagation.TraceContext{})
	if got := p.Fields(); !slices.Contains(got, "traceparent") {
		t.Errorf("fields %q, want traceparent", got)
	}
	otel.SetTextMapPropagator(propagation.Baggage{})
	if got := p.Fields(); !slices.Equal(got, []string{"baggage"}) {
		t.Errorf("fields %q after switching to baggage", got)
	}

	otel.SetTextMapPropagator(propagation.TraceContext{})
	carrier := propagation.MapCarrier{"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
	ctx := p.Extract(context.Background(), carrier)
	if sc := trace.SpanContextFromContext(ctx); !sc.IsRemote() || sc.TraceID().String() != "0af7651916cd43dd8448eb211c80319c" {
		t.Errorf("extracted %v", sc)
	}
	out := propagation.MapCarrier{}
	p.Inject(ctx, out)
	if out["traceparent"] != carrier["traceparent"] {
		t.Errorf("injected %q", out["traceparent"])
	}
}

func TestAPIDefaultProviderIsRecognised(t *testing.T) {
	// Nothing installed a provider before rt's variables were initialised
	// in this test binary, so rt must have recognised the API placeholder;
	// this fails if OpenTelemetry moves its placeholder type.
	if apiDefaultProvider == nil {
		t.Fatal("the OpenTelemetry API's placeholder provider was not recognised")
	}
	if defaultProviderOrNil(noop.NewTracerProvider()) != nil {
		t.Error("a noop provider was taken for the placeholder")
	}
	if defaultProviderOrNil(sdktrace.NewTracerProvider()) != nil {
		t.Error("an SDK provider was taken for the placeholder")
	}
	keepGlobals(t)
	_, tp := recordingProvider()
	otel.SetTracerProvider(tp)
	if !Active() {
		t.Error("Active() = false with an SDK provider installed")
	}
}

func BenchmarkDynamicTracerStart(b *testing.B) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	defer otel.SetTracerProvider(prev)
	tracer := Tracer("bench")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, span := tracer.Start(ctx, "s")
		span.End()
	}
}
