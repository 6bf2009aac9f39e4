package rt

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// spanLedger accounts for the spans of rt's own TracerProvider, so that rt
// can say at exit how many never left the process.
//
// The SDK's batch span processor is what keeps exporting off the request
// path: span.End only offers the span to a bounded queue and, when the
// queue is full, drops it. That is the right trade, but the processor only
// mentions the count in a debug log, so a program losing most of its spans
// to a slow collector would do so silently. rt keeps the SDK's processor
// and counts at both ends instead: endCounter counts the sampled spans
// that end, countingExporter the spans each exporter is handed; whatever
// ended and was never handed was lost. The difference is exact once nothing
// moves any more, which is when rt reports it: at exit, after the final
// flush.
type spanLedger struct {
	// ended counts the sampled spans that reached rt's span processors.
	// endCounter is registered before the batch processors, so a span is
	// counted here before any of them can queue it: a loaded handed never
	// exceeds an ended loaded after it.
	ended atomic.Uint64
	// exporters has one tally per exporter, in OTEL_TRACES_EXPORTER order.
	// It is written only while the provider is built, before any span.
	exporters []*exportTally
	// queueSize is the batch processors' queue size, for the report.
	queueSize int
	// endedAtFlush is ended when the last flush at exit began: spans that
	// end later may miss it without any queue being full.
	endedAtFlush atomic.Uint64
	// flushCut records whether that flush ran out of time (its context
	// expired), which leaves spans queued.
	flushCut atomic.Bool

	// reportOnce makes the report, and fixes dropped, once per process.
	reportOnce sync.Once
	// dropped is the total that report found; see DroppedSpans.
	dropped atomic.Uint64
}

// exportTally counts what one exporter was given and what became of it.
type exportTally struct {
	// name is the exporter's OTEL_TRACES_EXPORTER name.
	name string
	// handed counts the spans passed to ExportSpans, when the call starts.
	handed atomic.Uint64
	// failed counts the spans of calls that returned an error, and
	// returned those of every call that returned; handed − returned are
	// still being exported.
	failed, returned atomic.Uint64
	// firstErr is the first export error, for the report.
	firstErr atomic.Pointer[error]
}

// track returns exp wrapped so that the ledger counts what it is handed.
func (l *spanLedger) track(name string, exp sdktrace.SpanExporter) sdktrace.SpanExporter {
	t := &exportTally{name: name}
	l.exporters = append(l.exporters, t)
	return countingExporter{SpanExporter: exp, tally: t}
}

// withCounter returns opts with the ended-span counter first, and records
// the queue size the SDK's batch processors take from
// OTEL_BSP_MAX_QUEUE_SIZE, which getenv stands for.
func (l *spanLedger) withCounter(getenv func(string) string, opts []sdktrace.TracerProviderOption) []sdktrace.TracerProviderOption {
	l.queueSize = maxQueueSize(getenv)
	// First: the provider calls its processors in order, and a span must
	// be counted as ended before a batch processor can queue it.
	return append([]sdktrace.TracerProviderOption{sdktrace.WithSpanProcessor(endCounter{&l.ended})}, opts...)
}

// maxQueueSize reads OTEL_BSP_MAX_QUEUE_SIZE as the SDK does: an integer,
// or the SDK's default when it is unset or not one.
func maxQueueSize(getenv func(string) string) int {
	if n, err := strconv.Atoi(getenv("OTEL_BSP_MAX_QUEUE_SIZE")); err == nil {
		return n
	}
	return sdktrace.DefaultMaxQueueSize
}

// endCounter is a span processor that only counts the sampled spans that
// end: the ones a batch processor would queue (it ignores the others). Its
// cost on span.End is one more call through the processor list, a field
// read and an atomic add: about 20 ns, against about 1.4 µs for a span's
// start and end with the batch processor (BenchmarkSpanEndCounted, where
// the difference is within the noise).
type endCounter struct{ ended *atomic.Uint64 }

// OnStart implements sdktrace.SpanProcessor; starts are not counted.
func (endCounter) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd implements sdktrace.SpanProcessor.
func (c endCounter) OnEnd(s sdktrace.ReadOnlySpan) {
	if s.SpanContext().IsSampled() {
		c.ended.Add(1)
	}
}

// Shutdown implements sdktrace.SpanProcessor; there is nothing to release.
func (endCounter) Shutdown(context.Context) error { return nil }

// ForceFlush implements sdktrace.SpanProcessor; nothing is buffered.
func (endCounter) ForceFlush(context.Context) error { return nil }

// countingExporter is an exporter that counts the spans the batch
// processor hands to the exporter it wraps, and how the export went. Its
// work is per batch, on the processor's goroutine, never on span.End.
type countingExporter struct {
	sdktrace.SpanExporter
	tally *exportTally
}

// ExportSpans implements sdktrace.SpanExporter.
func (e countingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	n := uint64(len(spans))
	e.tally.handed.Add(n)
	err := e.SpanExporter.ExportSpans(ctx, spans)
	if err != nil {
		e.tally.failed.Add(n)
		e.tally.firstErr.CompareAndSwap(nil, &err)
	}
	e.tally.returned.Add(n)
	return err
}

// flushStarts notes that a flush at exit begins.
func (l *spanLedger) flushStarts() { l.endedAtFlush.Store(l.ended.Load()) }

