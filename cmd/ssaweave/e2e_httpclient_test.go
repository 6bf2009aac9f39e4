package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/ssaweave/ssaweave/internal/e2e"
)

// clientPlanSite is one site of `ssaweave plan -json`, as these tests read it.
type clientPlanSite struct {
	Rule, Status, Reason string
}

// clientPlan returns the sites of the plan for pkg in dir, made with the
// extra go flags, by rule name.
func clientPlan(t *testing.T, dir string, args ...string) map[string]clientPlanSite {
	t.Helper()
	out := e2e.Run(t, dir, e2e.Env(), e2e.SSAWeave(t), append([]string{"plan", "-json"}, args...)...)
	var plan struct{ Sites []clientPlanSite }
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatalf("plan -json: %v\n%s", err, out)
	}
	sites := map[string]clientPlanSite{}
	for _, s := range plan.Sites {
		sites[s.Rule] = s
	}
	return sites
}

// clientGet sends GET url from the test and returns the status and body.
func clientGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// frontRun is what one run of testdata/httpclient's front exported for
// its three requests.
type frontRun struct {
	spans []e2e.Span
	// backend is the host:port of the backend, from the client spans.
	backend string
}

// runFront starts the front binary with env, sends /clients, /get and
// /timeout, stops it with SIGTERM and returns its spans.
func runFront(t *testing.T, bin string, env []string) frontRun {
	t.Helper()
	srv := e2e.Start(t, bin, env)
	if code, body := clientGet(t, "http://"+srv.Addr+"/clients"); code != 200 || !strings.Contains(body, `item b via ""`) || !strings.Contains(body, `item c via "tagging"`) {
		t.Fatalf("GET /clients = %d %q", code, body)
	}
	if code, body := clientGet(t, "http://"+srv.Addr+"/get"); code != 200 || body != `item a via ""` {
		t.Fatalf("GET /get = %d %q", code, body)
	}
	// The Client's Timeout still ends the request, and is reported as a
	// timeout, through the woven send.
	if code, body := clientGet(t, "http://"+srv.Addr+"/timeout"); code != http.StatusGatewayTimeout {
		t.Fatalf("GET /timeout = %d %q, want 504 (the client timed out)", code, body)
	}
	srv.Stop(t, syscall.SIGTERM)
	run := frontRun{spans: e2e.ConsoleSpans(t, srv.Stdout())}
	for _, s := range run.spans {
		if s.Kind == "client" {
			if u, err := url.Parse(s.Attributes["url.full"]); err == nil {
				run.backend = u.Host
			}
		}
	}
	if run.backend == "" {
		t.Fatalf("no client span with url.full; spans:\n%+v\nstderr:\n%s", run.spans, srv.Stderr())
	}
	return run
}

