package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssaweave/ssaweave/internal/e2e"
)

// redisRoutes are the requests every run of testdata/redisapp gets, with
// the status each must answer.
var redisRoutes = []struct {
	path   string
	status int
}{
	{"/kv", 200},
	{"/missing", 404},
	{"/cluster", 200},
	{"/ring", 200},
}

// redisRun is what one run of testdata/redisapp exported: every span, and
// the direct children of each request's server span by route. Direct
// children are the spans of the program's own commands; the commands
// go-redis sends when it opens a connection (HELLO, CLIENT SETINFO, ...)
// hang below the command that opened it, which depends on timing.
type redisRun struct {
	spans    []e2e.Span
	children map[string][]e2e.Span
	http     map[string]e2e.Span
}

// runRedisApp runs bin against the redis-server at redisAddr, sends
// redisRoutes (the first with traceparent), lets the ring heartbeat tick a
// few times, and stops the program.
func runRedisApp(t *testing.T, bin, redisAddr string, env []string) redisRun {
	t.Helper()
	srv := e2e.Start(t, bin, append(env, "REDIS_ADDR="+redisAddr))
	for i, r := range redisRoutes {
		var header map[string]string
		if i == 0 {
			header = map[string]string{"traceparent": traceparent}
		}
		if code := srv.Do(t, "GET", r.path, header); code != r.status {
			t.Errorf("GET %s = %d, want %d\nstderr:\n%s", r.path, code, r.status, srv.Stderr())
		}
	}
	time.Sleep(1200 * time.Millisecond) // two ring heartbeats at least
	if err := srv.Stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("after SIGTERM: %v\nstderr:\n%s", err, srv.Stderr())
	}
	run := redisRun{spans: e2e.ConsoleSpans(t, srv.Stdout()), children: map[string][]e2e.Span{}, http: map[string]e2e.Span{}}
	for _, h := range run.spans {
		if h.Kind != "server" {
			continue
		}
		route := h.Attributes["url.path"]
		run.http[route] = h
		for _, s := range run.spans {
			if s.ParentSpanID == h.SpanID {
				run.children[route] = append(run.children[route], s)
			}
		}
		slices.SortFunc(run.children[route], func(a, b e2e.Span) int {
			return strings.Compare(a.Name+a.Attributes["db.statement"], b.Name+b.Attributes["db.statement"])
		})
	}
	return run
}

// redisDescribe lists spans as name, kind and attributes, one per line, for
// comparisons and messages.
func redisDescribe(spans []e2e.Span) string {
	var b strings.Builder
	for _, s := range spans {
		fmt.Fprintf(&b, "%s (%s)", s.Name, s.Kind)
		for _, k := range slices.Sorted(maps.Keys(s.Attributes)) {
			fmt.Fprintf(&b, " %s=%q", k, s.Attributes[k])
		}
		b.WriteString("\n")
	}
	return b.String()
}

// checkRedisSpans checks the spans of a woven run: each request's command
// spans, their parent, kind and attributes, and that nothing is traced
// twice and the ring heartbeat not at all.
func checkRedisSpans(t *testing.T, run redisRun, redisAddr string) {
	t.Helper()
	host, port, _ := net.SplitHostPort(redisAddr)
	want := map[string][]struct{ name, statement, function string }{
		"/kv": {
			{"get", "get greeting", "main.(*app).kv"},
			{"redis.pipeline incr expire", "incr visits\nexpire visits 3600", "main.(*app).kv"},
			{"set", "set greeting hello", "main.(*app).kv"},
		},
		"/missing": {{"get", "get no-such-key", "main.(*app).missing"}},
		"/cluster": {
			{"get", "get cluster-key", "main.setGet"},
			{"set", "set cluster-key v", "main.setGet"},
		},
		"/ring": {
			{"get", "get ring-key", "main.setGet"},
			{"set", "set ring-key v", "main.setGet"},
		},
	}
	for route, cmds := range want {
		got := run.children[route]
		if len(got) != len(cmds) {
			t.Errorf("%s: spans under the server span:\n%swant %d (one per command)", route, redisDescribe(got), len(cmds))
			continue
		}
		for i, c := range cmds {
			s := got[i]
			attrs := map[string]string{
				"db.system":     "redis",
				"db.statement":  c.statement,
				"server.port":   port,
				"code.function": c.function,
				"code.filepath": "main.go",
			}
			// The ClusterSlots node has no host in redisotel's eyes (by
			// hand too): server.address is empty for the cluster client.
			if route != "/cluster" {
				attrs["server.address"] = host
				attrs["db.connection_string"] = "redis://" + redisAddr
			}
			if s.Name != c.name || s.Kind != "client" {
				t.Errorf("%s: span %d is %q (%s), want %q (client)", route, i, s.Name, s.Kind, c.name)
			}
			for k, v := range attrs {
				if got := s.Attributes[k]; got != v && (k != "code.filepath" || filepath.Base(got) != v) {
					t.Errorf("%s %s: %s = %q, want %q", route, s.Name, k, got, v)
				}
			}
		}
	}
	if kv := run.http["/kv"]; kv.TraceID != parentTraceID || kv.ParentSpanID != parentSpanID {
		t.Errorf("GET /kv span trace/parent = %s/%s, want %s/%s from traceparent", kv.TraceID, kv.ParentSpanID, parentTraceID, parentSpanID)
	}
	for _, s := range run.spans {
		if s.Name == "ping" {
			t.Errorf("a ring heartbeat PING was traced: %v", s.Attributes)
		}
	}
}

