package rt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// fakeExporter stands for a collector. It counts the spans it is given on
// its own, so that rt's counts can be checked against it; with release
// set, each export waits until release is closed (or its context ends),
// like a collector that accepts connections and never answers.
type fakeExporter struct {
	got     atomic.Uint64
	entered chan struct{}
	release chan struct{}
	err     error
}

func newFakeExporter(blocking bool, err error) *fakeExporter {
	e := &fakeExporter{entered: make(chan struct{}, 1), err: err}
	if blocking {
		e.release = make(chan struct{})
	}
	return e
}

func (e *fakeExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.got.Add(uint64(len(spans)))
	select {
	case e.entered <- struct{}{}:
	default:
	}
	if e.release != nil {
		select {
		case <-e.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return e.err
}

func (e *fakeExporter) Shutdown(context.Context) error { return nil }

// waitEntered waits until an export has started.
func (e *fakeExporter) waitEntered(t *testing.T) {
	t.Helper()
	select {
	case <-e.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the batch processor never called the exporter")
	}
}

// recordOnlySampler records spans named "record-only" without sampling
// them, and samples every other span: the batch processor ignores the
// former, so rt must not count them.
type recordOnlySampler struct{}

func (recordOnlySampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	if p.Name == "record-only" {
		return sdktrace.SamplingResult{Decision: sdktrace.RecordOnly}
	}
	return sdktrace.SamplingResult{Decision: sdktrace.RecordAndSample}
}

func (recordOnlySampler) Description() string { return "recordOnlySampler" }

// queueSize is the batch processor's queue in these tests: small, so that
// it fills at once.
const queueSize = 16

// ledgerSetup builds a setup exporting to exp the way newSetup does (the
// same ledger wiring, the SDK's batch processor configured from the
// environment), with a small queue and small batches exported at once.
func ledgerSetup(t *testing.T, exp sdktrace.SpanExporter, flushTimeout time.Duration) *setup {
	t.Helper()
	t.Setenv("OTEL_BSP_MAX_QUEUE_SIZE", fmt.Sprint(queueSize))
	t.Setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "4")
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "1")
	// The processor's bound on one export: never reached here, so that an
	// export ends only when the test says.
	t.Setenv("OTEL_BSP_EXPORT_TIMEOUT", "60000")
	s := &setup{flushTimeout: flushTimeout}
	opts := []sdktrace.TracerProviderOption{
		sdktrace.WithBatcher(s.spans.track("test", exp)),
		sdktrace.WithSampler(recordOnlySampler{}),
	}
	s.provider = sdktrace.NewTracerProvider(s.spans.withCounter(os.Getenv, opts)...)
	return s
}

// endSpans ends n spans named name on s's provider and fails the test if
// that does not finish in time, which it would not if span.End waited for
// the exporter.
func endSpans(t *testing.T, s *setup, name string, n int) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		tr := s.provider.Tracer("test")
		for range n {
			_, span := tr.Start(context.Background(), name)
			span.End()
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("ending %d spans did not finish while the exporter was blocked: span.End waits for the exporter", n)
	}
}

// reports counts rt's span reports in diagnostics.
func reports(out string) int { return strings.Count(out, " exporter: ") }

func TestDroppedSpansAreCountedExactly(t *testing.T) {
	out := captureDiag(t)
	exp := newFakeExporter(true, nil)
	s := ledgerSetup(t, exp, 10*time.Second)

	// The first span's export blocks the batch processor's goroutine: from
	// now on nothing leaves the queue until release.
	endSpans(t, s, "first", 1)
	exp.waitEntered(t)
	const n = 1000
	endSpans(t, s, "span", n)
	// Recorded but not sampled: never queued, so neither ended nor dropped.
	endSpans(t, s, "record-only", 10)

	if got := s.spans.dropped.Load(); got != 0 {
		t.Errorf("dropped = %d before shutdown; it is only known then", got)
	}
	close(exp.release)
	// main returning and os.Exit at once: one report between them.
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(s.shutdown)
	}
	wg.Wait()
	s.shutdown()

	const ended = n + 1
	if got := s.spans.ended.Load(); got != ended {
		t.Errorf("ended = %d, want %d (sampled spans only)", got, ended)
	}
	received := exp.got.Load()
	want := ended - received
	if got := s.spans.dropped.Load(); got != want {
		t.Errorf("dropped = %d, but the exporter received %d of %d spans: want %d", got, received, ended, want)
	}
	// The queue holds queueSize spans and the blocked processor takes no
	// more; a batch may be in the making besides.
	if want < n-queueSize-4 {
		t.Errorf("only %d of %d spans dropped with a queue of %d and the exporter blocked", want, n, queueSize)
	}
	report := out.String()
	if c := reports(report); c != 1 {
		t.Errorf("%d reports, want 1:\n%s", c, report)
	}
	line := fmt.Sprintf("ssaweave: test exporter: %d of %d spans were dropped because the export queue was full (OTEL_BSP_MAX_QUEUE_SIZE=%d); raise it to keep more\n", want, ended, queueSize)
	if report != line {
		t.Errorf("report:\n%q\nwant:\n%q", report, line)
	}
}

