package rt

import (
	"bytes"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// env makes a getenv function from a map.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of exporter
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// captureDiag redirects rt's diagnostics to a buffer for the test and
// forgets which warnings were already given, so each test sees its own.
func captureDiag(t *testing.T) *syncBuffer {
	t.Helper()
	buf := new(syncBuffer)
	prev := diag
	diag = buf
	warned.Clear()
	t.Cleanup(func() {
		diag = prev
		warned.Clear()
	})
	return buf
}

// keepGlobals restores the otel globals when the test ends.
func keepGlobals(t *testing.T) {
	t.Helper()
	tp, p := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	t.Cleanup(func() {
		// Setting a global to its current value makes the API log a
		// complaint.
		if !same(otel.GetTracerProvider(), tp) {
			otel.SetTracerProvider(tp)
		}
		if !same(otel.GetTextMapPropagator(), p) {
			otel.SetTextMapPropagator(p)
		}
	})
}

// same compares two values that may be of a non-comparable type.
func same(a, b any) (eq bool) {
	defer func() { _ = recover() }()
	return a == b
}

var _ trace.TracerProvider = dynamicProvider{}
var _ propagation.TextMapPropagator = dynamicPropagator{}
