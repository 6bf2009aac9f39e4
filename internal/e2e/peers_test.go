package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TestCollectorReceivesOTLP proves that the collector builds, starts, and
// receives spans from the OpenTelemetry SDK over OTLP/HTTP and OTLP/gRPC,
// and that Collector.Spans decodes its file output with names, kinds,
// attributes of every type, resource attributes, and parent ids.
func TestCollectorReceivesOTLP(t *testing.T) {
	c := StartCollector(t)
	ctx := context.Background()

	httpExp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(c.HTTPAddr), otlptracehttp.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	grpcExp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(c.GRPCAddr), otlptracegrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}

	type sent struct{ trace, parent, child string }
	send := func(proto string, exp sdktrace.SpanExporter) sent {
		// A synchronous processor exports each span as it ends, and
		// Shutdown waits for the exporter: nothing is left in a queue.
		tp := sdktrace.NewTracerProvider(
			sdktrace.WithSyncer(exp),
			sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", "e2e-"+proto))),
		)
		tr := tp.Tracer("ssaweave/e2e")
		pctx, parent := tr.Start(ctx, "parent-"+proto, trace.WithSpanKind(trace.SpanKindServer))
		_, child := tr.Start(pctx, "child-"+proto, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
			attribute.String("protocol", proto),
			attribute.Int64("count", 1<<40), // OTLP JSON writes int64 as a string
			attribute.Bool("ok", true),
			attribute.Float64("ratio", 0.5),
		))
		s := sent{trace: parent.SpanContext().TraceID().String(), parent: parent.SpanContext().SpanID().String(), child: child.SpanContext().SpanID().String()}
		child.End()
		parent.End()
		if err := tp.Shutdown(ctx); err != nil {
			t.Fatalf("%s: shutting down the SDK: %v\ncollector output:\n%s", proto, err, c.Output())
		}
		return s
	}
	want := map[string]sent{"http": send("http", httpExp), "grpc": send("grpc", grpcExp)}

	spans := c.Spans(t, 4, 30*time.Second)
	byName := map[string]Span{}
	for _, s := range spans {
		byName[s.Name] = s
	}
	for proto, w := range want {
		p, ok := byName["parent-"+proto]
		if !ok {
			t.Errorf("%s: no parent span; got %+v", proto, spans)
			continue
		}
		ch, ok := byName["child-"+proto]
		if !ok {
			t.Errorf("%s: no child span; got %+v", proto, spans)
			continue
		}
		if p.TraceID != w.trace || p.SpanID != w.parent || p.ParentSpanID != "" || p.Kind != "server" {
			t.Errorf("%s: parent = %+v, want trace %s, span %s, no parent, kind server", proto, p, w.trace, w.parent)
		}
		if ch.TraceID != w.trace || ch.SpanID != w.child || ch.ParentSpanID != w.parent || ch.Kind != "client" {
			t.Errorf("%s: child = %+v, want trace %s, span %s, parent %s, kind client", proto, ch, w.trace, w.child, w.parent)
		}
		wantAttrs := map[string]string{
			"protocol":              proto,
			"count":                 fmt.Sprint(int64(1 << 40)),
			"ok":                    "true",
			"ratio":                 "0.5",
			"resource.service.name": "e2e-" + proto,
		}
		for k, v := range wantAttrs {
			if got := ch.Attributes[k]; got != v {
				t.Errorf("%s: child attribute %s = %q, want %q", proto, k, got, v)
			}
		}
	}
	if len(spans) != 4 {
		t.Errorf("got %d spans, want 4: %+v", len(spans), spans)
	}
}

// TestCollectorsInParallel proves that two collectors in one test binary
// do not collide (ports, the collector's own telemetry port, output files)
// and that each one's Spans sees only what was sent to it.
func TestCollectorsInParallel(t *testing.T) {
	a, b := StartCollector(t), StartCollector(t)
	for i, c := range []*Collector{a, b} {
		exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpoint(c.HTTPAddr), otlptracehttp.WithInsecure())
		if err != nil {
			t.Fatal(err)
		}
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
		_, span := tp.Tracer("ssaweave/e2e").Start(context.Background(), fmt.Sprintf("span-%d", i))
		span.End()
		if err := tp.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range []*Collector{a, b} {
		spans := c.Spans(t, 1, 30*time.Second)
		if len(spans) != 1 || spans[0].Name != fmt.Sprintf("span-%d", i) {
			t.Errorf("collector %d: spans %+v, want only span-%d", i, spans, i)
		}
	}
}