// server returns the server span for path, failing the test if there is
// not exactly one.
func (r frontRun) server(t *testing.T, path string) e2e.Span {
	t.Helper()
	var found []e2e.Span
	for _, s := range r.spans {
		if s.Kind == "server" && s.Attributes["url.path"] == path {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d server spans for %s, want 1; spans:\n%+v", len(found), path, r.spans)
	}
	return found[0]
}

// children returns the spans whose parent is s.
func (r frontRun) children(s e2e.Span) []e2e.Span {
	var out []e2e.Span
	for _, c := range r.spans {
		if c.ParentSpanID == s.SpanID && c.TraceID == s.TraceID {
			out = append(out, c)
		}
	}
	return out
}

// client returns the client span for the backend path, failing the test if
// there is not exactly one.
func (r frontRun) client(t *testing.T, path string) e2e.Span {
	t.Helper()
	var found []e2e.Span
	for _, s := range r.spans {
		if s.Kind == "client" && s.Attributes["url.full"] == "http://"+r.backend+path {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d client spans for %s, want 1; spans:\n%+v", len(found), path, r.spans)
	}
	return found[0]
}

// checkClientSpan checks a client span's otelhttp attributes and that the
// backend served its request in a server span that is its child: the
// request carried the client span's traceparent.
func (r frontRun) checkClientSpan(t *testing.T, c e2e.Span, path string, status string) {
	t.Helper()
	host, port, _ := strings.Cut(r.backend, ":")
	want := map[string]string{
		"http.request.method": "GET",
		"url.full":            "http://" + r.backend + path,
		"server.address":      host,
		"server.port":         port,
	}
	if status != "" {
		want["http.response.status_code"] = status
	}
	for k, v := range want {
		if got := c.Attributes[k]; got != v {
			t.Errorf("client span for %s: %s = %q, want %q (all: %v)", path, k, got, v, c.Attributes)
		}
	}
	if c.Name != "HTTP GET" {
		t.Errorf("client span for %s named %q, want otelhttp's \"HTTP GET\"", path, c.Name)
	}
	kids := r.children(c)
	if len(kids) != 1 || kids[0].Kind != "server" || kids[0].Attributes["url.path"] != path {
		t.Errorf("client span for %s: children %+v, want the backend's server span for %s", path, kids, path)
	}
}

// checkFrontTraces checks the traces of one woven run of front. woven says
// whether ssaweave weaves the client (else the program's own otelhttp
// transport makes the client spans, and its http.Get, given no context,
// starts a trace: the call site is not woven for the program's own spans).
func checkFrontTraces(t *testing.T, r frontRun, woven bool) {
	t.Helper()
	// /clients: one trace, server → client (custom Client with a Timeout,
	// Client with its own RoundTripper) → backend server.
	front := r.server(t, "/clients")
	if front.ParentSpanID != "" {
		t.Errorf("GET /clients should be a root span, has parent %s", front.ParentSpanID)
	}
	var paths []string
	for _, c := range r.children(front) {
		if c.Kind != "client" {
			t.Errorf("GET /clients has a %s child %q, want only client spans", c.Kind, c.Name)
			continue
		}
		path := strings.TrimPrefix(c.Attributes["url.full"], "http://"+r.backend)
		paths = append(paths, path)
		r.checkClientSpan(t, c, path, "200")
	}
	slices.Sort(paths)
	if !slices.Equal(paths, []string{"/items/b", "/items/c"}) {
		t.Errorf("client spans under GET /clients for %q, want /items/b and /items/c", paths)
	}

	// /get: http.Get takes no context, but the call is woven at its site
	// (call.context) with the request in scope: its client span is a
	// child of the server span of GET /get, and the backend continues
	// that trace. The program's own otelhttp transport is left as the
	// program wrote it: a root span.
	a := r.client(t, "/items/a")
	r.checkClientSpan(t, a, "/items/a", "200")
	get := r.server(t, "/get")
	switch {
	case woven && (a.ParentSpanID != get.SpanID || a.TraceID != get.TraceID):
		t.Errorf("http.Get's client span has parent %s in trace %s, want GET /get's span %s in trace %s", a.ParentSpanID, a.TraceID, get.SpanID, get.TraceID)
	case !woven && (a.ParentSpanID != "" || a.TraceID == get.TraceID):
		t.Errorf("the program's own http.Get client span has parent %q, want a root span", a.ParentSpanID)
	}

	// /timeout: the client span ends with the error of the timeout, under
	// the front's server span.
	slow := r.client(t, "/slow")
	r.checkClientSpan(t, slow, "/slow", "")
	if slow.ParentSpanID != r.server(t, "/timeout").SpanID {
		t.Errorf("the /slow client span is not a child of GET /timeout")
	}
	if slow.Attributes["error.type"] == "" {
		t.Errorf("the timed-out client span has no error.type: %v", slow.Attributes)
	}
}

// clientAttrs returns the attributes of r's client span for path, with the
// values that differ from run to run (the backend's port) replaced.
func (r frontRun) clientAttrs(t *testing.T, path string) map[string]string {
	t.Helper()
	attrs := maps.Clone(r.client(t, path).Attributes)
	_, port, _ := strings.Cut(r.backend, ":")
	for k, v := range attrs {
		v = strings.ReplaceAll(v, r.backend, "BACKEND")
		if v == port {
			v = "PORT"
		}
		attrs[k] = v
	}
	return attrs
}

// TestHTTPClient weaves testdata/httpclient's front, a service whose
// handlers call a backend through http.Get, a custom Client with a Timeout
// and a Client with its own RoundTripper, and checks the traces: every
// outgoing request has a client span with otelhttp's attributes, under
// the server span when the request has its context, and the backend's
// server span is the client span's child. The attributes must be those of
// the same program instrumented by hand with otelhttp.NewTransport.
func TestHTTPClient(t *testing.T) {
	t.Parallel()
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "httpclient")
	plan := clientPlan(t, dir, "./cmd/front")
	if s := plan["net/http.client"]; s.Status != "woven" {
		t.Errorf("net/http.client: %+v, want woven", s)
	}
	if s := plan["call.context"]; s.Status != "woven" || !strings.Contains(s.Reason, "net/http.Get takes no context") || !strings.Contains(s.Reason, "trace context of r (*net/http.Request)") {
		t.Errorf("call.context: %+v, want the http.Get of GET /get woven with r", s)
	}
	tmp := t.TempDir()
	woven, manual := filepath.Join(tmp, "woven"), filepath.Join(tmp, "manual")
	// The two builds share nothing but the standard library's plain
	// packages: run them side by side.
	var wg sync.WaitGroup
	var manualOut string
	var manualErr error
	wg.Go(func() {
		manualOut, manualErr = e2e.RunErr(dir, e2e.Env(), "go", "build", "-tags", "manual", "-o", manual, "./cmd/front")
	})
	e2e.Run(t, dir, e2e.Env(), bin, "go", "build", "-o", woven, "./cmd/front")
	wg.Wait()
	if manualErr != nil {
		t.Fatalf("go build -tags manual: %v\n%s", manualErr, manualOut)
	}

	wovenRun := runFront(t, woven, e2e.Env("OTEL_TRACES_EXPORTER=console"))
	checkFrontTraces(t, wovenRun, true)

	manualRun := runFront(t, manual, e2e.Env())
	for _, path := range []string{"/items/a", "/items/b", "/items/c", "/slow"} {
		w, m := wovenRun.clientAttrs(t, path), manualRun.clientAttrs(t, path)
		if path == "/slow" && w["error.type"] != "" && m["error.type"] != "" {
			// A Client with a Timeout and a RoundTripper other than
			// net/http's own (otelhttp's, by hand or woven) cancels both
			// through the request's context and its Cancel channel, at
			// the same instant: the Transport reports whichever it sees
			// first (context.deadlineExceededError or net/http's
			// errRequestCanceled, an *errors.errorString), in either
			// build.
			w["error.type"], m["error.type"] = "ERROR", "ERROR"
		}
		if !maps.Equal(w, m) {
			t.Errorf("client span for %s:\n woven:  %v\n manual: %v", path, w, m)
		}
		wc, mc := wovenRun.client(t, path), manualRun.client(t, path)
		if wc.Name != mc.Name || wc.Kind != mc.Kind {
			t.Errorf("client span for %s: woven %q %s, manual %q %s", path, wc.Name, wc.Kind, mc.Name, mc.Kind)
		}
	}
}

// TestHTTPClientInstrumentedByHand weaves the front built with the tag
// ownclient, whose clients all go through otelhttp.NewTransport: the plan
// must leave net/http.client to the program, naming otelhttp.NewTransport,
// and each request must have exactly one client span, the program's,
// between the woven server spans.
func TestHTTPClientInstrumentedByHand(t *testing.T) {
	t.Parallel()
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "httpclient")
	plan := clientPlan(t, dir, "-tags", "ownclient", "./cmd/front")
	if s := plan["net/http.client"]; s.Status != "pruned" || !strings.Contains(s.Reason, "otelhttp.NewTransport") {
		t.Errorf("net/http.client: %+v, want pruned because of otelhttp.NewTransport", s)
	}
	if s := plan["net/http.server"]; s.Status != "woven" {
		t.Errorf("net/http.server: %+v, want woven", s)
	}
	if s := plan["call.context"]; s.Status != "pruned" || !strings.Contains(s.Reason, "makes no span woven") {
		t.Errorf("call.context: %+v, want the http.Get call pruned: the program makes its client spans itself", s)
	}
	out := filepath.Join(t.TempDir(), "front")
	e2e.Run(t, dir, e2e.Env(), bin, "go", "build", "-tags", "ownclient", "-o", out, "./cmd/front")
	r := runFront(t, out, e2e.Env("OTEL_TRACES_EXPORTER=console"))
	var clients int
	for _, s := range r.spans {
		if s.Kind == "client" {
			clients++
		}
	}
	if clients != 4 {
		t.Errorf("%d client spans for 4 outgoing requests, want one each; spans:\n%+v", clients, r.spans)
	}
	checkFrontTraces(t, r, false)
}