// TestRedis weaves testdata/redisapp with `go build -toolexec=ssaweave`,
// runs it against a real redis-server (plain, cluster and ring clients),
// and checks the command spans; then builds the same program instrumented
// by hand (redisotel.InstrumentTracing on each client, `manual` tag) and
// checks that the spans of the plain and cluster clients are the same,
// attribute for attribute. redisotel by hand leaves a ring's initial
// shards uninstrumented, so the ring is only checked woven.
func TestRedis(t *testing.T) {
	redisAddr := e2e.Redis(t)
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "redisapp")
	tmp := t.TempDir()
	woven, manual := filepath.Join(tmp, "woven"), filepath.Join(tmp, "manual")
	e2e.Run(t, dir, e2e.Env(), "go", "build", "-toolexec="+bin, "-o", woven, ".")
	e2e.Run(t, dir, e2e.Env(), "go", "build", "-tags", "manual", "-o", manual, ".")
	syms := e2e.Run(t, dir, e2e.Env(), "go", "tool", "nm", woven)
	for _, sym := range []string{"github.com/redis/go-redis/v9.ssaweaveHook_NewClient", "github.com/redis/go-redis/v9.ssaweaveHook_NewFailoverClient"} {
		if !strings.Contains(syms, sym) {
			t.Errorf("woven binary lacks %s", sym)
		}
	}

	got := runRedisApp(t, woven, redisAddr, e2e.Env("OTEL_TRACES_EXPORTER=console"))
	checkRedisSpans(t, got, redisAddr)
	want := runRedisApp(t, manual, redisAddr, e2e.Env())
	for _, route := range []string{"/kv", "/missing", "/cluster"} {
		if g, w := redisDescribe(got.children[route]), redisDescribe(want.children[route]); g != w {
			t.Errorf("%s: woven spans\n%sby hand\n%s", route, g, w)
		}
	}

	t.Run("OTEL_SDK_DISABLED=true", func(t *testing.T) {
		run := runRedisApp(t, woven, redisAddr, e2e.Env("OTEL_TRACES_EXPORTER=console", "OTEL_SDK_DISABLED=true"))
		if len(run.spans) != 0 {
			t.Errorf("a disabled SDK exported spans:\n%s", redisDescribe(run.spans))
		}
	})
}

// TestRedisPlan checks the go-redis rules in plans: a cluster client's
// node clients are made by redis.NewClient (through
// ClusterOptions.NewClient), so a program that only makes a cluster client
// gets go-redis.client woven; and NewFailoverClient has its own rule.
func TestRedisPlan(t *testing.T) {
	dir := e2e.CopyProgram(t, "redisapp")
	plan := func(pkg string) map[string]redisPlanSite {
		out := e2e.Run(t, dir, e2e.Env(), e2e.SSAWeave(t), "plan", "-json", pkg)
		var p struct{ Sites []redisPlanSite }
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatalf("plan -json %s: %v\n%s", pkg, err, out)
		}
		sites := map[string]redisPlanSite{}
		for _, s := range p.Sites {
			sites[s.Rule] = s
		}
		return sites
	}

	cluster := plan("./clusteronly")
	c := cluster["go-redis.client"]
	if c.Status != "woven" || !slices.ContainsFunc(c.Path, func(f string) bool { return strings.Contains(f, "clusterNode") }) {
		t.Errorf("cluster-only program: go-redis.client is %s via %v; want woven, reached through the cluster's node creation", c.Status, c.Path)
	}
	if s := cluster["go-redis.failover"]; s.Status != "pruned" {
		t.Errorf("cluster-only program: go-redis.failover is %s (%s), want pruned", s.Status, s.Reason)
	}
	if s := plan(".")["go-redis.failover"]; s.Status != "woven" {
		t.Errorf("redisapp: go-redis.failover is %s (%s), want woven", s.Status, s.Reason)
	}
}

// redisPlanSite is one site of `ssaweave plan -json`, as TestRedisPlan
// reads it.
type redisPlanSite struct {
	Rule, Status, Reason string
	Path                 []string
}
