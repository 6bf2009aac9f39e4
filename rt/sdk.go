package rt

import (
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/contrib/propagators/autoprop"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// defaultFlushTimeout bounds each flush at exit when OTEL_BSP_EXPORT_TIMEOUT
// is unset. The SDK's own default for that variable (30s) is meant for one
// background export; a program that ends should not hang that long because
// its collector is unreachable.
const defaultFlushTimeout = 5 * time.Second

// setup is what rt derives from the environment: the SDK pieces to install
// as the otel globals, and how long a flush may take.
type setup struct {
	// disabled is set by OTEL_SDK_DISABLED=true: rt then installs nothing.
	disabled bool
	// provider is rt's own TracerProvider; nil when no exporter is
	// configured (OTEL_TRACES_EXPORTER=none), since recording spans that
	// nobody exports would only cost time.
	provider *sdktrace.TracerProvider
	// propagator is the propagator named by OTEL_PROPAGATORS.
	propagator propagation.TextMapPropagator
	// exporters lists the names of the exporters in use, in order.
	exporters []string
	// flushTimeout bounds every flush rt does on the way out.
	flushTimeout time.Duration
	// spans counts what the provider's exporters lost, for the report at
	// exit (see spanLedger).
	spans spanLedger

	// shutdownOnce runs the final flush and shutdown once; shutdownDone,
	// made inside it, is closed when that has finished.
	shutdownOnce sync.Once
	shutdownDone chan struct{}
}

// newSetup builds rt's configuration from getenv, which stands for
// os.Getenv so that tests do not depend on the process environment or on
// package initialisation order. Console spans go to stdout. The SDK and the
// exporters also read their own variables (sampler, batch processor, OTLP
// endpoint, headers, resource) from the process environment. newSetup never
// fails: problems are reported on stderr and the affected part is left out.
func newSetup(ctx context.Context, getenv func(string) string, stdout io.Writer) *setup {
	s := &setup{flushTimeout: flushTimeout(getenv)}
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		s.disabled = true
		return s
	}
	s.propagator = newPropagator(getenv)

	var opts []sdktrace.TracerProviderOption
	for _, name := range exporterNames(getenv) {
		exp := newExporter(ctx, name, getenv, stdout)
		if exp == nil {
			continue
		}
		s.exporters = append(s.exporters, name)
		// The batch processor never blocks span.End, which is what keeps a
		// slow or absent collector from slowing the program down; what it
		// drops instead, s.spans counts.
		opts = append(opts, sdktrace.WithBatcher(s.spans.track(name, exp)))
	}
	if len(opts) == 0 {
		return s
	}
	opts = append(opts, sdktrace.WithResource(newResource(ctx)))
	s.provider = sdktrace.NewTracerProvider(s.spans.withCounter(getenv, opts)...)
	return s
}

// exporterNames parses OTEL_TRACES_EXPORTER: a comma-separated,
// case-insensitive list, "otlp" when empty. "none" selects nothing, so it
// is dropped here; duplicates are dropped too so that a span is not sent
// twice to the same place.
func exporterNames(getenv func(string) string) []string {
	raw := splitList(getenv("OTEL_TRACES_EXPORTER"))
	if len(raw) == 0 {
		return []string{"otlp"}
	}
	var names []string
	for _, n := range raw {
		n = strings.ToLower(n)
		if n != "none" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// newExporter creates the exporter for one OTEL_TRACES_EXPORTER value, or
// returns nil after a warning.
func newExporter(ctx context.Context, name string, getenv func(string) string, stdout io.Writer) sdktrace.SpanExporter {
	var (
		exp sdktrace.SpanExporter
		err error
	)
	switch name {
	case "otlp":
		exp, err = newOTLPExporter(ctx, getenv)
	case "console":
		exp = newConsoleExporter(stdout)
	default:
		warnOnce("OTEL_TRACES_EXPORTER value %q is not supported (supported: otlp, console, none); ignoring it", name)
		return nil
	}
	if err != nil {
		warnOnce("cannot create the %s trace exporter: %v; spans will not be exported there", name, err)
		return nil
	}
	return exp
}

// newOTLPExporter creates the OTLP exporter for the protocol that
// OTEL_EXPORTER_OTLP_TRACES_PROTOCOL or OTEL_EXPORTER_OTLP_PROTOCOL asks for.
// The exporters read the rest of OTEL_EXPORTER_OTLP_* (and, for HTTP, the
// protobuf or JSON encoding) themselves. gRPC is always compiled in: the
// HTTP exporter links the gRPC library already, so the gRPC exporter adds
// only about 1.5% to a binary (MEASUREMENTS.md).
func newOTLPExporter(ctx context.Context, getenv func(string) string) (sdktrace.SpanExporter, error) {
	proto := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"))
	if proto == "" {
		proto = strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_PROTOCOL"))
	}
	switch proto {
	case "", "http/protobuf", "http/json":
		return otlptracehttp.New(ctx)
	case "grpc":
		return otlptracegrpc.New(ctx)
	}
	warnOnce("OTLP protocol %q is not supported (supported: http/protobuf, http/json, grpc); exporting with http/protobuf", proto)
	// The exporter reads the unsupported protocol from the environment
	// too; the explicit option wins over it.
	return otlptracehttp.New(ctx, otlptracehttp.WithEncoding(otlptracehttp.EncodingProtobuf))
}

// newPropagator returns the propagator OTEL_PROPAGATORS names, through
// autoprop so that every name the specification defines is understood;
// tracecontext,baggage when it is unset or names nothing known.
func newPropagator(getenv func(string) string) propagation.TextMapPropagator {
	if names := splitList(getenv("OTEL_PROPAGATORS")); len(names) > 0 {
		for i := range names {
			names[i] = strings.ToLower(names[i])
		}
		p, err := autoprop.TextMapPropagator(names...)
		if err != nil {
			warnOnce("OTEL_PROPAGATORS: %v", err)
		}
		if p != nil {
			return p
		}
	}
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
}

// newResource describes the process: SDK defaults (including the
// unknown_service:<executable> service name), host and process attributes,
// then OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME, which win.
func newResource(ctx context.Context) *resource.Resource {
	detected, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithProcessPID(),
		resource.WithProcessExecutableName(),
		resource.WithProcessExecutablePath(),
		resource.WithProcessRuntimeName(),
		resource.WithProcessRuntimeVersion(),
		resource.WithProcessRuntimeDescription(),
		// Last, so that the user's attributes override detected ones.
		resource.WithFromEnv(),
	)
	if err != nil {
		// resource.New still returns what it could detect.
		warnOnce("resource detection: %v", err)
	}
	if detected == nil {
		detected = resource.Empty()
	}
	merged, err := resource.Merge(resource.Default(), detected)
	if err != nil || merged == nil {
		// Only a schema URL conflict can get here; the detected
		// attributes are the more complete set.
		return detected
	}
	return merged
}

// flushTimeout reads OTEL_BSP_EXPORT_TIMEOUT (milliseconds), which rt also
// uses as the bound of each flush at exit.
func flushTimeout(getenv func(string) string) time.Duration {
	v := strings.TrimSpace(getenv("OTEL_BSP_EXPORT_TIMEOUT"))
	if v == "" {
		return defaultFlushTimeout
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil || ms <= 0 {
		warnOnce("OTEL_BSP_EXPORT_TIMEOUT=%q is not a positive number of milliseconds; using %v", v, defaultFlushTimeout)
		return defaultFlushTimeout
	}
	return time.Duration(ms) * time.Millisecond
}

// splitList splits a comma-separated environment value, trimming spaces and
// dropping empty items.
func splitList(v string) []string {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
