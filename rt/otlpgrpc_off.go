//go:build !ssaweave_otlpgrpc

package rt

import (
	"context"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// otlpGRPC would create an OTLP/gRPC exporter. It is nil unless the program
// is built with the ssaweave_otlpgrpc tag: the OTLP/gRPC client code adds
// measurably to every woven binary (see MEASUREMENTS.md) for a protocol
// that collectors also serve over HTTP.
var otlpGRPC func(context.Context) (sdktrace.SpanExporter, error)
