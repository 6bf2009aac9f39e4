package rt

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
)

// spanHook stands for the hook variable the backend declares, of the type
// ssaweave.BindTypes gives FuncSpan, and that the generated file of the
// main package sets to FuncSpan: the assignment checks that FuncSpan has
// that type.
var spanHook func(parent any, name string) (ctx any, end func(err *error)) = FuncSpan

// ctxKey keys the values the tests put in contexts.
type ctxKey struct{}

// wovenFind is a function as the backend rewrites it (see
// backend/rewrite/span.go), with FuncSpan as its hook: it returns the
// context it ran in and its error through named results and a bare return.
func wovenFind(ctx context.Context, fail bool) (got context.Context, err error) {
	if h := spanHook; h != nil {
		c, end := h(ctx, "find")
		if c, ok := c.(context.Context); ok {
			ctx = c
		}
		if end != nil {
			defer func() {
				e := err
				end(&e)
			}()
		}
	}
	got = ctx
	if fail {
		err = errors.New("not found")
	}
	return
}

// declLine returns the line of this file that starts with prefix.
func declLine(t *testing.T, prefix string) int {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(l, prefix) {
			return i + 1
		}
	}
	t.Fatalf("no line starts with %q", prefix)
	return 0
}

// wovenServe is a handler as the backend rewrites it, with no error result.
func wovenServe(w http.ResponseWriter, r *http.Request) *http.Request {
	if h := spanHook; h != nil {
		c, end := h(r, "serve")
		if c, ok := c.(*http.Request); ok {
			r = c
		}
		if end != nil {
			defer end(nil)
		}
	}
	return r
}

// recordingGlobal installs a provider that records every span as the
// global one for the test.
func recordingGlobal(t *testing.T, opts ...sdktrace.TracerProviderOption) *tracetest.SpanRecorder {
	t.Helper()
	keepGlobals(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(append([]sdktrace.TracerProviderOption{sdktrace.WithSpanProcessor(rec)}, opts...)...)
	otel.SetTracerProvider(tp)
	return rec
}

// attrs returns a span's attributes by key.
func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

func TestFuncSpanContext(t *testing.T) {
	rec := recordingGlobal(t)
	pctx, parent := otel.Tracer("test").Start(context.Background(), "parent")
	got, err := wovenFind(pctx, false)
	if err != nil {
		t.Fatal(err)
	}
	parent.End()

	ended := rec.Ended()
	if len(ended) != 2 || ended[0].Name() != "find" {
		t.Fatalf("ended %d spans, want find then parent", len(ended))
	}
	s := ended[0]
	if s.SpanKind() != trace.SpanKindInternal {
		t.Errorf("kind %v, want internal", s.SpanKind())
	}
	if s.Parent().SpanID() != parent.SpanContext().SpanID() || s.SpanContext().TraceID() != parent.SpanContext().TraceID() {
		t.Errorf("the span is not a child of the context's span")
	}
	if trace.SpanFromContext(got).SpanContext().SpanID() != s.SpanContext().SpanID() {
		t.Errorf("the function did not run in the context of its span")
	}
	if s.Status().Code != codes.Unset || len(s.Events()) != 0 {
		t.Errorf("status %v, events %v for a function that returned no error", s.Status(), s.Events())
	}
	if sc := s.InstrumentationScope(); sc.Name != funcSpanScope || sc.SchemaURL == "" {
		t.Errorf("scope %+v", sc)
	}
	a := attrs(s)
	if fn := a["code.function.name"].AsString(); fn != "github.com/ssaweave/ssaweave/rt.wovenFind" {
		t.Errorf("code.function.name = %q", fn)
	}
	if file := a["code.file.path"].AsString(); !strings.HasSuffix(file, "/funcspan_test.go") {
		t.Errorf("code.file.path = %q", file)
	}
	// The call to FuncSpan is on the line after the declaration here;
	// woven, it is positioned at the declaration.
	if line := a["code.line.number"].AsInt64(); line != int64(declLine(t, "func wovenFind(")+2) {
		t.Errorf("code.line.number = %d, want the line of the call in wovenFind", line)
	}
}

func TestFuncSpanRequest(t *testing.T) {
	rec := recordingGlobal(t)
	pctx, parent := otel.Tracer("test").Start(context.Background(), "parent")
	r := httptest.NewRequestWithContext(pctx, "GET", "/x", nil)
	got := wovenServe(httptest.NewRecorder(), r)
	parent.End()

	ended := rec.Ended()
	if len(ended) != 2 || ended[0].Name() != "serve" {
		t.Fatalf("ended %d spans, want serve then parent", len(ended))
	}
	s := ended[0]
	if s.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("the span is not a child of the request's span")
	}
	if got == r || got.URL != r.URL {
		t.Errorf("the handler did not get a copy of its request")
	}
	if trace.SpanFromContext(got.Context()).SpanContext().SpanID() != s.SpanContext().SpanID() {
		t.Errorf("the request does not carry the span")
	}
	if r.Context() != pctx {
		t.Errorf("the caller's request was changed")
	}
}

