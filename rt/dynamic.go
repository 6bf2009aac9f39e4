package rt

import (
	"context"
	"reflect"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
	"go.opentelemetry.io/otel/trace/noop"
)

// apiDefaultProvider is the provider otel.GetTracerProvider returns while no
// provider has been installed, or nil if one was already installed when rt
// was initialised. It is read before rt's init installs the SDK.
var apiDefaultProvider = defaultProviderOrNil(otel.GetTracerProvider())

// defaultProviderOrNil returns tp if it is the OpenTelemetry API's own
// placeholder provider. Packages initialised before rt may have installed a
// provider already; comparing with that one would make hooks skip a real
// provider, so only the placeholder type (unexported, hence the reflection,
// done once) is accepted.
func defaultProviderOrNil(tp trace.TracerProvider) trace.TracerProvider {
	t := reflect.TypeOf(tp)
	if t != nil && t.Kind() == reflect.Pointer && t.Elem().PkgPath() == "go.opentelemetry.io/otel/internal/global" {
		return tp
	}
	return nil
}

// Active reports whether spans can be recorded at all: false while the
// global TracerProvider is still the API's placeholder, which happens when
// the SDK is disabled (OTEL_SDK_DISABLED=true, or OTEL_TRACES_EXPORTER=none)
// and the program installed no provider of its own. Hooks use it to skip
// their instrumentation entirely; it costs an atomic load and a comparison.
func Active() bool {
	return apiDefaultProvider == nil || otel.GetTracerProvider() != apiDefaultProvider
}

// TracerProvider returns a TracerProvider whose tracers follow
// otel.GetTracerProvider on every span start, so that hooks built once at
// init still use whatever provider the program installs later.
func TracerProvider() trace.TracerProvider { return dynamicProvider{} }

// Tracer returns a tracer of [TracerProvider]: the tracer named name of the
// current global provider, resolved again whenever that provider changes.
func Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	return dynamicProvider{}.Tracer(name, opts...)
}

// dynamicProvider is the provider behind [TracerProvider].
type dynamicProvider struct{ embedded.TracerProvider }

// Tracer implements trace.TracerProvider.
func (dynamicProvider) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	return &dynamicTracer{name: name, opts: opts}
}

// dynamicTracer resolves its tracer from the current global provider. The
// last resolution is cached with the provider it came from, so the common
// case (the provider did not change) costs an atomic load and an interface
// comparison, and never calls the provider's Tracer method, which takes a
// lock in the SDK.
type dynamicTracer struct {
	embedded.Tracer
	name  string
	opts  []trace.TracerOption
	cache atomic.Pointer[resolvedTracer]
}

// resolvedTracer is one cached resolution of a dynamicTracer.
type resolvedTracer struct {
	provider trace.TracerProvider
	tracer   trace.Tracer
	// comparable records whether provider's dynamic type supports ==.
	// Comparing two interfaces holding the same non-comparable type
	// panics, so such providers are never cached.
	comparable bool
}

// Start implements trace.Tracer. A span started without a parent in ctx
// gets the one the goroutine inherited, if any (see GoContext).
func (t *dynamicTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	if Suppressed(ctx) {
		// An excluded request (see Excluded): nothing under it is traced.
		return ctx, trace.SpanFromContext(ctx)
	}
	return t.current().Start(withGoroutineParent(ctx, opts), name, opts...)
}

// current returns the tracer of the current global provider.
func (t *dynamicTracer) current() trace.Tracer {
	tp := otel.GetTracerProvider()
	if c := t.cache.Load(); c != nil && c.comparable && c.provider == tp {
		return c.tracer
	}
	if _, self := tp.(dynamicProvider); self {
		// A program that installed rt's own dynamic provider as the global
		// one would make every Start recurse forever.
		return noop.Tracer{}
	}
	r := &resolvedTracer{provider: tp, tracer: tp.Tracer(t.name, t.opts...)}
	if typ := reflect.TypeOf(tp); typ != nil && typ.Comparable() {
		r.comparable = true
		t.cache.Store(r)
	}
	return r.tracer
}

// Propagator returns a TextMapPropagator that delegates every call to
// otel.GetTextMapPropagator, so hooks follow a propagator the program
// installs after rt's init (the API's own placeholder only forwards to the
// first one ever installed).
func Propagator() propagation.TextMapPropagator { return dynamicPropagator{} }

// dynamicPropagator is the propagator behind [Propagator].
type dynamicPropagator struct{}

// Inject implements propagation.TextMapPropagator.
func (dynamicPropagator) Inject(ctx context.Context, carrier propagation.TextMapCarrier) {
	if p := otel.GetTextMapPropagator(); !isDynamicPropagator(p) {
		p.Inject(ctx, carrier)
	}
}

// Extract implements propagation.TextMapPropagator.
func (dynamicPropagator) Extract(ctx context.Context, carrier propagation.TextMapCarrier) context.Context {
	if p := otel.GetTextMapPropagator(); !isDynamicPropagator(p) {
		return p.Extract(ctx, carrier)
	}
	return ctx
}

// Fields implements propagation.TextMapPropagator.
func (dynamicPropagator) Fields() []string {
	if p := otel.GetTextMapPropagator(); !isDynamicPropagator(p) {
		return p.Fields()
	}
	return nil
}

// isDynamicPropagator guards against the program installing [Propagator]
// itself as the global propagator, which would recurse forever.
func isDynamicPropagator(p propagation.TextMapPropagator) bool {
	_, ok := p.(dynamicPropagator)
	return ok
}
