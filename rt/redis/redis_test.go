package redis

import (
	"context"
	"maps"
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// The unit tests talk to a port nothing listens on: every command fails
// to dial, which still goes through all of redisotel's hooks (dial,
// command, pipeline). The end-to-end tests in cmd/ssaweave run against a
// real redis-server.

// quiet discards go-redis's log lines about the failed dials.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

func init() { redis.SetLogger(quiet{}) }

// useRecorder installs an in-memory span recorder as the global provider,
// after rt's init installed its own: the hooks must follow it.
func useRecorder(t *testing.T) *tracetest.SpanRecorder {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	t.Cleanup(func() { otel.SetTracerProvider(prev) })
	return rec
}

// deadAddr returns a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// options makes client options that fail fast.
func options(addr string) *redis.Options {
	return &redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1, DisableIdentity: true}
}

// exercise runs a command and a pipeline on c inside a parent span and
// returns the parent's span context.
func exercise(t *testing.T, c redis.UniversalClient) trace.SpanContext {
	t.Helper()
	ctx, parent := otel.Tracer("test").Start(context.Background(), "parent")
	defer parent.End()
	if err := c.Get(ctx, "greeting").Err(); err == nil {
		t.Fatal("GET against a dead port succeeded")
	}
	pipe := c.Pipeline()
	pipe.Set(ctx, "a", "1", 0)
	pipe.Incr(ctx, "b")
	if _, err := pipe.Exec(ctx); err == nil {
		t.Fatal("pipeline against a dead port succeeded")
	}
	return parent.SpanContext()
}

// spans returns redisotel's ended spans by name (the last of each name).
func spans(rec *tracetest.SpanRecorder) map[string]sdktrace.ReadOnlySpan {
	m := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range rec.Ended() {
		if s.InstrumentationScope().Name == "github.com/redis/go-redis/extra/redisotel" {
			m[s.Name()] = s
		}
	}
	return m
}

// attrs returns a span's attributes as strings by key, without the ones
// that differ from run to run or with the calling line.
func attrs(s sdktrace.ReadOnlySpan) map[string]string {
	m := map[string]string{}
	for _, kv := range s.Attributes() {
		switch kv.Key {
		case "server.port", "db.connection_string", "code.lineno":
			continue
		}
		m[string(kv.Key)] = kv.Value.String()
	}
	return m
}

func TestClientSpans(t *testing.T) {
	rec := useRecorder(t)
	addr := deadAddr(t)
	c := newClient(options(addr), redis.NewClient)
	defer c.Close()
	parent := exercise(t, c)

	got := spans(rec)
	_, port, _ := net.SplitHostPort(addr)
	for _, name := range []string{"get", "redis.pipeline set incr"} {
		s, ok := got[name]
		if !ok {
			t.Fatalf("no span %q; got %v", name, slices.Sorted(maps.Keys(got)))
		}
		if s.SpanKind() != trace.SpanKindClient || s.Parent().SpanID() != parent.SpanID() {
			t.Errorf("%s: kind %v parent %v, want client span under %v", name, s.SpanKind(), s.Parent(), parent)
		}
		if s.Status().Code != codes.Error {
			t.Errorf("%s: status %v, want Error (the dial failed)", name, s.Status())
		}
		a := map[string]string{}
		for _, kv := range s.Attributes() {
			a[string(kv.Key)] = kv.Value.String()
		}
		for k, v := range map[string]string{
			"db.system":            "redis",
			"server.address":       "127.0.0.1",
			"server.port":          port,
			"db.connection_string": "redis://" + addr,
		} {
			if a[k] != v {
				t.Errorf("%s: %s = %q, want %q (all: %v)", name, k, a[k], v, a)
			}
		}
	}
	if st := attrs(got["get"])["db.statement"]; st != "get greeting" {
		t.Errorf("get: db.statement = %q", st)
	}
	if n := attrs(got["redis.pipeline set incr"])["db.redis.num_cmd"]; n != strconv.Itoa(2) {
		t.Errorf("pipeline: db.redis.num_cmd = %q, want 2", n)
	}
	if _, ok := got["redis.dial"]; !ok {
		t.Errorf("no redis.dial span; got %v", slices.Sorted(maps.Keys(got)))
	}
}