func TestFuncSpanNoParent(t *testing.T) {
	rec := recordingGlobal(t)
	var nilReq *http.Request
	for _, parent := range []any{nil, nilReq, 42} {
		ctx, end := FuncSpan(parent, "root")
		if ctx != parent {
			t.Errorf("FuncSpan(%#v) returned %#v, want its parent back", parent, ctx)
		}
		if end == nil {
			t.Fatalf("FuncSpan(%#v) returned no end for a recorded span", parent)
		}
		end(nil)
	}
	for _, s := range rec.Ended() {
		if s.Parent().IsValid() {
			t.Errorf("span %s has a parent", s.Name())
		}
	}
	if n := len(rec.Ended()); n != 3 {
		t.Errorf("recorded %d spans, want 3", n)
	}
}

// typedNil is an error type whose nil pointer's Error panics.
type typedNil struct{ msg string }

func (e *typedNil) Error() string { return e.msg }

func TestFuncSpanError(t *testing.T) {
	rec := recordingGlobal(t)
	if _, err := wovenFind(context.Background(), true); err == nil {
		t.Fatal("no error")
	}
	s := rec.Ended()[0]
	if s.Status().Code != codes.Error || s.Status().Description != "not found" {
		t.Errorf("status %+v, want Error with the error's message", s.Status())
	}
	if et := attrs(s)["error.type"].AsString(); et != "*errors.errorString" {
		t.Errorf("error.type = %q", et)
	}
	ev := s.Events()
	if len(ev) != 1 || ev[0].Name != "exception" {
		t.Fatalf("events %v, want one exception", ev)
	}
	m := map[attribute.Key]string{}
	for _, kv := range ev[0].Attributes {
		m[kv.Key] = kv.Value.String()
	}
	if m["exception.message"] != "not found" || m["exception.type"] != "*errors.errorString" {
		t.Errorf("exception attributes %v", m)
	}

	// A nil error pointer and a nil error record nothing.
	for _, err := range []*error{nil, new(error)} {
		_, end := FuncSpan(context.Background(), "ok")
		end(err)
	}
	for _, s := range rec.Ended()[1:] {
		if s.Status().Code != codes.Unset || len(s.Events()) != 0 {
			t.Errorf("status %+v, events %v without an error", s.Status(), s.Events())
		}
	}
}

func TestFuncSpanPanics(t *testing.T) {
	rec := recordingGlobal(t)
	out := captureDiag(t)
	before := HookPanics()

	// An error whose Error method panics: end stops the panic and still
	// ends the span.
	_, end := FuncSpan(context.Background(), "bad error")
	var err error = (*typedNil)(nil)
	end(&err)
	if n := len(rec.Ended()); n != 1 {
		t.Errorf("ended %d spans, want the span of the bad error ended", n)
	}
	if HookPanics() != before+1 || !strings.Contains(out.String(), "FuncSpan.end") {
		t.Errorf("the panic was not reported: %d panics, %q", HookPanics()-before, out.String())
	}

	// A provider whose tracer panics: FuncSpan gives the parent back.
	otel.SetTracerProvider(panicProvider{})
	pctx := context.WithValue(context.Background(), ctxKey{}, 1)
	ctx, end := FuncSpan(pctx, "panics")
	if ctx != pctx || end != nil {
		t.Errorf("FuncSpan = %v, end %t after a panic, want the parent and no end", ctx, end != nil)
	}
	if HookPanics() != before+2 {
		t.Errorf("the panic in FuncSpan was not counted")
	}
}

