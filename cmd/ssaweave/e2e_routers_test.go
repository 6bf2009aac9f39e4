package main

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssaweave/ssaweave/internal/e2e"
)

// routerRequest is one request the router tests send, and the server span
// it must give.
type routerRequest struct {
	method, path string
	status       int
	name         string // span name
	route        string // http.route; "" means none
}

// key identifies the span of a request among a run's spans.
func (r routerRequest) key() string { return r.method + " " + r.path }

// spanKey is the key of the request a server span describes.
func spanKey(s e2e.Span) string {
	return s.Attributes["http.request.method"] + " " + s.Attributes["url.path"]
}

// serveRequests starts bin with env, sends reqs (the first with a
// traceparent), checks the status codes and returns the server spans by
// request. Woven programs export when SIGTERM flushes them; the
// hand-instrumented variants export each span as it ends and handle no
// signal, so with await their spans are awaited before the program is
// stopped.
func serveRequests(t *testing.T, bin string, env []string, reqs []routerRequest, await bool) map[string]e2e.Span {
	t.Helper()
	srv := e2e.Start(t, bin, env)
	for i, r := range reqs {
		var h map[string]string
		if i == 0 {
			h = map[string]string{"traceparent": traceparent}
		}
		if code := srv.Do(t, r.method, r.path, h); code != r.status {
			t.Errorf("%s %s = %d, want %d", r.method, r.path, code, r.status)
		}
	}
	if await {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		e2e.WaitFor(ctx, func() bool { return len(e2e.ConsoleSpans(t, srv.Stdout())) >= len(reqs) })
	}
	srv.Stop(t, syscall.SIGTERM)

	spans := map[string]e2e.Span{}
	for _, s := range e2e.ConsoleSpans(t, srv.Stdout()) {
		if s.Kind != "server" {
			t.Errorf("%s: unexpected %s span %q", filepath.Base(bin), s.Kind, s.Name)
			continue
		}
		k := spanKey(s)
		if _, dup := spans[k]; dup {
			t.Errorf("%s: more than one server span for %s", filepath.Base(bin), k)
		}
		spans[k] = s
	}
	if len(spans) != len(reqs) {
		t.Errorf("%s: %d server spans for %d requests:\n%s", filepath.Base(bin), len(spans), len(reqs), srv.Stdout())
	}
	return spans
}

// checkRouterSpans checks the woven spans: one per request, named
// "{method} {route}", with http.route and the status code, the first one
// parented by the incoming traceparent.
func checkRouterSpans(t *testing.T, spans map[string]e2e.Span, reqs []routerRequest) {
	t.Helper()
	for i, r := range reqs {
		s, ok := spans[r.key()]
		if !ok {
			t.Errorf("no server span for %s", r.key())
			continue
		}
		if s.Name != r.name {
			t.Errorf("%s: span name %q, want %q", r.key(), s.Name, r.name)
		}
		route, has := s.Attributes["http.route"]
		if route != r.route || has != (r.route != "") {
			t.Errorf("%s: http.route = %q (set %v), want %q", r.key(), route, has, r.route)
		}
		if got := s.Attributes["http.response.status_code"]; got != strconv.Itoa(r.status) {
			t.Errorf("%s: http.response.status_code = %s, want %d", r.key(), got, r.status)
		}
		if wantErr := r.status >= 500; (s.Status == "error") != wantErr {
			t.Errorf("%s: span status %q", r.key(), s.Status)
		}
		if i == 0 && (s.TraceID != parentTraceID || s.ParentSpanID != parentSpanID) {
			t.Errorf("%s: trace/parent %s/%s, want %s/%s from traceparent", r.key(), s.TraceID, s.ParentSpanID, parentTraceID, parentSpanID)
		}
		if i > 0 && s.ParentSpanID != "" {
			t.Errorf("%s: without traceparent the span should be a root, parent %s", r.key(), s.ParentSpanID)
		}
	}
}

// varying are the attributes whose values legitimately differ between two
// runs: the ports the servers listen and the client connects on.
var varying = map[string]bool{"server.port": true, "network.peer.port": true}

