package nethttp

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/ssaweave/ssaweave/rt"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
	"go.opentelemetry.io/otel/trace/noop"
)

const (
	incomingTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	incomingSpanID  = "00f067aa0ba902b7"
	traceparent     = "00-" + incomingTraceID + "-" + incomingSpanID + "-01"
)

// useRecorder installs an in-memory span recorder as the global provider,
// after rt's init installed its own: the hook, built at init, must follow.
func useRecorder(t *testing.T) *tracetest.SpanRecorder {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	setGlobals(t, sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)), propagation.TraceContext{})
	return rec
}

// setGlobals installs tp and p as the otel globals for the test.
func setGlobals(t *testing.T, tp trace.TracerProvider, p propagation.TextMapPropagator) {
	t.Helper()
	prevTP, prevP := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(p)
	t.Cleanup(func() { restoreGlobals(prevTP, prevP) })
}

// restoreGlobals reinstalls the otel globals saved before a test. Setting
// one to its current value would make the API log a complaint.
func restoreGlobals(tp trace.TracerProvider, p propagation.TextMapPropagator) {
	if !same(otel.GetTracerProvider(), tp) {
		otel.SetTracerProvider(tp)
	}
	if !same(otel.GetTextMapPropagator(), p) {
		otel.SetTextMapPropagator(p)
	}
}

// same compares two values that may be of a non-comparable type.
func same(a, b any) (eq bool) {
	defer func() { _ = recover() }()
	return a == b
}

// usersMux is the program's handler: a Go 1.22 pattern with a wildcard.
// It reports the span context its handler ran in.
func usersMux(seen *trace.SpanContext) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		*seen = trace.SpanContextFromContext(r.Context())
		fmt.Fprintf(w, "user %s", r.PathValue("id"))
	})
	return mux
}

func usersRequest() *http.Request {
	req := httptest.NewRequest(http.MethodGet, "http://example.com/users/42", nil)
	req.Header.Set("traceparent", traceparent)
	req.Header.Set("User-Agent", "ssaweave-test")
	return req
}

func attrMap(kvs []attribute.KeyValue) map[attribute.Key]attribute.Value {
	m := make(map[attribute.Key]attribute.Value, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

func TestServerSpan(t *testing.T) {
	rec := useRecorder(t)
	var seen trace.SpanContext
	mux := usersMux(&seen)
	w := httptest.NewRecorder()

	serveHTTP(w, usersRequest(), mux.ServeHTTP)

	if w.Code != http.StatusOK || w.Body.String() != "user 42" {
		t.Fatalf("response %d %q, want 200 \"user 42\"", w.Code, w.Body.String())
	}
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("recorded %d spans, want 1", len(spans))
	}
	s := spans[0]
	if s.Name() != "GET /users/{id}" {
		t.Errorf("span name %q, want \"GET /users/{id}\"", s.Name())
	}
	if s.SpanKind() != trace.SpanKindServer {
		t.Errorf("span kind %v, want server", s.SpanKind())
	}
	attrs := attrMap(s.Attributes())
	for k, want := range map[attribute.Key]any{
		"http.request.method":       "GET",
		"http.route":                "/users/{id}",
		"http.response.status_code": int64(200),
		"url.path":                  "/users/42",
		"server.address":            "example.com",
	} {
		if got := attrs[k].AsInterface(); got != want {
			t.Errorf("%s = %v (%T), want %v", k, got, got, want)
		}
	}

	// The incoming traceparent is the parent.
	if got := s.SpanContext().TraceID().String(); got != incomingTraceID {
		t.Errorf("trace ID %s, want the incoming %s", got, incomingTraceID)
	}
	if p := s.Parent(); !p.IsRemote() || p.SpanID().String() != incomingSpanID {
		t.Errorf("parent %v, want the remote span %s", p, incomingSpanID)
	}
	// The handler ran inside the span.
	if !seen.Equal(s.SpanContext()) {
		t.Errorf("handler saw span context %v, want the server span's %v", seen, s.SpanContext())
	}
}

func TestAttributesMatchOtelhttp(t *testing.T) {
	rec := useRecorder(t)
	var seen trace.SpanContext
	mux := usersMux(&seen)

	serveHTTP(httptest.NewRecorder(), usersRequest(), mux.ServeHTTP)
	otelhttp.NewHandler(mux, "plain").ServeHTTP(httptest.NewRecorder(), usersRequest())

	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("recorded %d spans, want 2", len(spans))
	}
	woven, plain := attrMap(spans[0].Attributes()), attrMap(spans[1].Attributes())
	wantKeys := slices.Sorted(maps.Keys(plain))
	if _, ok := plain["http.route"]; !ok {
		wantKeys = append(wantKeys, "http.route")
		slices.Sort(wantKeys)
	}
	if got := slices.Sorted(maps.Keys(woven)); !slices.Equal(got, wantKeys) {
		t.Errorf("attribute keys:\n woven: %q\n want:  %q (otelhttp's plus http.route)", got, wantKeys)
	}
	for k, v := range plain {
		if k == "network.peer.port" {
			continue // httptest picks it at random per request
		}
		if woven[k] != v {
			t.Errorf("%s: woven %v, otelhttp %v", k, woven[k].AsInterface(), v.AsInterface())
		}
	}
	if spans[0].Name() != spans[1].Name() || spans[0].SpanKind() != spans[1].SpanKind() || spans[0].InstrumentationScope() != spans[1].InstrumentationScope() {
		t.Errorf("woven span %q %v %v differs from otelhttp's %q %v %v",
			spans[0].Name(), spans[0].SpanKind(), spans[0].InstrumentationScope(),
			spans[1].Name(), spans[1].SpanKind(), spans[1].InstrumentationScope())
	}
}