// flushEnds notes how the flush of rt's provider under ctx ended.
func (l *spanLedger) flushEnds(ctx context.Context) { l.flushCut.Store(ctx.Err() != nil) }

// sub returns a − b, or 0 when b is larger: counters loaded one after the
// other while spans still move are a snapshot, not a consistent cut.
func sub(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

// report writes, once per process and only when something was lost, how
// many spans each exporter did not get or failed to export, and fixes
// DroppedSpans. rt calls it when the process is about to end, after the
// final flush, or after giving up on it (finished is false). Spans still
// queued then are lost as surely as the ones dropped on a full queue, and
// so are those that end after that flush began (on a signal, other
// goroutines keep working); the report names every cause that may apply.
// Spans that end after the report are not counted: the process is ending.
func (l *spanLedger) report(finished bool, flushTimeout time.Duration) {
	l.reportOnce.Do(func() {
		// A broken writer must not turn the report into a panic at exit.
		defer func() { _ = recover() }()
		cut := !finished || l.flushCut.Load()
		var b strings.Builder
		var total uint64
		for _, x := range l.exporters {
			// Each counter is loaded after those counted later in a span's
			// life, so that no difference is negative for a span that
			// moved in between.
			failed, returned := x.failed.Load(), x.returned.Load()
			handed := x.handed.Load()
			ended := l.ended.Load()
			dropped, exporting := sub(ended, handed), sub(handed, returned)
			late := sub(ended, l.endedAtFlush.Load())
			total += dropped
			var parts []string
			if dropped > 0 {
				parts = append(parts, droppedMessage(dropped, ended, late, cut, l.queueSize, flushTimeout))
			}
			if cut && exporting > 0 {
				parts = append(parts, fmt.Sprintf("%s still being exported when rt stopped waiting for the flush at exit", spansWere(exporting)))
			}
			if failed > 0 {
				msg := fmt.Sprintf("%s failed to export", spanCount(failed))
				if err := x.firstErr.Load(); err != nil {
					msg += ": " + (*err).Error()
				}
				parts = append(parts, msg)
			}
			if len(parts) > 0 {
				fmt.Fprintf(&b, "ssaweave: %s exporter: %s\n", x.name, strings.Join(parts, "; "))
			}
		}
		l.dropped.Store(total)
		if b.Len() > 0 {
			_, _ = diag.Write([]byte(b.String()))
		}
	})
}

// droppedMessage says why dropped of ended spans never reached an
// exporter. A full queue is the usual cause and comes first, with the
// variable that fixes it; the other causes are named only when they may
// apply: the flush at exit timed out (cut), or late spans ended after it
// began.
func droppedMessage(dropped, ended, late uint64, cut bool, queueSize int, flushTimeout time.Duration) string {
	full := fmt.Sprintf("the export queue was full (OTEL_BSP_MAX_QUEUE_SIZE=%d)", queueSize)
	if !cut && late == 0 {
		return fmt.Sprintf("%d of %d spans were dropped because %s; raise it to keep more", dropped, ended, full)
	}
	causes := []string{full}
	if cut {
		causes = append(causes, fmt.Sprintf("still queued when rt stopped waiting for the flush at exit (OTEL_BSP_EXPORT_TIMEOUT=%d ms)", flushTimeout.Milliseconds()))
	}
	if late > 0 {
		causes = append(causes, fmt.Sprintf("ended after the flush at exit began (%s did)", spanCount(late)))
	}
	return fmt.Sprintf("%d of %d spans were not exported: dropped because %s", dropped, ended, strings.Join(causes, ", or "))
}

// spanCount writes n spans, in the singular for one.
func spanCount(n uint64) string {
	if n == 1 {
		return "1 span"
	}
	return fmt.Sprintf("%d spans", n)
}

// spansWere writes "n spans were", in the singular for one.
func spansWere(n uint64) string {
	if n == 1 {
		return "1 span was"
	}
	return fmt.Sprintf("%d spans were", n)
}

// failedSpans sums the spans whose export failed, over every exporter.
func (l *spanLedger) failedSpans() uint64 {
	var n uint64
	for _, x := range l.exporters {
		n += x.failed.Load()
	}
	return n
}

// DroppedSpans returns how many sampled spans ended on rt's TracerProvider
// without ever being handed to an exporter: dropped by the SDK's batch span
// processor because its queue (OTEL_BSP_MAX_QUEUE_SIZE, 2048 by default)
// was full, or still queued when the flush at exit ran out of time
// (OTEL_BSP_EXPORT_TIMEOUT). With several exporters, a span counts once
// for each exporter that did not get it.
//
// The figure is fixed when rt reports it on stderr, as the process ends
// (main returns, os.Exit, SIGINT or SIGTERM); until then a span not yet
// exported may just be waiting in the queue, and DroppedSpans returns 0.
// Spans of a TracerProvider the program installed itself are not counted.
func DroppedSpans() uint64 {
	if s := state; s != nil {
		return s.spans.dropped.Load()
	}
	return 0
}

// FailedSpans returns how many spans rt's exporters have failed to export
// so far: spans handed to an exporter whose export returned an error (the
// collector refused them, could not be reached, or did not answer within
// OTEL_EXPORTER_OTLP_TIMEOUT). The exporter may have retried before giving
// up; these spans are lost.
func FailedSpans() uint64 {
	if s := state; s != nil {
		return s.spans.failedSpans()
	}
	return 0
}
