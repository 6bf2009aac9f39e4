package nethttp

import (
	"context"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssaweave/ssaweave/rt"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// viaHook is what a woven net/http does with a Client's RoundTripper: send
// passes its arguments through the hook, then hands the request to the
// RoundTripper it got back.
type viaHook struct{ base http.RoundTripper }

func (v viaHook) RoundTrip(r *http.Request) (*http.Response, error) {
	req, rtr, _ := send(r, v.base, time.Time{})
	return rtr.RoundTrip(req)
}

// backend is a server that records the traceparent of each request.
func backend(t *testing.T, got *[]string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*got = append(*got, r.Header.Get("traceparent"))
		io.WriteString(w, "pong")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// get sends GET url with ctx through rtr and reads the whole response.
func get(t *testing.T, ctx context.Context, rtr http.RoundTripper, url string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: rtr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); string(b) != "pong" || resp.StatusCode != 200 {
		t.Fatalf("response %d %q", resp.StatusCode, b)
	}
}

func TestClientSpan(t *testing.T) {
	rec := useRecorder(t)
	var seen []string
	srv := backend(t, &seen)
	ctx, parent := otel.Tracer("test").Start(context.Background(), "parent")
	get(t, ctx, viaHook{http.DefaultTransport}, srv.URL+"/ping?q=1")
	parent.End()

	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("recorded %d spans, want the client span and the parent", len(spans))
	}
	s := spans[0]
	if s.Name() != "HTTP GET" || s.SpanKind() != trace.SpanKindClient {
		t.Errorf("span %q kind %v, want \"HTTP GET\" client", s.Name(), s.SpanKind())
	}
	if s.Parent().SpanID() != parent.SpanContext().SpanID() || s.SpanContext().TraceID() != parent.SpanContext().TraceID() {
		t.Errorf("client span's parent %v, want the span of the request's context", s.Parent())
	}
	want := "00-" + s.SpanContext().TraceID().String() + "-" + s.SpanContext().SpanID().String() + "-01"
	if len(seen) != 1 || seen[0] != want {
		t.Errorf("backend got traceparent %q, want %q", seen, want)
	}
	attrs := attrMap(s.Attributes())
	for k, v := range map[attribute.Key]any{
		"http.request.method":       "GET",
		"http.response.status_code": int64(200),
		"url.full":                  srv.URL + "/ping?q=1",
		"server.address":            "127.0.0.1",
	} {
		if got := attrs[k].AsInterface(); got != v {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	if _, ok := attrs["server.port"]; !ok {
		t.Error("no server.port")
	}
}

func TestClientAttributesMatchOtelhttp(t *testing.T) {
	rec := useRecorder(t)
	var seen []string
	srv := backend(t, &seen)
	get(t, context.Background(), viaHook{http.DefaultTransport}, srv.URL+"/a")
	get(t, context.Background(), otelhttp.NewTransport(http.DefaultTransport), srv.URL+"/a")

	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("recorded %d spans, want 2", len(spans))
	}
	woven, manual := attrMap(spans[0].Attributes()), attrMap(spans[1].Attributes())
	if k1, k2 := slices.Sorted(maps.Keys(woven)), slices.Sorted(maps.Keys(manual)); !slices.Equal(k1, k2) {
		t.Errorf("attribute keys:\n woven:  %q\n manual: %q", k1, k2)
	}
	for k, v := range manual {
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

// funcRoundTripper is a RoundTripper of a type that cannot be compared or
// used as a map key.
type funcRoundTripper func(*http.Request) (*http.Response, error)

func (f funcRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestCustomRoundTripperSeesTheSpan(t *testing.T) {
	rec := useRecorder(t)
	var seen []string
	srv := backend(t, &seen)
	var inner trace.SpanContext
	custom := funcRoundTripper(func(r *http.Request) (*http.Response, error) {
		inner = trace.SpanContextFromContext(r.Context())
		r.Header.Set("X-Custom", "1")
		return http.DefaultTransport.RoundTrip(r)
	})
	get(t, context.Background(), viaHook{custom}, srv.URL)
	spans := rec.Ended()
	if len(spans) != 1 || !inner.Equal(spans[0].SpanContext()) {
		t.Errorf("custom RoundTripper ran in %v; spans %v", inner, spans)
	}
	if len(seen) != 1 || !strings.Contains(seen[0], spans[0].SpanContext().SpanID().String()) {
		t.Errorf("traceparent %q", seen)
	}
}

func TestArgumentsUnchanged(t *testing.T) {
	useRecorder(t)
	req := httptest.NewRequest(http.MethodGet, "http://example.com/", nil)
	req.RequestURI = ""
	deadline := time.Now().Add(time.Minute)
	own := otelhttp.NewTransport(http.DefaultTransport)
	for _, c := range []struct {
		name string
		rt   http.RoundTripper
	}{
		{"nil RoundTripper", nil},
		{"otelhttp Transport", own},
	} {
		gotReq, gotRT, gotDeadline := send(req, c.rt, deadline)
		if gotReq != req || gotRT != c.rt || !gotDeadline.Equal(deadline) {
			t.Errorf("%s: arguments changed to %p %v %v", c.name, gotReq, gotRT, gotDeadline)
		}
	}
	gotReq, gotRT, gotDeadline := send(req, http.DefaultTransport, deadline)
	if _, ok := gotRT.(instrumented); !ok || gotReq == req || !gotDeadline.Equal(deadline) {
		t.Errorf("default transport: got %T, new request %v", gotRT, gotReq != req)
	}
	if gotReq.Context().Value(callKey{}) == nil || req.Context().Value(callKey{}) != nil {
		t.Error("the call must be in the returned request's context only")
	}
}

func TestDeadlineAndCancellationStillWork(t *testing.T) {
	useRecorder(t)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	defer slow.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, slow.URL, nil)
	start := time.Now()
	_, err := (&http.Client{Transport: viaHook{http.DefaultTransport}}).Do(req)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("request through the hook ended with %v after %v, want the context's deadline", err, time.Since(start))
	}
}

func TestRoundTripperPanicReachesCaller(t *testing.T) {
	useRecorder(t)
	before := rt.HookPanics()
	boom := funcRoundTripper(func(*http.Request) (*http.Response, error) { panic("transport bug") })
	got := func() (got any) {
		defer func() { got = recover() }()
		viaHook{boom}.RoundTrip(httptest.NewRequest(http.MethodGet, "http://example.com/", nil))
		return nil
	}()
	if got != "transport bug" {
		t.Errorf("the RoundTripper's panic reached the caller as %v", got)
	}
	if rt.HookPanics() != before {
		t.Error("the program's panic was counted as a hook panic")
	}
}

// panicStartProvider makes otelhttp fail before it calls the RoundTripper.
type panicStartProvider struct{ panicProvider }

func (panicStartProvider) Tracer(string, ...trace.TracerOption) trace.Tracer {
	return panicStartTracer{}
}

type panicStartTracer struct{ panicTracer }

func (panicStartTracer) Start(context.Context, string, ...trace.SpanStartOption) (context.Context, trace.Span) {
	panic("broken tracer")
}

func TestInstrumentationPanicBeforeRoundTripper(t *testing.T) {
	setGlobals(t, panicStartProvider{}, propagation.TraceContext{})
	before := rt.HookPanics()
	var seen []string
	srv := backend(t, &seen)
	get(t, context.Background(), viaHook{http.DefaultTransport}, srv.URL)
	if len(seen) != 1 || seen[0] != "" {
		t.Errorf("backend saw %q, want one uninstrumented request", seen)
	}
	if rt.HookPanics() != before+1 {
		t.Errorf("hook panics grew by %d, want 1", rt.HookPanics()-before)
	}
}

func TestInstrumentationPanicAfterRoundTripper(t *testing.T) {
	// panicProvider's spans fail when otelhttp sets their status, once
	// the response is in.
	setGlobals(t, panicProvider{}, propagation.TraceContext{})
	before := rt.HookPanics()
	var seen []string
	srv := backend(t, &seen)
	get(t, context.Background(), viaHook{http.DefaultTransport}, srv.URL)
	if len(seen) != 1 {
		t.Errorf("backend saw %d requests, want exactly 1", len(seen))
	}
	if rt.HookPanics() != before+1 {
		t.Errorf("hook panics grew by %d, want 1", rt.HookPanics()-before)
	}
}

func TestNilResponseNamesTheProgramsRoundTripper(t *testing.T) {
	useRecorder(t)
	nilResp := funcRoundTripper(func(*http.Request) (*http.Response, error) { return nil, nil })
	_, err := viaHook{nilResp}.RoundTrip(httptest.NewRequest(http.MethodGet, "http://example.com/", nil))
	if err == nil || !strings.Contains(err.Error(), "nethttp.funcRoundTripper") {
		t.Errorf("error %v, want one naming the program's RoundTripper type", err)
	}
}

func TestClientHookIsBound(t *testing.T) {
	if sendHook == nil {
		t.Fatal("init did not set the net/http client hook")
	}
}

// okTransport answers every request without a network, allocating as
// little as a RoundTripper can.
type okTransport struct{}

func (okTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
}

func TestClientAllocations(t *testing.T) {
	useRecorder(t)
	req := httptest.NewRequest(http.MethodGet, "http://example.com/x", nil)
	req.RequestURI = ""
	manual := otelhttp.NewTransport(okTransport{})
	roundTrip := func(rtr http.RoundTripper, r *http.Request) {
		resp, err := rtr.RoundTrip(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	viaOtelhttp := testing.AllocsPerRun(200, func() { roundTrip(manual, req) })
	viaHook := testing.AllocsPerRun(200, func() {
		r, rtr, _ := send(req, okTransport{}, time.Time{})
		roundTrip(rtr, r)
	})
	t.Logf("allocations per request: otelhttp.NewTransport by hand %.1f, hook %.1f", viaOtelhttp, viaHook)
	// The request's context and the shallow copy of the request that
	// carries it.
	if viaHook > viaOtelhttp+2 {
		t.Errorf("the hook allocates %.1f times per request, otelhttp by hand %.1f: more than the 2 of the request's call context", viaHook, viaOtelhttp)
	}
}

func BenchmarkClientHook(b *testing.B) {
	notSampled(b)
	req := httptest.NewRequest(http.MethodGet, "http://example.com/x", nil)
	req.RequestURI = ""
	b.ReportAllocs()
	for b.Loop() {
		r, rtr, _ := send(req, okTransport{}, time.Time{})
		resp, _ := rtr.RoundTrip(r)
		resp.Body.Close()
	}
}

func BenchmarkClientOtelhttp(b *testing.B) {
	notSampled(b)
	t := otelhttp.NewTransport(okTransport{})
	req := httptest.NewRequest(http.MethodGet, "http://example.com/x", nil)
	req.RequestURI = ""
	b.ReportAllocs()
	for b.Loop() {
		resp, _ := t.RoundTrip(req)
		resp.Body.Close()
	}
}