func TestSpanNameWithoutRoute(t *testing.T) {
	rec := useRecorder(t)
	handler := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }
	serveHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/anything", nil), handler)

	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("recorded %d spans, want 1", len(spans))
	}
	if spans[0].Name() != "POST" {
		t.Errorf("span name %q, want POST", spans[0].Name())
	}
	attrs := attrMap(spans[0].Attributes())
	if _, ok := attrs["http.route"]; ok {
		t.Error("http.route set without a pattern")
	}
	if got := attrs["http.response.status_code"].AsInt64(); got != http.StatusTeapot {
		t.Errorf("status code %d", got)
	}
}

func TestRouteWithHostPattern(t *testing.T) {
	rec := useRecorder(t)
	mux := http.NewServeMux()
	mux.HandleFunc("example.com/static/", func(http.ResponseWriter, *http.Request) {})
	serveHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "http://example.com/static/app.js", nil), mux.ServeHTTP)
	s := rec.Ended()[0]
	if got := attrMap(s.Attributes())["http.route"].AsString(); got != "/static/" {
		t.Errorf("http.route %q, want /static/", got)
	}
	if s.Name() != "GET /static/" {
		t.Errorf("span name %q", s.Name())
	}
}

func TestFollowsProviderChanges(t *testing.T) {
	rec1 := useRecorder(t)
	var seen trace.SpanContext
	mux := usersMux(&seen)
	serveHTTP(httptest.NewRecorder(), usersRequest(), mux.ServeHTTP)
	rec2 := useRecorder(t)
	serveHTTP(httptest.NewRecorder(), usersRequest(), mux.ServeHTTP)
	if len(rec1.Ended()) != 1 || len(rec2.Ended()) != 1 {
		t.Errorf("spans per provider: %d then %d, want 1 each", len(rec1.Ended()), len(rec2.Ended()))
	}
}

func TestHandlerPanicReachesNetHTTP(t *testing.T) {
	for _, v := range []any{"handler bug", http.ErrAbortHandler} {
		rec := useRecorder(t)
		before := rt.HookPanics()
		handler := func(http.ResponseWriter, *http.Request) { panic(v) }
		got := func() (got any) {
			defer func() { got = recover() }()
			serveHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil), handler)
			return nil
		}()
		if got != v {
			t.Errorf("panic %v reached the caller as %v", v, got)
		}
		if rt.HookPanics() != before {
			t.Error("the program's panic was counted as a hook panic")
		}
		if n := len(rec.Ended()); n != 1 {
			t.Errorf("%d spans ended, want 1", n)
		}
	}
}

// panicPropagator is a broken propagator: the instrumentation fails before
// the handler runs.
type panicPropagator struct{ propagation.TraceContext }

func (panicPropagator) Extract(context.Context, propagation.TextMapCarrier) context.Context {
	panic("broken propagator")
}