func TestExportFailuresAreReported(t *testing.T) {
	out := captureDiag(t)
	exp := newFakeExporter(false, errors.New("collector said no"))
	s := ledgerSetup(t, exp, 10*time.Second)
	prev := state
	state = s
	t.Cleanup(func() { state = prev })

	endSpans(t, s, "span", 10)
	s.shutdown()
	if got := FailedSpans(); got != 10 {
		t.Errorf("FailedSpans() = %d, want 10", got)
	}
	if got := DroppedSpans(); got != 0 {
		t.Errorf("DroppedSpans() = %d, want 0: the exporter got every span", got)
	}
	want := "ssaweave: test exporter: 10 spans failed to export: collector said no\n"
	if got := out.String(); got != want {
		t.Errorf("report:\n%q\nwant:\n%q", got, want)
	}
}

func TestReportWhenFlushTimesOut(t *testing.T) {
	out := captureDiag(t)
	exp := newFakeExporter(true, nil)
	t.Cleanup(func() { close(exp.release) })
	s := ledgerSetup(t, exp, 300*time.Millisecond)
	prev := state
	state = s
	t.Cleanup(func() { state = prev })

	endSpans(t, s, "first", 1)
	exp.waitEntered(t)
	const n = 100
	endSpans(t, s, "span", n)
	s.shutdown()

	// The first span is stuck in its export; every other one was either
	// dropped or is still queued, and the report cannot tell which.
	if got := exp.got.Load(); got != 1 {
		t.Fatalf("the exporter got %d spans, want only the first", got)
	}
	if got := DroppedSpans(); got != n {
		t.Errorf("DroppedSpans() = %d, want %d", got, n)
	}
	report := out.String()
	if c := reports(report); c != 1 {
		t.Errorf("%d reports, want 1:\n%s", c, report)
	}
	for _, want := range []string{
		fmt.Sprintf("ssaweave: test exporter: %d of %d spans were not exported: dropped because the export queue was full (OTEL_BSP_MAX_QUEUE_SIZE=%d), or still queued when rt stopped waiting for the flush at exit (OTEL_BSP_EXPORT_TIMEOUT=300 ms); 1 span was still being exported", n, n+1, queueSize),
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
}

func TestNoReportWhenNothingLost(t *testing.T) {
	out := captureDiag(t)
	var stdout syncBuffer
	// Through newSetup: the wiring rt's init uses.
	s := newSetup(context.Background(), env(map[string]string{"OTEL_TRACES_EXPORTER": "console"}), &stdout)
	endSpans(t, s, "span", 5)
	s.shutdown()
	if len(s.spans.exporters) != 1 || s.spans.exporters[0].name != "console" {
		t.Fatalf("the console exporter is not counted: %v", s.spans.exporters)
	}
	if e, h := s.spans.ended.Load(), s.spans.exporters[0].handed.Load(); e != 5 || h != 5 {
		t.Errorf("ended %d, handed %d; want 5 and 5", e, h)
	}
	if got := strings.Count(stdout.String(), `"Name":"span"`); got != 5 {
		t.Errorf("console printed %d spans, want 5", got)
	}
	if got := out.String(); got != "" {
		t.Errorf("a report although nothing was lost: %q", got)
	}
}

func TestDroppedMessageNamesLateSpans(t *testing.T) {
	got := droppedMessage(7, 50, 3, false, 2048, 5*time.Second)
	want := "7 of 50 spans were not exported: dropped because the export queue was full (OTEL_BSP_MAX_QUEUE_SIZE=2048), or ended after the flush at exit began (3 spans did)"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// BenchmarkSpanEndCounted measures what the ended-span counter adds to a
// span's start and end, against the same provider without it.
func BenchmarkSpanEndCounted(b *testing.B) {
	for _, counted := range []bool{false, true} {
		b.Run(fmt.Sprintf("counter=%v", counted), func(b *testing.B) {
			var l spanLedger
			opts := []sdktrace.TracerProviderOption{
				// The SDK's defaults and an exporter that returns at once,
				// as with a healthy collector.
				sdktrace.WithBatcher(l.track("discard", newFakeExporter(false, nil))),
			}
			if counted {
				opts = l.withCounter(os.Getenv, opts)
			}
			tp := sdktrace.NewTracerProvider(opts...)
			defer tp.Shutdown(context.Background())
			tr := tp.Tracer("bench")
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				_, span := tr.Start(ctx, "span")
				span.End()
			}
		})
	}
}