// TestDecodeOTLPJSON pins the decoding of the file exporter's format on a
// line written by the collector: hex ids (not protobuf JSON's base64),
// enum numbers, 64-bit integers as strings, resource attributes.
func TestDecodeOTLPJSON(t *testing.T) {
	line := `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeSpans":[{"scope":{"name":"s"},"spans":[` +
		`{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","parentSpanId":"","flags":257,"name":"root","kind":2,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000000000001","attributes":[{"key":"n","value":{"intValue":"9007199254740993"}},{"key":"b","value":{"boolValue":false}}],"status":{}},` +
		`{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"b7ad6b7169203331","parentSpanId":"00f067aa0ba902b7","name":"child","kind":3,"links":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b9c7c989f97918e1"}],"someFieldFromTheFuture":1}` +
		`]}]}]}`
	msg, err := decodeOTLPJSON([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	spans := spansOf(msg)
	if len(spans) != 2 {
		t.Fatalf("got %d spans, want 2: %+v", len(spans), spans)
	}
	root, child := spans[0], spans[1]
	if root.Name != "root" || root.Kind != "server" || root.TraceID != "4bf92f3577b34da6a3ce929d0e0e4736" || root.SpanID != "00f067aa0ba902b7" || root.ParentSpanID != "" {
		t.Errorf("root = %+v", root)
	}
	if root.Attributes["n"] != "9007199254740993" || root.Attributes["b"] != "false" || root.Attributes["resource.service.name"] != "svc" {
		t.Errorf("root attributes = %v", root.Attributes)
	}
	if child.Kind != "client" || child.ParentSpanID != "00f067aa0ba902b7" {
		t.Errorf("child = %+v", child)
	}
	if got := msg.ResourceSpans[0].ScopeSpans[0].Spans[1].Links[0].SpanId; fmt.Sprintf("%x", got) != "b9c7c989f97918e1" {
		t.Errorf("link span id = %x", got)
	}

	if _, err := decodeOTLPJSON([]byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"not hex"}]}]}]}`)); err == nil || !strings.Contains(err.Error(), "not hex") {
		t.Errorf("bad id: err = %v, want one naming the id", err)
	}
}

// TestCollectorSpansIgnoresPartialLine proves that a line the exporter has
// not finished writing is left for the next read instead of failing.
func TestCollectorSpansIgnoresPartialLine(t *testing.T) {
	c := &Collector{file: t.TempDir() + "/traces.jsonl"}
	full := `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","name":"done"}]}]}]}`
	if err := os.WriteFile(c.file, []byte(full+"\n"+full[:40]), 0o600); err != nil {
		t.Fatal(err)
	}
	spans, err := c.readSpans()
	if err != nil || len(spans) != 1 || spans[0].Name != "done" {
		t.Errorf("readSpans = %+v, %v; want the one complete span", spans, err)
	}
}

// TestRedis proves that Redis starts a real server that answers PING over
// raw RESP, stores and returns a value, and runs without persistence.
func TestRedis(t *testing.T) {
	addr := Redis(t)
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	// do sends one command as a RESP array of bulk strings and returns the
	// reply, flattened to its lines without the RESP framing characters.
	do := func(args ...string) string {
		t.Helper()
		cmd := fmt.Sprintf("*%d\r\n", len(args))
		for _, a := range args {
			cmd += fmt.Sprintf("$%d\r\n%s\r\n", len(a), a)
		}
		if _, err := conn.Write([]byte(cmd)); err != nil {
			t.Fatal(err)
		}
		return readRESP(t, r)
	}
	if got := do("PING"); got != "+PONG" {
		t.Errorf("PING = %q, want +PONG", got)
	}
	if got := do("SET", "ssaweave", "woven"); got != "+OK" {
		t.Errorf("SET = %q, want +OK", got)
	}
	if got := do("GET", "ssaweave"); got != "woven" {
		t.Errorf("GET = %q, want woven", got)
	}
	if got := do("CONFIG", "GET", "save"); got != "save " {
		t.Errorf("CONFIG GET save = %q, want no snapshots (save \"\")", got)
	}
	if got := do("CONFIG", "GET", "appendonly"); got != "appendonly no" {
		t.Errorf("CONFIG GET appendonly = %q, want no", got)
	}
}

// readRESP reads one RESP reply: a simple string, error or integer as its
// line (with its type character), a bulk string as its content, an array
// as its elements joined by spaces. That is all TestRedis needs.
func readRESP(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	line = strings.TrimSuffix(line, "\r\n")
	switch {
	case strings.HasPrefix(line, "$"):
		var n int
		fmt.Sscanf(line, "$%d", &n)
		if n < 0 {
			return "(nil)"
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			t.Fatal(err)
		}
		return string(buf[:n])
	case strings.HasPrefix(line, "*"):
		var n int
		fmt.Sscanf(line, "*%d", &n)
		var parts []string
		for range n {
			parts = append(parts, readRESP(t, r))
		}
		return strings.Join(parts, " ")
	}
	return line
}

// outcomeTB records how a helper ended the test instead of ending it.
type outcomeTB struct {
	testing.TB
	outcome string // "fatal: ..." or "skip: ..."
}

func (o *outcomeTB) Helper() {}

func (o *outcomeTB) Fatalf(format string, args ...any) {
	o.outcome = "fatal: " + fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (o *outcomeTB) Skipf(format string, args ...any) {
	o.outcome = "skip: " + fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// TestRedisMissing proves that without redis-server Redis skips the test,
// naming the package to install, except under SSAWEAVE_CI=1, where it
// fails it.
func TestRedisMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, ci := range []string{"", "1"} {
		t.Setenv(EnvCI, ci)
		o := &outcomeTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			Redis(o)
		}()
		<-done
		want := "skip: "
		if ci == "1" {
			want = "fatal: "
		}
		if !strings.HasPrefix(o.outcome, want) || !strings.Contains(o.outcome, "redis-server package") && !strings.Contains(o.outcome, "package redis-server") {
			t.Errorf("%s=%q: outcome %q, want %q naming the redis-server package", EnvCI, ci, o.outcome, want)
		}
	}
}
