// Package hooktest lets the tests of hook packages serve requests through
// the real net/http server hook of rt/nethttp, as a woven
// serverHandler.ServeHTTP does, without weaving net/http: it binds the hook
// variable by name exactly like the woven package would. Only tests import
// it.
package hooktest

import (
	"net/http"
	"net/http/httptest"
	"testing"
	_ "unsafe" // for go:linkname

	_ "github.com/ssaweave/ssaweave/rt/nethttp" // sets the hook in its init
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// serverHook is the variable a woven net/http declares; rt/nethttp's init
// assigns it.
//
//go:linkname serverHook net/http.ssaweaveHook_serverHandler_ServeHTTP
var serverHook func(rw http.ResponseWriter, req *http.Request, next func(http.ResponseWriter, *http.Request))

// Serve serves req with h through the net/http server hook and returns the
// response. A panic of h reaches the caller as it would reach net/http.
func Serve(t testing.TB, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	if serverHook == nil {
		t.Fatal("rt/nethttp did not set the net/http server hook")
	}
	w := httptest.NewRecorder()
	serverHook(w, req, h.ServeHTTP)
	return w
}

// UseRecorder installs an in-memory span recorder and the W3C propagator as
// the otel globals for the duration of the test; the hooks follow the
// globals dynamically.
func UseRecorder(t testing.TB) *tracetest.SpanRecorder {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	prevTP, prevP := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() {
		otel.SetTracerProvider(prevTP)
		otel.SetTextMapPropagator(prevP)
	})
	return rec
}

// ServerSpan returns the one server span rec ended, failing the test if
// there is not exactly one.
func ServerSpan(t testing.TB, rec *tracetest.SpanRecorder) sdktrace.ReadOnlySpan {
	t.Helper()
	var server []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.SpanKind() == trace.SpanKindServer {
			server = append(server, s)
		}
	}
	if len(server) != 1 {
		t.Fatalf("recorded %d server spans, want 1", len(server))
	}
	return server[0]
}

// Attr returns the value of attribute key of s as a string, and whether s
// has it.
func Attr(s sdktrace.ReadOnlySpan, key attribute.Key) (string, bool) {
	for _, kv := range s.Attributes() {
		if kv.Key == key {
			return kv.Value.String(), true
		}
	}
	return "", false
}