// diffAttributes returns the differences between the attributes of two
// spans of the same request, ignoring the values of varying attributes.
func diffAttributes(woven, manual e2e.Span) []string {
	var diffs []string
	for _, k := range slices.Sorted(maps.Keys(manual.Attributes)) {
		w, ok := woven.Attributes[k]
		switch {
		case !ok:
			diffs = append(diffs, "missing "+k+"="+manual.Attributes[k])
		case w != manual.Attributes[k] && !varying[k]:
			diffs = append(diffs, k+": woven "+w+", by hand "+manual.Attributes[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(woven.Attributes)) {
		if _, ok := manual.Attributes[k]; !ok {
			diffs = append(diffs, "extra "+k+"="+woven.Attributes[k])
		}
	}
	if woven.Name != manual.Name {
		diffs = append(diffs, "name: woven "+woven.Name+", by hand "+manual.Name)
	}
	if woven.Status != manual.Status {
		diffs = append(diffs, "status: woven "+woven.Status+", by hand "+manual.Status)
	}
	return diffs
}

// compareWithManual checks that every woven span has exactly the name,
// status and attributes of the hand-instrumented variant's span for the
// same request.
func compareWithManual(t *testing.T, what string, woven, manual map[string]e2e.Span, reqs []routerRequest) {
	t.Helper()
	for _, r := range reqs {
		w, m := woven[r.key()], manual[r.key()]
		if d := diffAttributes(w, m); len(d) > 0 {
			t.Errorf("%s: woven span differs from %s:\n  %s", r.key(), what, strings.Join(d, "\n  "))
		}
	}
}

var ginRequests = []routerRequest{
	{"GET", "/users/42", 200, "GET /users/:id", "/users/:id"},
	{"GET", "/api/v1/orders/7/items/a/b", 200, "GET /api/v1/orders/:order/items/*path", "/api/v1/orders/:order/items/*path"},
	{"POST", "/api/v1/orders", 201, "POST /api/v1/orders", "/api/v1/orders"},
	{"GET", "/nope", 404, "GET", ""},
	{"GET", "/boom", 500, "GET /boom", "/boom"},
}

// TestGinRoutes builds testdata/ginapp woven and checks that each request
// gets one server span named after its gin route, with http.route, and
// exactly the spans of the same program instrumented by hand (otelhttp
// around the engine plus the route, build tag manual). It also compares
// with the contrib otelgin middleware (build tag otelgin), which makes its
// own server span: for routed requests the spans must be the same too.
//
// The woven build uses -toolexec: the wrapper cannot weave packages in the
// module cache yet (the go command refuses overlays there).
func TestGinRoutes(t *testing.T) {
	t.Parallel()
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "ginapp")
	plan := e2e.Run(t, dir, e2e.Env(), bin, "plan", ".")
	if !strings.Contains(plan, "woven   gin.route") || !strings.Contains(plan, "woven   net/http.server") {
		t.Fatalf("plan should weave net/http.server and gin.route:\n%s", plan)
	}
	tmp := t.TempDir()
	woven, manual, otelgin := filepath.Join(tmp, "woven"), filepath.Join(tmp, "manual"), filepath.Join(tmp, "otelgin")
	e2e.Run(t, dir, e2e.Env(), "go", "build", "-toolexec="+bin, "-o", woven, ".")
	e2e.Run(t, dir, e2e.Env(), "go", "build", "-tags", "manual", "-o", manual, ".")
	e2e.Run(t, dir, e2e.Env(), "go", "build", "-tags", "otelgin", "-o", otelgin, ".")

	wovenSpans := serveRequests(t, woven, e2e.Env("OTEL_TRACES_EXPORTER=console"), ginRequests, false)
	checkRouterSpans(t, wovenSpans, ginRequests)
	compareWithManual(t, "otelhttp with the route set by hand", wovenSpans, serveRequests(t, manual, e2e.Env(), ginRequests, true), ginRequests)

	// otelgin starts its span in a gin middleware, so it has the route
	// even for a 404 (as an empty http.route) and ends it before gin
	// writes its default 404 body (no http.response.body.size): compare
	// the routed requests only.
	var routed []routerRequest
	for _, r := range ginRequests {
		if r.route != "" {
			routed = append(routed, r)
		}
	}
	compareWithManual(t, "otelgin", wovenSpans, serveRequests(t, otelgin, e2e.Env(), ginRequests, true), routed)
}

// TestGinOtelginNotDuplicated checks that a gin program that uses otelgin
// itself gets neither the route hook nor a second server span: the plan
// prunes net/http.server naming otelgin.Middleware, and gin.route with it
// (naming otelgin too, or, as nothing else is woven, because the program
// has no woven telemetry to correlate with), and the woven program exports
// otelgin's spans only, one per request.
func TestGinOtelginNotDuplicated(t *testing.T) {
	t.Parallel()
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "ginapp")
	plan := e2e.Run(t, dir, e2e.Env(), bin, "plan", "-tags", "otelgin", ".")
	const otelginMiddleware = "go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin.Middleware"
	site := func(rule string) string {
		for _, l := range e2e.Lines(plan) {
			if f := strings.Fields(l); len(f) > 1 && f[1] == rule {
				return l
			}
		}
		return ""
	}
	if l := site("net/http.server"); !strings.HasPrefix(l, "pruned") || !strings.Contains(l, otelginMiddleware) {
		t.Errorf("plan should prune net/http.server naming %s, got %q", otelginMiddleware, l)
	}
	if l := site("gin.route"); !strings.HasPrefix(l, "pruned") || (!strings.Contains(l, otelginMiddleware) && !strings.Contains(l, "no telemetry is woven")) {
		t.Errorf("plan should prune gin.route, got %q", l)
	}
	out := filepath.Join(t.TempDir(), "woven-otelgin")
	e2e.Run(t, dir, e2e.Env(), "go", "build", "-toolexec="+bin, "-tags", "otelgin", "-o", out, ".")
	// The program exports through its own provider, which the woven code
	// would use too: the runtime's exporter is off.
	spans := serveRequests(t, out, e2e.Env("OTEL_TRACES_EXPORTER=none"), ginRequests, true)
	for k, s := range spans {
		if s.Scope != "go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin" {
			t.Errorf("%s: server span of scope %q, want otelgin's only", k, s.Scope)
		}
	}
}

var chiRequests = []routerRequest{
	{"GET", "/api/users/42", 200, "GET /api/users/{id}", "/api/users/{id}"},
	{"GET", "/api/users/42/orders/9", 200, "GET /api/users/{id}/orders/{order}", "/api/users/{id}/orders/{order}"},
	{"GET", "/api/admin/stats", 200, "GET /api/admin/stats", "/api/admin/stats"},
	{"GET", "/health", 200, "GET /health", "/health"},
	{"GET", "/nope", 404, "GET", ""},
	// The /api mount matched and the sub-router did not: chi's
	// RoutePattern is the mount's.
	{"GET", "/api/nope", 404, "GET /api/*", "/api/*"},
	{"GET", "/api/users/1/boom", 500, "GET /api/users/{id}/boom", "/api/users/{id}/boom"},
}

// TestChiRoutes builds testdata/chiapp woven and checks that each request
// gets one server span named after its full chi route pattern (through
// mounted sub-routers and route groups), with http.route, and exactly the
// spans of the same program instrumented by hand (otelhttp around the
// router plus chi's RoutePattern set by hand, build tag manual); a panic
// under chi's Recoverer still gets its route.
func TestChiRoutes(t *testing.T) {
	t.Parallel()
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "chiapp")
	plan := e2e.Run(t, dir, e2e.Env(), bin, "plan", ".")
	if !strings.Contains(plan, "woven   chi.route") || !strings.Contains(plan, "woven   net/http.server") {
		t.Fatalf("plan should weave net/http.server and chi.route:\n%s", plan)
	}
	tmp := t.TempDir()
	woven, manual := filepath.Join(tmp, "woven"), filepath.Join(tmp, "manual")
	e2e.Run(t, dir, e2e.Env(), "go", "build", "-toolexec="+bin, "-o", woven, ".")
	e2e.Run(t, dir, e2e.Env(), "go", "build", "-tags", "manual", "-o", manual, ".")

	wovenSpans := serveRequests(t, woven, e2e.Env("OTEL_TRACES_EXPORTER=console"), chiRequests, false)
	checkRouterSpans(t, wovenSpans, chiRequests)
	compareWithManual(t, "otelhttp with the route set by hand", wovenSpans, serveRequests(t, manual, e2e.Env(), chiRequests, true), chiRequests)
}
