// Package grpc traces the RPCs of every gRPC server and client connection.
//
// A woven google.golang.org/grpc calls the hooks bound here on entry to
// grpc.NewServer and grpc.NewClient (which grpc.Dial and grpc.DialContext
// call). The hooks append the official otelgrpc stats handler to the
// options, so the spans are exactly the ones otelgrpc gives: a server span
// per handled RPC, its parent taken from the incoming metadata, and a client
// span per sent RPC, its context injected into the outgoing metadata.
//
// The stats handlers are wrapped to keep three cases out:
//   - the SDK cannot record (disabled, no provider): the RPC is not
//     instrumented at all, as rt.Active documents;
//   - an earlier stats handler of the same connection already started this
//     RPC's span (the program passes its own otelgrpc handler in a way the
//     static analysis did not see): the RPC keeps that one span;
//   - client RPCs to an OpenTelemetry collector service (the OTLP/gRPC
//     exporters of the runtime or of the program): tracing them would
//     make each export produce a span that the next export carries, for
//     ever.
//
// The package is linked into a program by a blank import in the file the
// backend generates; it has no API.
package grpc

import (
	"context"
	"strings"
	_ "unsafe" // for go:linkname

	"github.com/ssaweave/ssaweave/rt"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"
)

// The hooks' names in panic reports.
const (
	serverHookName = "google.golang.org/grpc.NewServer"
	clientHookName = "google.golang.org/grpc.NewClient"
)

// serverHook is called on entry to a woven grpc.NewServer with its options
// and returns the options NewServer goes on with. The backend declares the
// variable in google.golang.org/grpc and pushes it to the linker; this
// declaration binds to the same symbol. When grpc is not woven it is never
// read.
//
//go:linkname serverHook google.golang.org/grpc.ssaweaveHook_NewServer
var serverHook func(opt ...grpc.ServerOption) []grpc.ServerOption

// clientHook is serverHook's counterpart for grpc.NewClient.
//
//go:linkname clientHook google.golang.org/grpc.ssaweaveHook_NewClient
var clientHook func(target string, opts ...grpc.DialOption) (string, []grpc.DialOption)

// serverOption and clientOption install the instrumentation. They are built
// once: building an otelgrpc handler resolves options and creates metric
// instruments, and one handler serves any number of servers or
// connections. Their tracer and propagator are rt's dynamic ones, so spans
// follow whatever provider and propagator are global at the time of each
// RPC. nil if building them failed, in which case the options are left
// alone.
var (
	serverOption grpc.ServerOption
	clientOption grpc.DialOption
)

func init() {
	defer rt.Recover("grpc: building the otelgrpc stats handlers")
	serverOption = grpc.StatsHandler(&handler{
		inner: otelgrpc.NewServerHandler(
			otelgrpc.WithTracerProvider(rt.TracerProvider()),
			otelgrpc.WithPropagators(rt.Propagator()),
		),
		kind: trace.SpanKindServer,
		name: "otelgrpc server handler",
	})
	clientOption = grpc.WithStatsHandler(&handler{
		inner: otelgrpc.NewClientHandler(
			otelgrpc.WithTracerProvider(rt.TracerProvider()),
			otelgrpc.WithPropagators(rt.Propagator()),
			otelgrpc.WithFilter(notTelemetryExport),
		),
		kind: trace.SpanKindClient,
		name: "otelgrpc client handler",
	})
	serverHook = newServer
	clientHook = newClient
}

// newServer is the grpc.NewServer hook: it returns opt with the server
// stats handler appended. It runs once per server, not per RPC. On a panic
// the options are returned unchanged and the server is built without
// instrumentation.
func newServer(opt ...grpc.ServerOption) (out []grpc.ServerOption) {
	out = opt
	defer rt.Recover(serverHookName)
	if serverOption == nil {
		return opt
	}
	// Appending to a copy: the caller's slice (passed with opts...) may have
	// spare capacity that the caller reuses.
	return append(opt[:len(opt):len(opt)], serverOption)
}