// TestAttributesMatchRedisotel compares the hook's spans with those of
// redisotel.InstrumentTracing applied by hand with its defaults.
func TestAttributesMatchRedisotel(t *testing.T) {
	rec := useRecorder(t)
	addr := deadAddr(t)
	woven := newClient(options(addr), redis.NewClient)
	defer woven.Close()
	exercise(t, woven)
	got := spans(rec)

	manualRec := useRecorder(t)
	manual := redis.NewClient(options(addr))
	defer manual.Close()
	if err := redisotel.InstrumentTracing(manual); err != nil {
		t.Fatal(err)
	}
	exercise(t, manual)
	want := spans(manualRec)

	if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want))) {
		t.Fatalf("span names %v, by hand %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
	}
	for name, w := range want {
		g := got[name]
		if g.SpanKind() != w.SpanKind() || g.Status() != w.Status() || !maps.Equal(attrs(g), attrs(w)) {
			t.Errorf("%s:\n woven:   %v %v %v\n by hand: %v %v %v", name, g.SpanKind(), g.Status(), attrs(g), w.SpanKind(), w.Status(), attrs(w))
		}
	}
}

func TestFailoverClientSpans(t *testing.T) {
	rec := useRecorder(t)
	c := newFailoverClient(&redis.FailoverOptions{
		MasterName:    "mymaster",
		SentinelAddrs: []string{deadAddr(t)},
		MaxRetries:    -1,
		DialerRetries: 1,
	}, redis.NewFailoverClient)
	defer c.Close()
	exercise(t, c)
	if _, ok := spans(rec)["get"]; !ok {
		t.Errorf("no get span for a failover client; got %v", slices.Sorted(maps.Keys(spans(rec))))
	}
}

// TestRingHeartbeatNotTraced runs a ring whose heartbeat pings its shard
// every few milliseconds: the heartbeat's PINGs must not be traced, and a
// PING of the program's must.
func TestRingHeartbeatNotTraced(t *testing.T) {
	rec := useRecorder(t)
	addr := deadAddr(t)
	ring := redis.NewRing(&redis.RingOptions{
		Addrs:              map[string]string{"shard": addr},
		HeartbeatFrequency: 5 * time.Millisecond,
		MaxRetries:         -1,
		DialerRetries:      1,
		DisableIdentity:    true,
		NewClient:          func(o *redis.Options) *redis.Client { return newClient(o, redis.NewClient) },
	})
	defer ring.Close()
	time.Sleep(100 * time.Millisecond)
	if s, ok := spans(rec)["ping"]; ok {
		t.Errorf("a heartbeat PING was traced (%v)", s.Attributes())
	}

	c := newClient(options(addr), redis.NewClient)
	defer c.Close()
	c.Ping(context.Background())
	if _, ok := spans(rec)["ping"]; !ok {
		t.Error("the program's own PING was not traced")
	}
}

// TestAuthNotTraced checks that setting the command filters kept
// redisotel's default ones, which leave AUTH out.
func TestAuthNotTraced(t *testing.T) {
	rec := useRecorder(t)
	c := newClient(options(deadAddr(t)), redis.NewClient)
	defer c.Close()
	c.Do(context.Background(), "auth", "user", "secret")
	c.Do(context.Background(), "echo", "x")
	pipe := c.Pipeline()
	pipe.Do(context.Background(), "auth", "user", "secret")
	pipe.Do(context.Background(), "get", "k")
	pipe.Exec(context.Background())
	got := spans(rec)
	if _, ok := got["auth"]; ok {
		t.Error("AUTH was traced")
	}
	if _, ok := got["redis.pipeline auth get"]; ok {
		t.Error("a pipeline with AUTH was traced")
	}
	if _, ok := got["echo"]; !ok {
		t.Errorf("ECHO was not traced; got %v", slices.Sorted(maps.Keys(got)))
	}
}

func TestHooksAreBound(t *testing.T) {
	if clientHook == nil || failoverHook == nil {
		t.Fatal("init did not set the go-redis hooks")
	}
}

// TestNilOptionsStillPanic checks that the constructor's own panics reach
// the caller unchanged.
func TestNilOptionsStillPanic(t *testing.T) {
	defer func() {
		if v := recover(); v != "redis: NewClient nil options" {
			t.Errorf("recovered %v, want go-redis's own panic", v)
		}
	}()
	newClient(nil, redis.NewClient)
}
