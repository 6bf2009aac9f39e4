package rt

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TestConsoleMatchesStdouttrace checks that the console exporter writes
// exactly what stdouttrace (default options) writes for the same spans:
// the format users and the end-to-end tests read is stdouttrace's.
func TestConsoleMatchesStdouttrace(t *testing.T) {
	ctx := context.Background()
	var ours, theirs bytes.Buffer
	std, err := stdouttrace.New(stdouttrace.WithWriter(&theirs))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSyncer(newConsoleExporter(&ours)),
		sdktrace.WithSyncer(std),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", "console-test"))),
		sdktrace.WithRawSpanLimits(sdktrace.SpanLimits{
			AttributeCountLimit: 3, EventCountLimit: 2, LinkCountLimit: 1,
			AttributePerEventCountLimit: 8, AttributePerLinkCountLimit: 8, AttributeValueLengthLimit: -1,
		}),
	)
	defer tp.Shutdown(ctx)

	tracer := tp.Tracer("console", trace.WithInstrumentationVersion("1.2.3"),
		trace.WithSchemaURL("https://opentelemetry.io/schemas/1.26.0"),
		trace.WithInstrumentationAttributes(attribute.Bool("scope.attr", true)))
	remote := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{1, 2, 3},
		SpanID:     trace.SpanID{4, 5, 6},
		TraceFlags: trace.FlagsSampled,
		TraceState: must(trace.ParseTraceState("vendor=value")),
		Remote:     true,
	})
	parentCtx, parent := tracer.Start(trace.ContextWithRemoteSpanContext(ctx, remote), "GET /orders/{id}",
		trace.WithSpanKind(trace.SpanKindServer),
		trace.WithTimestamp(time.Date(2026, 12, 4, 10, 0, 0, 123456789, time.UTC)))
	_, child := tracer.Start(parentCtx, "query",
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithLinks(
			trace.Link{SpanContext: remote, Attributes: []attribute.KeyValue{attribute.Int("link.n", 1)}},
			trace.Link{SpanContext: remote}, // over the limit: counted as dropped
		))
	child.SetAttributes(
		attribute.String("db.query.text", `SELECT "x" FROM t WHERE id = ?`),
		attribute.Int64Slice("ints", []int64{1, 2}),
		attribute.Float64("ratio", 0.25),
		attribute.StringSlice("over", []string{"the", "limit"}), // dropped
	)
	child.AddEvent("first") // the oldest event over the limit: dropped
	child.RecordError(errors.New("no rows <&>"), trace.WithTimestamp(time.Date(2026, 12, 4, 10, 0, 1, 0, time.UTC)))
	child.AddEvent("retry", trace.WithAttributes(attribute.Int("attempt", 2)))
	child.SetStatus(codes.Error, "no rows")
	child.End(trace.WithTimestamp(time.Date(2026, 12, 4, 10, 0, 2, 0, time.UTC)))
	parent.SetStatus(codes.Ok, "")
	parent.End()
	// An empty batch writes nothing in either.
	if err := newConsoleExporter(&ours).ExportSpans(ctx, nil); err != nil {
		t.Fatal(err)
	}

	if ours.Len() == 0 || !bytes.Equal(ours.Bytes(), theirs.Bytes()) {
		t.Errorf("console output differs from stdouttrace's:\nrt:\n%s\nstdouttrace:\n%s", ours.Bytes(), theirs.Bytes())
	}
	if n := bytes.Count(ours.Bytes(), []byte("\n")); n != 2 {
		t.Errorf("%d lines for 2 spans:\n%s", n, ours.Bytes())
	}
}

// TestConsoleAfterShutdown checks that a stopped console exporter writes
// nothing, and that a cancelled context is an error, as in stdouttrace.
func TestConsoleAfterShutdown(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	exp := newConsoleExporter(&out)
	tp := sdktrace.NewTracerProvider()
	_, span := tp.Tracer("t").Start(ctx, "s")
	span.End()
	spans := []sdktrace.ReadOnlySpan{span.(sdktrace.ReadOnlySpan)}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := exp.ExportSpans(cancelled, spans); !errors.Is(err, context.Canceled) {
		t.Errorf("export with a cancelled context: %v, want context.Canceled", err)
	}
	if err := exp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := exp.ExportSpans(ctx, spans); err != nil || out.Len() != 0 {
		t.Errorf("export after shutdown: error %v, output %q; want neither", err, out.String())
	}
}

// must returns v, or panics on err; for test fixtures.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