func TestInstrumentationPanicBeforeHandler(t *testing.T) {
	useRecorder(t)
	otel.SetTextMapPropagator(panicPropagator{})
	before := rt.HookPanics()
	calls := 0
	handler := func(w http.ResponseWriter, r *http.Request) {
		calls++
		io.WriteString(w, "served")
	}
	w := httptest.NewRecorder()
	serveHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil), handler)
	if calls != 1 || w.Body.String() != "served" {
		t.Errorf("handler ran %d times, body %q; want once, uninstrumented", calls, w.Body.String())
	}
	if rt.HookPanics() != before+1 {
		t.Errorf("hook panics grew by %d, want 1", rt.HookPanics()-before)
	}
}

// panicProvider makes spans that fail once the handler has returned, when
// otelhttp sets their status.
type panicProvider struct{ embedded.TracerProvider }

func (panicProvider) Tracer(string, ...trace.TracerOption) trace.Tracer { return panicTracer{} }

type panicTracer struct{ embedded.Tracer }

func (panicTracer) Start(ctx context.Context, _ string, _ ...trace.SpanStartOption) (context.Context, trace.Span) {
	s := panicSpan{trace.SpanFromContext(ctx)}
	return trace.ContextWithSpan(ctx, s), s
}

type panicSpan struct{ trace.Span }

func (panicSpan) SetStatus(codes.Code, string) { panic("broken span") }

func TestInstrumentationPanicAfterHandler(t *testing.T) {
	setGlobals(t, panicProvider{}, propagation.TraceContext{})
	before := rt.HookPanics()
	calls := 0
	handler := func(w http.ResponseWriter, r *http.Request) {
		calls++
		io.WriteString(w, "served")
	}
	w := httptest.NewRecorder()
	serveHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil), handler)
	if calls != 1 || w.Body.String() != "served" {
		t.Errorf("handler ran %d times, body %q; want exactly once", calls, w.Body.String())
	}
	if rt.HookPanics() != before+1 {
		t.Errorf("hook panics grew by %d, want 1", rt.HookPanics()-before)
	}
}

func TestHookIsBound(t *testing.T) {
	if serverHook == nil {
		t.Fatal("init did not set the net/http hook")
	}
}

func TestHTTPRoute(t *testing.T) {
	for pattern, want := range map[string]string{
		"":                       "",
		"/":                      "/",
		"GET /users/{id}":        "/users/{id}",
		"example.com/static/":    "/static/",
		"POST example.com/a/{$}": "/a/{$}",
	} {
		if got := httpRoute(pattern); got != want {
			t.Errorf("httpRoute(%q) = %q, want %q", pattern, got, want)
		}
	}
}

// notSampled installs a provider that samples nothing, the cheap path the
// hook must not make more expensive than otelhttp itself.
func notSampled(tb testing.TB) {
	prevTP, prevP := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample())))
	otel.SetTextMapPropagator(propagation.TraceContext{})
	tb.Cleanup(func() { restoreGlobals(prevTP, prevP) })
}

// discard is a ResponseWriter that allocates nothing.
type discard struct{ h http.Header }

func (d discard) Header() http.Header       { return d.h }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}

func TestUnsampledAllocations(t *testing.T) {
	notSampled(t)
	checkAllocations(t)
}

// TestSampledAllocations is TestUnsampledAllocations with every span
// sampled (and recorded: the provider has no span processor, so that
// nothing allocates on another goroutine while allocations are counted).
func TestSampledAllocations(t *testing.T) {
	setGlobals(t, sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample())), propagation.TraceContext{})
	checkAllocations(t)
}

// checkAllocations fails if the hook allocates more per request than
// otelhttp.NewHandler by hand, serving GET /users/42 through usersMux.
func checkAllocations(t *testing.T) {
	t.Helper()
	var seen trace.SpanContext
	mux := usersMux(&seen)
	req := httptest.NewRequest(http.MethodGet, "http://example.com/users/42", nil)
	w := discard{h: http.Header{}}
	plain := otelhttp.NewHandler(mux, "plain")

	direct := testing.AllocsPerRun(200, func() { mux.ServeHTTP(w, req) })
	viaOtelhttp := testing.AllocsPerRun(200, func() { plain.ServeHTTP(w, req) })
	viaHook := testing.AllocsPerRun(200, func() { serveHTTP(w, req, mux.ServeHTTP) })
	t.Logf("allocations per request: handler alone %.1f, otelhttp %.1f, hook %.1f", direct, viaOtelhttp, viaHook)
	if viaHook > viaOtelhttp {
		t.Errorf("the hook allocates %.1f times per request, otelhttp alone %.1f", viaHook, viaOtelhttp)
	}
}