// newClient is the grpc.NewClient hook: it returns target unchanged and
// opts with the client stats handler appended, last, so that a handler the
// program passes itself runs first (see handler.TagRPC). On a panic the
// arguments are returned unchanged.
func newClient(target string, opts ...grpc.DialOption) (_ string, out []grpc.DialOption) {
	out = opts
	defer rt.Recover(clientHookName)
	if clientOption == nil {
		return target, opts
	}
	return target, append(opts[:len(opts):len(opts)], clientOption)
}

// collectorServices is the prefix of the full method names of the OTLP
// services (TraceService, MetricsService, LogsService), as in
// "/opentelemetry.proto.collector.trace.v1.TraceService/Export".
const collectorServices = "/opentelemetry.proto.collector."

// notTelemetryExport is the client handler's filter: it leaves the export
// RPCs of OTLP/gRPC exporters untraced. Filtering by method rather than by
// connection also covers exporters the program builds itself on a
// connection of its own.
func notTelemetryExport(info *stats.RPCTagInfo) bool {
	return !strings.HasPrefix(info.FullMethodName, collectorServices)
}

// skipKey marks, in an RPC's context, that the handler stored as its value
// left the RPC alone, so that its HandleRPC must too: otelgrpc's HandleRPC
// would otherwise find the per-RPC state another otelgrpc handler stored
// under the same context key, and end that handler's span a second time.
type skipKey struct{}

// handler wraps an otelgrpc stats handler. It instruments an RPC only when
// spans can be recorded and no earlier handler of the same server or
// connection has started this RPC's span already.
type handler struct {
	inner stats.Handler
	kind  trace.SpanKind // the kind of span inner starts
	name  string         // for panic reports
}

// namedSpan is implemented by the SDK's recording spans (it is part of
// sdktrace.ReadOnlySpan). Asking for it, rather than for ReadOnlySpan,
// keeps the check working with any SDK that offers the same two methods.
type namedSpan interface {
	Name() string
	SpanKind() trace.SpanKind
}

// TagRPC implements stats.Handler. grpc calls the handlers of a server or
// connection in the order of their options; ours comes last. An RPC whose
// context already holds a span of our kind named after the RPC's method (the
// name otelgrpc gives) is one the program instruments itself, by a handler
// that ran before ours: it is left alone so that it gets one span, not two.
// Matching the name as well as the kind keeps the check from firing on
// unrelated spans: on a client, the caller's own span is in the context;
// on a server behind grpc.Server.ServeHTTP, the HTTP server span is.
func (h *handler) TagRPC(ctx context.Context, info *stats.RPCTagInfo) (out context.Context) {
	defer func() {
		if v := recover(); v != nil {
			rt.ReportPanic(h.name, v)
			out = context.WithValue(ctx, skipKey{}, h)
		}
	}()
	if !rt.Active() || h.instrumented(ctx, info) {
		return context.WithValue(ctx, skipKey{}, h)
	}
	return h.inner.TagRPC(ctx, info)
}

// instrumented reports whether ctx carries the span of this very RPC,
// started by another stats handler.
func (h *handler) instrumented(ctx context.Context, info *stats.RPCTagInfo) bool {
	s, ok := trace.SpanFromContext(ctx).(namedSpan)
	return ok && s.SpanKind() == h.kind && s.Name() == strings.TrimPrefix(info.FullMethodName, "/")
}

// HandleRPC implements stats.Handler.
func (h *handler) HandleRPC(ctx context.Context, s stats.RPCStats) {
	defer rt.Recover(h.name)
	if skipped, _ := ctx.Value(skipKey{}).(*handler); skipped == h {
		return
	}
	h.inner.HandleRPC(ctx, s)
}

// TagConn implements stats.Handler.
func (h *handler) TagConn(ctx context.Context, info *stats.ConnTagInfo) (out context.Context) {
	out = ctx
	defer rt.Recover(h.name)
	return h.inner.TagConn(ctx, info)
}

// HandleConn implements stats.Handler.
func (h *handler) HandleConn(ctx context.Context, s stats.ConnStats) {
	defer rt.Recover(h.name)
	h.inner.HandleConn(ctx, s)
}
