package rt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// consoleExporter is the "console" exporter of OTEL_TRACES_EXPORTER: one
// JSON object per span and line, exactly what
// go.opentelemetry.io/otel/exporters/stdout/stdouttrace writes with its
// default options (TestConsoleMatchesStdouttrace compares the two byte for
// byte).
//
// rt does not use stdouttrace itself because stdouttrace encodes spans
// through the SDK's test package, tracetest, and carries an experimental
// self-observability layer: six packages that every woven program would
// compile, for about 60 lines of encoding that the SDK's own types already
// do. What is left out is that layer's metrics (stdouttrace records them
// only with OTEL_GO_X_OBSERVABILITY=true and a MeterProvider installed by
// the program).
type consoleExporter struct {
	mu      sync.Mutex // serialises writes, so lines never interleave
	enc     *json.Encoder
	stopped bool
}

// newConsoleExporter returns a console exporter writing to w.
func newConsoleExporter(w io.Writer) *consoleExporter {
	return &consoleExporter{enc: json.NewEncoder(w)}
}

// consoleSpan is the JSON form of a span: the fields, order and types of
// tracetest.SpanStub, which stdouttrace encodes.
type consoleSpan struct {
	Name                 string
	SpanContext          trace.SpanContext
	Parent               trace.SpanContext
	SpanKind             trace.SpanKind
	StartTime            time.Time
	EndTime              time.Time
	Attributes           []attribute.KeyValue
	Events               []sdktrace.Event
	Links                []sdktrace.Link
	Status               sdktrace.Status
	DroppedAttributes    int
	DroppedEvents        int
	DroppedLinks         int
	ChildSpanCount       int
	Resource             *resource.Resource
	InstrumentationScope instrumentation.Scope
	// InstrumentationLibrary repeats InstrumentationScope, as SpanStub
	// still does for readers of the deprecated name.
	InstrumentationLibrary instrumentation.Scope
}

// ExportSpans writes spans, one JSON line each. A span that cannot be
// encoded is reported in the error and does not stop the others.
func (e *consoleExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return nil
	}
	var err error
	for i, s := range spans {
		scope := s.InstrumentationScope()
		rec := consoleSpan{
			Name:                   s.Name(),
			SpanContext:            s.SpanContext(),
			Parent:                 s.Parent(),
			SpanKind:               s.SpanKind(),
			StartTime:              s.StartTime(),
			EndTime:                s.EndTime(),
			Attributes:             s.Attributes(),
			Events:                 s.Events(),
			Links:                  s.Links(),
			Status:                 s.Status(),
			DroppedAttributes:      s.DroppedAttributes(),
			DroppedEvents:          s.DroppedEvents(),
			DroppedLinks:           s.DroppedLinks(),
			ChildSpanCount:         s.ChildSpanCount(),
			Resource:               s.Resource(),
			InstrumentationScope:   scope,
			InstrumentationLibrary: scope,
		}
		if encErr := e.enc.Encode(&rec); encErr != nil {
			err = errors.Join(err, fmt.Errorf("failed to encode span %d: %w", i, encErr))
		}
	}
	return err
}

// Shutdown stops the exporter: later exports write nothing.
func (e *consoleExporter) Shutdown(context.Context) error {
	e.mu.Lock()
	e.stopped = true
	e.mu.Unlock()
	return nil
}