// attrSpan is a recording span that keeps a copy of the attributes set on
// it, in a list allocated once.
type attrSpan struct {
	noop.Span
	attrs []attribute.KeyValue
}

func (*attrSpan) IsRecording() bool { return true }

func (s *attrSpan) SetAttributes(kv ...attribute.KeyValue) { s.attrs = append(s.attrs[:0], kv...) }

// TestRecordRouteAllocatesNothing checks that putting a ServeMux route on
// the span costs the hook no allocation of its own (the span may allocate
// to store it).
func TestRecordRouteAllocatesNothing(t *testing.T) {
	span := &attrSpan{attrs: make([]attribute.KeyValue, 0, 1)}
	ctx := trace.ContextWithSpan(otelhttp.ContextWithLabeler(context.Background(), &otelhttp.Labeler{}), span)
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "http://example.com/users/42", nil)
	req.Pattern = "GET /users/{id}"
	c := new(call)
	if n := testing.AllocsPerRun(100, func() { c.recordRoute(req) }); n != 0 {
		t.Errorf("recordRoute allocates %.1f times per request, want 0", n)
	}
	if len(span.attrs) != 1 || span.attrs[0] != attribute.String("http.route", "/users/{id}") {
		t.Errorf("span attributes %v, want http.route=/users/{id}", span.attrs)
	}
	if c.route[0].Valid() {
		t.Error("the pooled call still holds the route")
	}
}

// benchServe measures GET /users/42 on usersMux through the handler wrap
// makes of it (once), with a ResponseWriter that allocates nothing.
//
// Besides wall time it reports cpu-ns/op, the CPU time the whole process
// used per request (where the platform tells): on a machine shared with
// other jobs, time the benchmark waits for a core inflates ns/op but not
// cpu-ns/op, which also counts the work the request causes off its own
// goroutine (span export, garbage collection).
func benchServe(b *testing.B, wrap func(mux *http.ServeMux) http.HandlerFunc) {
	var seen trace.SpanContext
	serve := wrap(usersMux(&seen))
	req := httptest.NewRequest(http.MethodGet, "http://example.com/users/42", nil)
	w := discard{h: http.Header{}}
	b.ReportAllocs()
	cpu0, ok := processCPU()
	for b.Loop() {
		serve(w, req)
	}
	if cpu1, ok1 := processCPU(); ok && ok1 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

func BenchmarkHookUnsampled(b *testing.B) {
	notSampled(b)
	benchServe(b, func(mux *http.ServeMux) http.HandlerFunc {
		return func(w http.ResponseWriter, req *http.Request) { serveHTTP(w, req, mux.ServeHTTP) }
	})
}

func BenchmarkOtelhttpUnsampled(b *testing.B) {
	notSampled(b)
	benchServe(b, func(mux *http.ServeMux) http.HandlerFunc { return otelhttp.NewHandler(mux, "plain").ServeHTTP })
}

// sampled installs a provider that samples every span and batches it to an
// exporter that discards it, as a production SDK would.
func sampled(tb testing.TB) {
	prevTP, prevP := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discardExporter{}))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	tb.Cleanup(func() {
		tp.Shutdown(context.Background())
		restoreGlobals(prevTP, prevP)
	})
}

// discardExporter drops every span.
type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

// BenchmarkHookSampled and BenchmarkOtelhttpSampled compare the woven
// server hook with otelhttp.NewHandler by hand, every request sampled.
func BenchmarkHookSampled(b *testing.B) {
	sampled(b)
	benchServe(b, func(mux *http.ServeMux) http.HandlerFunc {
		return func(w http.ResponseWriter, req *http.Request) { serveHTTP(w, req, mux.ServeHTTP) }
	})
}

func BenchmarkOtelhttpSampled(b *testing.B) {
	sampled(b)
	benchServe(b, func(mux *http.ServeMux) http.HandlerFunc { return otelhttp.NewHandler(mux, "plain").ServeHTTP })
}
