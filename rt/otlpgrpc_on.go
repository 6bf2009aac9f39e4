//go:build ssaweave_otlpgrpc

package rt

import (
	"context"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// otlpGRPC creates the OTLP/gRPC exporter, which reads its configuration
// from OTEL_EXPORTER_OTLP_* itself. Compiled in only with the
// ssaweave_otlpgrpc build tag.
var otlpGRPC = func(ctx context.Context) (sdktrace.SpanExporter, error) {
	return otlptracegrpc.New(ctx)
}
