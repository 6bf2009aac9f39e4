// Package rt is the ssaweave runtime: the code linked into every program
// that ssaweave instruments. Programs never import it by hand; the build
// backend adds a generated file to package main that imports it, calls
// [Start] from an init function and defers [AtMainReturn] from main.main.
//
// At package initialisation, unless OTEL_SDK_DISABLED=true, rt builds an
// OpenTelemetry SDK TracerProvider configured only by the standard
// OpenTelemetry environment variables and installs it, together with the
// propagator named by OTEL_PROPAGATORS, as the otel globals. Spans are
// flushed, within a bound, when main returns, when os.Exit is called (through
// the os.ssaweaveHook_Exit hook that a woven os package calls) and, when
// [Config.HandleSignals] is set, on SIGINT and SIGTERM.
//
// Supported variables, beyond those the SDK and the exporters read
// themselves (OTEL_TRACES_SAMPLER(_ARG), OTEL_BSP_*, OTEL_SPAN_*_LIMIT,
// OTEL_EXPORTER_OTLP_*):
//
//   - OTEL_SDK_DISABLED: "true" leaves the otel globals untouched.
//   - OTEL_TRACES_EXPORTER: comma-separated list of "otlp" (default),
//     "console" (JSON lines on stdout, as stdouttrace writes them) and
//     "none". With no exporter left, rt installs no TracerProvider, and
//     hooks do nothing (see [Active]) unless the program installs one.
//   - OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, OTEL_EXPORTER_OTLP_PROTOCOL:
//     "http/protobuf" (default), "http/json" or "grpc".
//   - OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES: the resource, on top of
//     the SDK, host and process attributes rt detects.
//   - OTEL_PROPAGATORS: see go.opentelemetry.io/contrib/propagators/autoprop
//     (default "tracecontext,baggage").
//   - OTEL_BSP_EXPORT_TIMEOUT: in milliseconds, also bounds each flush at
//     exit; rt uses 5s when it is unset, instead of the SDK's 30s, so that an
//     unreachable collector delays the end of a program by at most that.
//
// Exporting never blocks span.End: the SDK's batch span processor queues
// ended spans (OTEL_BSP_MAX_QUEUE_SIZE, 2048 by default) and drops them when
// the queue is full. rt counts what never reached an exporter, and what
// failed to export, and reports it once on stderr as the process ends,
// naming the variable to raise; see [DroppedSpans] and [FailedSpans].
//
// Hooks (in rt and in its sub-packages such as rt/nethttp) never capture a
// tracer or propagator at init: they go through [TracerProvider],
// [Tracer] and [Propagator], which follow otel.GetTracerProvider and
// otel.GetTextMapPropagator on every use, so a program that installs its own
// provider gets the woven spans too. Every hook defers [Recover] (or calls
// [ReportPanic]) so that a bug in instrumentation never reaches the program.
package rt
