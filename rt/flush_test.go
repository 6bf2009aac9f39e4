package rt

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// otlpSetup builds an OTLP/HTTP setup sending to endpoint with the given
// flush bound, as rt's init would from the environment.
func otlpSetup(t *testing.T, endpoint string, timeoutMS string) *setup {
	t.Helper()
	t.Setenv("OTEL_SDK_DISABLED", "false")
	t.Setenv("OTEL_TRACES_EXPORTER", "otlp")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
	t.Setenv("OTEL_BSP_EXPORT_TIMEOUT", timeoutMS)
	s := newSetup(context.Background(), os.Getenv, new(syncBuffer))
	if s.provider == nil {
		t.Fatal("no provider")
	}
	_, span := s.provider.Tracer("test").Start(context.Background(), "pending")
	span.End()
	return s
}

// timeShutdown returns how long s.shutdown took.
func timeShutdown(s *setup) time.Duration {
	start := time.Now()
	s.shutdown()
	return time.Since(start)
}

func TestShutdownIsBoundedWhenCollectorHangs(t *testing.T) {
	captureDiag(t)
	var requests atomic.Int32
	release := make(chan struct{})
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		<-release
	}))
	// Cleanups run last-in first-out: release the handlers, then close.
	t.Cleanup(collector.Close)
	t.Cleanup(func() { close(release) })

	s := otlpSetup(t, collector.URL, "300")
	if d := timeShutdown(s); d > 2*time.Second {
		t.Errorf("shutdown took %v with a hanging collector; the bound is 300ms", d)
	}
	if requests.Load() == 0 {
		t.Error("the exporter never reached the collector")
	}
	// Later calls (os.Exit after main returned) do not wait again.
	if d := timeShutdown(s); d > 100*time.Millisecond {
		t.Errorf("second shutdown took %v", d)
	}
}

func TestShutdownIsBoundedWhenCollectorIsDown(t *testing.T) {
	captureDiag(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there any more: connections are refused

	s := otlpSetup(t, "http://"+addr, "300")
	if d := timeShutdown(s); d > 2*time.Second {
		t.Errorf("shutdown took %v with the collector down; the bound is 300ms", d)
	}
}

func TestShutdownExportsToCollector(t *testing.T) {
	captureDiag(t)
	var requests atomic.Int32
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/traces" {
			requests.Add(1)
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	s := otlpSetup(t, collector.URL, "5000")
	s.shutdown()
	if requests.Load() != 1 {
		t.Errorf("collector got %d export requests, want 1", requests.Load())
	}
}

func TestFlushIncludesProgramProvider(t *testing.T) {
	keepGlobals(t)
	exp := tracetest.NewInMemoryExporter()
	// A long batch delay: only a flush exports the span in time.
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(time.Hour)))
	otel.SetTracerProvider(tp)
	_, span := otel.Tracer("program").Start(context.Background(), "program-span")
	span.End()

	var out syncBuffer
	s := newSetup(context.Background(), env(map[string]string{"OTEL_TRACES_EXPORTER": "console"}), &out)
	_, span = s.provider.Tracer("rt").Start(context.Background(), "rt-span")
	span.End()

	s.flush()
	if n := len(exp.GetSpans()); n != 1 {
		t.Errorf("program provider exported %d spans after flush, want 1", n)
	}
	if !strings.Contains(out.String(), `"rt-span"`) {
		t.Errorf("rt's provider was not flushed: %q", out.String())
	}
	// flush leaves both usable: the program may go on.
	_, span = s.provider.Tracer("rt").Start(context.Background(), "after-flush")
	span.End()
	s.shutdown()
	if !strings.Contains(out.String(), `"after-flush"`) {
		t.Errorf("rt's provider stopped working after flush: %q", out.String())
	}
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Errorf("the program's provider was shut down: %v", err)
	}
}

func TestStartIsIdempotent(t *testing.T) {
	Start(Config{PlanID: "first"})
	Start(Config{PlanID: "second"})
	if got := PlanID(); got != "first" {
		t.Errorf("PlanID() = %q, want the first Start's", got)
	}
}

// stuckProcessor never finishes flushing or shutting down, whatever its
// context says: the worst exporter rt can meet.
type stuckProcessor struct {
	sdktrace.SpanProcessor
	release chan struct{}
}

func (p stuckProcessor) ForceFlush(context.Context) error { <-p.release; return nil }
func (p stuckProcessor) Shutdown(context.Context) error   { <-p.release; return nil }

func TestFlushesAreBoundedEvenIfExporterIgnoresContext(t *testing.T) {
	out := captureDiag(t)
	p := stuckProcessor{SpanProcessor: sdktrace.NewSimpleSpanProcessor(tracetest.NewInMemoryExporter()), release: make(chan struct{})}
	defer close(p.release)
	s := &setup{provider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(p)), flushTimeout: 200 * time.Millisecond}

	start := time.Now()
	s.flush()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("flush took %v, the bound is 200ms", d)
	}
	start = time.Now()
	s.shutdown()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("shutdown took %v, the bound is 200ms", d)
	}
	if !strings.Contains(out.String(), "gave up") {
		t.Errorf("no warning about giving up; diagnostics: %q", out)
	}
}
