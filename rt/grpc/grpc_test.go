package grpc

import (
	"context"
	"maps"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssaweave/ssaweave/rt"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
)

const checkMethod = "grpc.health.v1.Health/Check"

// useRecorder installs an in-memory span recorder and the W3C propagator as
// the globals, after rt's init installed its own: the handlers, built at
// init, must follow.
func useRecorder(t *testing.T) *tracetest.SpanRecorder {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	prevTP, prevP := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() {
		otel.SetTracerProvider(prevTP)
		otel.SetTextMapPropagator(prevP)
	})
	return rec
}

// healthServer serves the standard health service on a loopback port with
// the given server options and returns its address. The service "broken"
// reports an unknown service, which the health server answers with
// NotFound.
func healthServer(t *testing.T, opts ...grpc.ServerOption) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(opts...)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
	return l.Addr().String()
}

// healthClient connects to addr with the given options.
func healthClient(t *testing.T, addr string, opts ...grpc.DialOption) healthpb.HealthClient {
	t.Helper()
	cc, err := grpc.NewClient(addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return healthpb.NewHealthClient(cc)
}

var insecureCreds = grpc.WithTransportCredentials(insecure.NewCredentials())

// check calls Health/Check for service inside a parent span and returns the
// parent's span context and the RPC's error.
func check(t *testing.T, c healthpb.HealthClient, service string) (trace.SpanContext, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ctx, parent := otel.Tracer("test").Start(ctx, "parent")
	defer parent.End()
	_, err := c.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	return parent.SpanContext(), err
}

// rpcSpans returns the ended spans of otelgrpc, client and server.
func rpcSpans(t *testing.T, rec *tracetest.SpanRecorder) (client, server []sdktrace.ReadOnlySpan) {
	t.Helper()
	for _, s := range rec.Ended() {
		if s.InstrumentationScope().Name != otelgrpc.ScopeName {
			continue
		}
		switch s.SpanKind() {
		case trace.SpanKindClient:
			client = append(client, s)
		case trace.SpanKindServer:
			server = append(server, s)
		default:
			t.Errorf("otelgrpc span %q of kind %v", s.Name(), s.SpanKind())
		}
	}
	return client, server
}

// waitForServerSpan waits until the server span has ended: the server ends
// it after sending the response, which the client may see first.
func waitForServerSpan(t *testing.T, rec *tracetest.SpanRecorder, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, server := rpcSpans(t, rec); len(server) >= n || time.Now().After(deadline) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// attrs returns a span's attributes as strings by key, without the ones
// whose value differs from run to run (ports, peer addresses).
func attrs(s sdktrace.ReadOnlySpan) map[string]string {
	m := map[string]string{}
	for _, kv := range s.Attributes() {
		switch kv.Key {
		case "server.port", "network.peer.port", "client.port":
			continue
		}
		m[string(kv.Key)] = kv.Value.String()
	}
	return m
}

// tracedCall serves and calls Health/Check with the hooks' options, as a
// woven program would, and returns the client and server spans.
func tracedCall(t *testing.T, rec *tracetest.SpanRecorder, service string) (parent trace.SpanContext, client, server sdktrace.ReadOnlySpan, err error) {
	t.Helper()
	addr := healthServer(t, newServer()...)
	target, opts := newClient(addr, insecureCreds)
	parent, err = check(t, healthClient(t, target, opts...), service)
	waitForServerSpan(t, rec, 1)
	cs, ss := rpcSpans(t, rec)
	if len(cs) != 1 || len(ss) != 1 {
		t.Fatalf("got %d client and %d server spans, want 1 and 1", len(cs), len(ss))
	}
	return parent, cs[0], ss[0], err
}

func TestSpans(t *testing.T) {
	rec := useRecorder(t)
	parent, client, server, err := tracedCall(t, rec, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []sdktrace.ReadOnlySpan{client, server} {
		if s.Name() != checkMethod {
			t.Errorf("%v span name = %q, want %q", s.SpanKind(), s.Name(), checkMethod)
		}
		a := attrs(s)
		for k, v := range map[string]string{"rpc.system.name": "grpc", "rpc.method": checkMethod, "rpc.response.status_code": "OK"} {
			if a[k] != v {
				t.Errorf("%v span: %s = %q, want %q (all: %v)", s.SpanKind(), k, a[k], v, a)
			}
		}
	}
	if client.Parent().SpanID() != parent.SpanID() || client.SpanContext().TraceID() != parent.TraceID() {
		t.Errorf("client span's parent = %v, want the caller's span %v", client.Parent(), parent)
	}
	// The server's parent came over the wire, in the metadata the client
	// handler injected.
	if !server.Parent().IsRemote() || server.Parent().SpanID() != client.SpanContext().SpanID() || server.SpanContext().TraceID() != parent.TraceID() {
		t.Errorf("server span's parent = %v, want the client span %v (remote)", server.Parent(), client.SpanContext())
	}
}

func TestErrorStatus(t *testing.T) {
	rec := useRecorder(t)
	_, client, server, err := tracedCall(t, rec, "no.such.Service")
	if status.Code(err) != codes.NotFound {
		t.Fatalf("Check of an unknown service = %v, want NotFound", err)
	}
	for _, s := range []sdktrace.ReadOnlySpan{client, server} {
		if got := attrs(s)["rpc.response.status_code"]; got != "NOT_FOUND" {
			t.Errorf("%v span status code attribute = %q, want NOT_FOUND", s.SpanKind(), got)
		}
	}
	if client.Status().Code.String() != "Error" {
		t.Errorf("client span status = %v, want Error", client.Status())
	}
}

// TestAttributesMatchOtelgrpc compares the hooks' spans with those of
// otelgrpc installed by hand, with its defaults, for the same RPC.
func TestAttributesMatchOtelgrpc(t *testing.T) {
	for _, service := range []string{"", "no.such.Service"} {
		rec := useRecorder(t)
		_, client, server, _ := tracedCall(t, rec, service)

		manual := useRecorder(t)
		addr := healthServer(t, grpc.StatsHandler(otelgrpc.NewServerHandler()))
		check(t, healthClient(t, addr, insecureCreds, grpc.WithStatsHandler(otelgrpc.NewClientHandler())), service)
		waitForServerSpan(t, manual, 1)
		mc, ms := rpcSpans(t, manual)
		if len(mc) != 1 || len(ms) != 1 {
			t.Fatalf("otelgrpc by hand: %d client and %d server spans", len(mc), len(ms))
		}
		for _, p := range [][2]sdktrace.ReadOnlySpan{{client, mc[0]}, {server, ms[0]}} {
			got, want := p[0], p[1]
			if got.Name() != want.Name() || got.SpanKind() != want.SpanKind() || got.Status() != want.Status() {
				t.Errorf("service %q: span %q %v %v, otelgrpc by hand %q %v %v", service, got.Name(), got.SpanKind(), got.Status(), want.Name(), want.SpanKind(), want.Status())
			}
			if !maps.Equal(attrs(got), attrs(want)) {
				t.Errorf("service %q, %v span attributes:\n woven:  %v\n manual: %v", service, got.SpanKind(), attrs(got), attrs(want))
			}
			if keys(got) != keys(want) {
				t.Errorf("attribute keys differ: %s vs %s", keys(got), keys(want))
			}
		}
	}
}

// keys lists every attribute key of a span, the varying ones included.
func keys(s sdktrace.ReadOnlySpan) string {
	var k []string
	for _, kv := range s.Attributes() {
		k = append(k, string(kv.Key))
	}
	slices.Sort(k)
	return strings.Join(k, ",")
}

// TestProgramsOwnHandlerWins passes otelgrpc handlers the way a program
// that instruments itself would, before the hooks append theirs: each RPC
// must get one client span and one server span, the program's, not two of
// each. (Two otelgrpc handlers on one connection also share their per-RPC
// state, so the outer span would never end.)
func TestProgramsOwnHandlerWins(t *testing.T) {
	rec := useRecorder(t)
	mine := otelgrpc.WithSpanAttributes(attribute.String("by", "program"))
	addr := healthServer(t, newServer(grpc.StatsHandler(otelgrpc.NewServerHandler(mine)))...)
	target, opts := newClient(addr, insecureCreds, grpc.WithStatsHandler(otelgrpc.NewClientHandler(mine)))
	if _, err := check(t, healthClient(t, target, opts...), ""); err != nil {
		t.Fatal(err)
	}
	waitForServerSpan(t, rec, 1)
	started := 0
	for _, s := range rec.Started() {
		if s.InstrumentationScope().Name == otelgrpc.ScopeName {
			started++
		}
	}
	client, server := rpcSpans(t, rec)
	if started != 2 || len(client) != 1 || len(server) != 1 {
		t.Fatalf("started %d spans, ended %d client and %d server spans; want one of each", started, len(client), len(server))
	}
	if server[0].Parent().SpanID() != client[0].SpanContext().SpanID() {
		t.Errorf("server span's parent %v is not the client span %v", server[0].Parent(), client[0].SpanContext())
	}
	// The program's handlers saw the RPC to its end.
	for _, s := range []sdktrace.ReadOnlySpan{client[0], server[0]} {
		a := attrs(s)
		if a["by"] != "program" || a["rpc.response.status_code"] != "OK" {
			t.Errorf("%v span: want the program's, ended with status OK; attributes %v", s.SpanKind(), a)
		}
	}
}

// TestExportsNotTraced exports through an OTLP/gRPC exporter whose
// connection carries the client hook's option, as the runtime's own
// exporter does in a woven program: the export RPCs must not be traced,
// or each export would make a span for the next one.
func TestExportsNotTraced(t *testing.T) {
	rec := useRecorder(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	got := make(chan int, 10)
	collectortrace.RegisterTraceServiceServer(srv, &collector{got: got})
	go srv.Serve(l)
	defer srv.Stop()

	_, opts := newClient(l.Addr().String())
	exp, err := otlptracegrpc.New(context.Background(),
		otlptracegrpc.WithEndpoint(l.Addr().String()),
		otlptracegrpc.WithInsecure(),
		otlptracegrpc.WithDialOption(opts...),
	)
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	_, span := tp.Tracer("test").Start(context.Background(), "exported")
	span.End()
	if n := <-got; n != 1 {
		t.Errorf("collector got %d spans, want 1", n)
	}
	tp.Shutdown(context.Background())
	if client, _ := rpcSpans(t, rec); len(client) != 0 {
		t.Errorf("the export RPC was traced: %q", client[0].Name())
	}
}

// collector is an OTLP trace service that sends the number of spans of
// each export on a channel.
type collector struct {
	collectortrace.UnimplementedTraceServiceServer
	got chan<- int
}

func (c *collector) Export(_ context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	n := 0
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			n += len(ss.GetSpans())
		}
	}
	c.got <- n
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

// TestOptionsNotAliased checks that the hooks do not write into spare
// capacity of the caller's slice, which the caller may still use.
func TestOptionsNotAliased(t *testing.T) {
	dial := make([]grpc.DialOption, 1, 4)
	dial[0] = insecureCreds
	if _, out := newClient("x", dial...); len(out) != 2 || dial[:2][1] != nil {
		t.Errorf("newClient returned %d options and wrote into the caller's slice", len(out))
	}
	srvOpts := make([]grpc.ServerOption, 0, 4)
	if out := newServer(srvOpts...); len(out) != 1 || srvOpts[:1][0] != nil {
		t.Errorf("newServer returned %d options and wrote into the caller's slice", len(out))
	}
}

// panicky is a stats handler whose every method panics.
type panicky struct{}

func (panicky) TagRPC(context.Context, *stats.RPCTagInfo) context.Context   { panic("TagRPC") }
func (panicky) HandleRPC(context.Context, stats.RPCStats)                   { panic("HandleRPC") }
func (panicky) TagConn(context.Context, *stats.ConnTagInfo) context.Context { panic("TagConn") }
func (panicky) HandleConn(context.Context, stats.ConnStats)                 { panic("HandleConn") }

// TestInstrumentationPanics checks that a failing stats handler costs the
// RPC its spans, not its result.
func TestInstrumentationPanics(t *testing.T) {
	useRecorder(t)
	before := rt.HookPanics()
	h := &handler{inner: panicky{}, kind: trace.SpanKindServer, name: "test handler"}
	addr := healthServer(t, grpc.StatsHandler(h))
	c := healthClient(t, addr, insecureCreds, grpc.WithStatsHandler(&handler{inner: panicky{}, kind: trace.SpanKindClient, name: "test handler"}))
	if _, err := check(t, c, ""); err != nil {
		t.Fatalf("Check through panicking handlers: %v", err)
	}
	if rt.HookPanics() == before {
		t.Error("no hook panic was counted")
	}
}

func TestHooksAreBound(t *testing.T) {
	if serverHook == nil || clientHook == nil || serverOption == nil || clientOption == nil {
		t.Fatal("init did not set the grpc hooks")
	}
}

// TestNotTelemetryExport checks the filter's decisions.
func TestNotTelemetryExport(t *testing.T) {
	for method, want := range map[string]bool{
		"/opentelemetry.proto.collector.trace.v1.TraceService/Export":     false,
		"/opentelemetry.proto.collector.metrics.v1.MetricsService/Export": false,
		"/" + checkMethod:          true,
		"/opentelemetry.Other/Get": true,
	} {
		if got := notTelemetryExport(&stats.RPCTagInfo{FullMethodName: method}); got != want {
			t.Errorf("notTelemetryExport(%s) = %v, want %v", method, got, want)
		}
	}
}

// BenchmarkUnaryCall measures a Health/Check round trip over loopback,
// without instrumentation, with the hooks' options, and with otelgrpc's
// handlers installed by hand, with an SDK that samples and records every
// span (and exports none).
func BenchmarkUnaryCall(b *testing.B) {
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider())
	b.Cleanup(func() { otel.SetTracerProvider(prev) })
	for _, c := range []struct {
		name   string
		server []grpc.ServerOption
		client []grpc.DialOption
	}{
		{"plain", nil, nil},
		{"hooks", newServer(), func() []grpc.DialOption { _, o := newClient(""); return o }()},
		{"otelgrpc", []grpc.ServerOption{grpc.StatsHandler(otelgrpc.NewServerHandler())}, []grpc.DialOption{grpc.WithStatsHandler(otelgrpc.NewClientHandler())}},
	} {
		b.Run(c.name, func(b *testing.B) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			srv := grpc.NewServer(c.server...)
			healthpb.RegisterHealthServer(srv, health.NewServer())
			go srv.Serve(l)
			defer srv.Stop()
			cc, err := grpc.NewClient(l.Addr().String(), append(c.client, insecureCreds)...)
			if err != nil {
				b.Fatal(err)
			}
			defer cc.Close()
			client := healthpb.NewHealthClient(cc)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