// panicProvider is a TracerProvider whose tracers panic.
type panicProvider struct{ embedded.TracerProvider }

func (panicProvider) Tracer(string, ...trace.TracerOption) trace.Tracer {
	panic("broken provider")
}

// TestFuncSpanKeepsProgramPanics checks that the deferred end, which
// defers Recover, does not stop a panic of the function itself.
func TestFuncSpanKeepsProgramPanics(t *testing.T) {
	rec := recordingGlobal(t)
	fn := func(ctx context.Context) (err error) {
		if h := spanHook; h != nil {
			_, end := h(ctx, "panicking")
			if end != nil {
				defer func() {
					e := err
					end(&e)
				}()
			}
		}
		panic("program panic")
	}
	got := func() (v any) {
		defer func() { v = recover() }()
		_ = fn(context.Background())
		return nil
	}()
	if got != "program panic" {
		t.Errorf("recovered %v, want the program's panic", got)
	}
	if n := len(rec.Ended()); n != 1 {
		t.Errorf("ended %d spans, want the panicking function's", n)
	}
}

func TestFuncSpanUnsampled(t *testing.T) {
	rec := recordingGlobal(t, sdktrace.WithSampler(sdktrace.NeverSample()))
	pctx := context.WithValue(context.Background(), ctxKey{}, 1)
	ctx, end := FuncSpan(pctx, "dropped")
	if ctx != pctx || end != nil {
		t.Errorf("FuncSpan = %v, end %t for a dropped span, want the parent and no end", ctx, end != nil)
	}
	r := httptest.NewRequest("GET", "/", nil)
	if got, end := FuncSpan(r, "dropped"); got != r || end != nil {
		t.Errorf("FuncSpan(request) = %v, end %t for a dropped span, want the request and no end", got, end != nil)
	}
	if n := len(rec.Ended()); n != 0 {
		t.Errorf("recorded %d spans", n)
	}
}

// inactive makes Active report false for the test, as it does when the
// SDK is disabled: the global provider is taken for the API's placeholder.
func inactive(t testing.TB) {
	t.Helper()
	keepProvider(t)
	prev := apiDefaultProvider
	apiDefaultProvider = otel.GetTracerProvider()
	t.Cleanup(func() { apiDefaultProvider = prev })
}

func TestFuncSpanInactive(t *testing.T) {
	inactive(t)
	pctx := context.WithValue(context.Background(), ctxKey{}, 1)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := wovenFind(pctx, false); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("a woven function allocates %v times per call while tracing is off", allocs)
	}
	if ctx, end := FuncSpan(pctx, "off"); ctx != pctx || end != nil {
		t.Errorf("FuncSpan = %v, end %t while tracing is off, want the parent and no end", ctx, end != nil)
	}
}

// BenchmarkFuncSpan measures a woven function (wovenFind: the call, the
// type assertion and the deferred end) with tracing off, with a provider
// that samples nothing, and with one that records every span (and exports
// nowhere), with and without an error to record.
func BenchmarkFuncSpan(b *testing.B) {
	pctx, parent := sdktrace.NewTracerProvider().Tracer("b").Start(context.Background(), "parent")
	defer parent.End()
	run := func(b *testing.B, fail bool) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = wovenFind(pctx, fail)
		}
	}
	b.Run("off", func(b *testing.B) {
		inactive(b)
		run(b, false)
	})
	b.Run("unsampled", func(b *testing.B) {
		keepProvider(b)
		otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample())))
		run(b, false)
	})
	b.Run("sampled", func(b *testing.B) {
		keepProvider(b)
		otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample())))
		run(b, false)
	})
	b.Run("sampled-error", func(b *testing.B) {
		keepProvider(b)
		otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample())))
		run(b, true)
	})
}

// keepProvider restores the global TracerProvider when a test or benchmark
// ends.
func keepProvider(tb testing.TB) {
	tb.Helper()
	tp := otel.GetTracerProvider()
	tb.Cleanup(func() {
		if !same(otel.GetTracerProvider(), tp) {
			otel.SetTracerProvider(tp)
		}
	})
}