// TestHTTPClientCLI weaves a command-line program whose main does one
// http.Get: its client span is a root span, flushed when main returns,
// and the server it calls receives its traceparent.
func TestHTTPClientCLI(t *testing.T) {
	t.Parallel()
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "httpclient")
	plan := clientPlan(t, dir, "./cmd/cli")
	if plan["net/http.client"].Status != "woven" || plan["net/http.server"].Status != "pruned" {
		t.Errorf("plan: client %+v, server %+v; want the client woven and the server pruned", plan["net/http.client"], plan["net/http.server"])
	}
	out := filepath.Join(t.TempDir(), "cli")
	e2e.Run(t, dir, e2e.Env(), bin, "go", "build", "-o", out, "./cmd/cli")

	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("traceparent"))
		mu.Unlock()
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	stdout := e2e.Run(t, dir, e2e.Env("OTEL_TRACES_EXPORTER=console"), out, srv.URL+"/ping")
	if !strings.Contains(stdout, "200 OK") {
		t.Errorf("cli printed %q, want 200 OK", stdout)
	}
	spans := e2e.ConsoleSpans(t, stdout)
	if len(spans) != 1 {
		t.Fatalf("%d spans exported, want the client span; output:\n%s", len(spans), stdout)
	}
	s := spans[0]
	if s.Kind != "client" || s.ParentSpanID != "" || s.Attributes["url.full"] != srv.URL+"/ping" || s.Attributes["http.response.status_code"] != "200" {
		t.Errorf("span %+v, want a root client span for %s/ping", s, srv.URL)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := fmt.Sprintf("00-%s-%s-01", s.TraceID, s.SpanID); len(got) != 1 || got[0] != want {
		t.Errorf("server received traceparent %q, want %q", got, want)
	}
}
