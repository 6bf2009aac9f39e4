package main

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssaweave/ssaweave/internal/e2e"
)

// grpcCheck is the span name otelgrpc gives a call of the health service's
// Check method, on both sides.
const grpcCheck = "grpc.health.v1.Health/Check"

// grpcRun is one run of testdata/grpcapp: a backend process (gRPC server)
// and a frontend process (HTTP server, gRPC client), with the spans each
// printed to the console exporter.
type grpcRun struct {
	backend, frontend []e2e.Span
}

// runGRPCApp starts the backend and a frontend of bin with env, sends the
// frontend reqs, checks the statuses, and stops both.
func runGRPCApp(t *testing.T, bin string, env []string, reqs []grpcRequest) grpcRun {
	t.Helper()
	back := e2e.Start(t, bin, append(slices.Clone(env), "ROLE=backend", "OTEL_SERVICE_NAME=backend"))
	front := e2e.Start(t, bin, append(slices.Clone(env), "ROLE=frontend", "BACKEND="+back.Addr, "OTEL_SERVICE_NAME=frontend"))
	for _, r := range reqs {
		if code := front.Do(t, "GET", r.path, r.header); code != r.status {
			t.Errorf("GET %s = %d, want %d\nfrontend stderr:\n%s", r.path, code, r.status, front.Stderr())
		}
	}
	// The frontend first, so that its client spans are not cut short.
	for _, s := range []*e2e.Server{front, back} {
		if err := s.Stop(t, syscall.SIGTERM); err != nil {
			t.Errorf("after SIGTERM: %v\nstderr:\n%s", err, s.Stderr())
		}
	}
	return grpcRun{backend: e2e.ConsoleSpans(t, back.Stdout()), frontend: e2e.ConsoleSpans(t, front.Stdout())}
}

// grpcRequest is a request to the frontend and the status it must get.
type grpcRequest struct {
	path   string
	header map[string]string
	status int
}

// grpcRequests are the requests every run sends: a serving service, with
// an incoming trace context, and an unknown one (NOT_FOUND).
var grpcRequests = []grpcRequest{
	{"/check", map[string]string{"traceparent": traceparent}, 200},
	{"/check?service=nope", nil, 404},
}

// grpcTrace is the whole trace of one frontend request: the HTTP server
// span, the gRPC client span under it, and the gRPC server span in the
// other process under that.
type grpcTrace struct {
	http, client, server e2e.Span
}

// traces finds the trace of each request (by HTTP status code, which the
// requests of a run do not share) and checks its shape: span kinds, names,
// and parents, across the process boundary.
func (r grpcRun) traces(t *testing.T) map[string]grpcTrace {
	t.Helper()
	out := map[string]grpcTrace{}
	for _, h := range r.frontend {
		if h.Kind != "server" {
			continue
		}
		var tr grpcTrace
		tr.http = h
		tr.client = grpcOnly(t, "client span under "+h.Name, r.frontend, func(s e2e.Span) bool { return s.ParentSpanID == h.SpanID })
		tr.server = grpcOnly(t, "server span under the client span", r.backend, func(s e2e.Span) bool { return s.ParentSpanID == tr.client.SpanID })
		for _, s := range []e2e.Span{tr.client, tr.server} {
			if s.Name != grpcCheck || s.TraceID != h.TraceID {
				t.Errorf("%s span %q in trace %s, want %q in the HTTP span's trace %s", s.Kind, s.Name, s.TraceID, grpcCheck, h.TraceID)
			}
		}
		if tr.client.Kind != "client" || tr.server.Kind != "server" {
			t.Errorf("gRPC span kinds %s and %s, want client and server", tr.client.Kind, tr.server.Kind)
		}
		out[h.Attributes["http.response.status_code"]] = tr
	}
	// Nothing else: one client span per request, and every server span
	// belongs to one of them.
	if len(r.frontend) != 2*len(out) || len(r.backend) != len(out) {
		t.Errorf("frontend exported %d spans and backend %d for %d requests; want 2 and 1 per request:\n%+v\n%+v", len(r.frontend), len(r.backend), len(out), r.frontend, r.backend)
	}
	return out
}

// grpcOnly returns the one span of spans that matches, failing otherwise.
func grpcOnly(t *testing.T, what string, spans []e2e.Span, match func(e2e.Span) bool) e2e.Span {
	t.Helper()
	var found []e2e.Span
	for _, s := range spans {
		if match(s) {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s, found %d among %+v", what, len(found), spans)
	}
	return found[0]
}

// checkGRPCTraces checks the traces of grpcRequests in a woven run: the
// shape, the incoming trace context, and otelgrpc's attributes.
func checkGRPCTraces(t *testing.T, r grpcRun) map[string]grpcTrace {
	t.Helper()
	traces := r.traces(t)
	ok, notFound := traces["200"], traces["404"]
	if ok.http.TraceID != parentTraceID || ok.http.ParentSpanID != parentSpanID {
		t.Errorf("HTTP span trace/parent = %s/%s, want %s/%s from traceparent", ok.http.TraceID, ok.http.ParentSpanID, parentTraceID, parentSpanID)
	}
	for status, tr := range map[string]grpcTrace{"OK": ok, "NOT_FOUND": notFound} {
		for _, s := range []e2e.Span{tr.client, tr.server} {
			for k, v := range map[string]string{
				"rpc.system.name":          "grpc",
				"rpc.method":               grpcCheck,
				"rpc.response.status_code": status,
				"server.address":           "127.0.0.1",
			} {
				if s.Attributes[k] != v {
					t.Errorf("%s %s span: %s = %q, want %q (all: %v)", status, s.Kind, k, s.Attributes[k], v, s.Attributes)
				}
			}
		}
	}
	return traces
}

// grpcAttrs returns a span's attributes with the values that differ
// between runs (ports) masked, so that their presence still counts.
func grpcAttrs(s e2e.Span) map[string]string {
	m := maps.Clone(s.Attributes)
	for _, k := range []string{"server.port", "network.peer.port", "client.port"} {
		if _, ok := m[k]; ok {
			m[k] = "(port)"
		}
	}
	return m
}

// TestGRPC weaves testdata/grpcapp with `go build -toolexec=ssaweave`,
// runs a backend and a frontend and checks the traces of a request that
// crosses both, then builds the same program instrumented by hand
// (otelgrpc stats handlers, `manual` tag) and checks that the gRPC spans
// have the same names, kinds and attributes.
func TestGRPC(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "grpcapp")
	tmp := t.TempDir()
	woven, manual := filepath.Join(tmp, "woven"), filepath.Join(tmp, "manual")
	e2e.Run(t, dir, e2e.Env(), "go", "build", "-toolexec="+bin, "-o", woven, ".")
	e2e.Run(t, dir, e2e.Env(), "go", "build", "-tags", "manual", "-o", manual, ".")
	syms := e2e.Run(t, dir, e2e.Env(), "go", "tool", "nm", woven)
	for _, sym := range []string{"google.golang.org/grpc.ssaweaveHook_NewServer", "google.golang.org/grpc.ssaweaveHook_NewClient"} {
		if !strings.Contains(syms, sym) {
			t.Errorf("woven binary lacks %s", sym)
		}
	}

	got := checkGRPCTraces(t, runGRPCApp(t, woven, e2e.Env("OTEL_TRACES_EXPORTER=console"), grpcRequests))
	want := runGRPCApp(t, manual, e2e.Env(), grpcRequests).traces(t)
	for status, w := range want {
		g := got[status]
		for _, p := range [][2]e2e.Span{{g.client, w.client}, {g.server, w.server}} {
			if p[0].Name != p[1].Name || p[0].Kind != p[1].Kind || !maps.Equal(grpcAttrs(p[0]), grpcAttrs(p[1])) {
				t.Errorf("HTTP %s, %s span:\n woven:   %s %v\n by hand: %s %v", status, p[1].Kind, p[0].Name, grpcAttrs(p[0]), p[1].Name, grpcAttrs(p[1]))
			}
		}
	}

	// grpc.Dial goes through the woven NewClient too.
	t.Run("Dial", func(t *testing.T) {
		checkGRPCTraces(t, runGRPCApp(t, woven, e2e.Env("OTEL_TRACES_EXPORTER=console", "GRPC_DIAL=dial"), grpcRequests))
	})
	// Export over OTLP/gRPC, often (OTEL_BSP_SCHEDULE_DELAY), to a real
	// collector: the exporter's connection is made by the woven
	// grpc.NewClient, and its Export calls must not be traced, or each
	// export would carry a span of the previous one, for ever. (The
	// runtime's exporter is made in rt's init, before the hook is bound;
	// rt/grpc's filter covers exporters made later, which its unit test
	// checks.)
	t.Run("OTLP gRPC export", func(t *testing.T) {
		col := e2e.StartCollector(t)
		env := e2e.Env("OTEL_EXPORTER_OTLP_PROTOCOL=grpc", "OTEL_EXPORTER_OTLP_ENDPOINT="+col.GRPCEndpoint(), "OTEL_BSP_SCHEDULE_DELAY=50")
		back := e2e.Start(t, woven, append(slices.Clone(env), "ROLE=backend"))
		front := e2e.Start(t, woven, append(slices.Clone(env), "ROLE=frontend", "BACKEND="+back.Addr))
		front.Do(t, "GET", "/check", nil)
		// Several export rounds while the programs run.
		spans := col.Spans(t, 3, 30*time.Second)
		time.Sleep(500 * time.Millisecond)
		front.Stop(t, syscall.SIGTERM)
		back.Stop(t, syscall.SIGTERM)
		spans = col.Spans(t, len(spans), 30*time.Second)
		var names []string
		for _, s := range spans {
			names = append(names, s.Name)
		}
		if want := []string{"GET /check", grpcCheck, grpcCheck}; !slices.Equal(names, want) {
			t.Errorf("collector got spans %q, want %q", names, want)
		}
	})
	// A disabled SDK: the RPCs work and nothing is exported.
	t.Run("OTEL_SDK_DISABLED=true", func(t *testing.T) {
		r := runGRPCApp(t, woven, e2e.Env("OTEL_TRACES_EXPORTER=console", "OTEL_SDK_DISABLED=true"), grpcRequests)
		if len(r.frontend)+len(r.backend) != 0 {
			t.Errorf("a disabled SDK exported spans: %+v %+v", r.frontend, r.backend)
		}
	})
}

// TestGRPCWrapperBuild builds testdata/grpcapp with `ssaweave go build`,
// the wrapper, which must rewrite packages that live in the module cache
// (google.golang.org/grpc) as well as standard ones, and checks the traces.
// The copy has no hand-instrumented variant and a tidy go.mod, so its
// module graph lacks otelgrpc, which the woven gRPC hook imports: the
// private go.mod must be completed for it (a go.mod that lists grpc but not
// otelgrpc is what most gRPC services have; caddy is one).
func TestGRPCWrapperBuild(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "grpcapp")
	if err := os.Remove(filepath.Join(dir, "manual.go")); err != nil {
		t.Fatal(err)
	}
	e2e.Run(t, dir, e2e.Env(), "go", "mod", "tidy")
	if gomod, err := os.ReadFile(filepath.Join(dir, "go.mod")); err != nil || strings.Contains(string(gomod), "otelgrpc") {
		t.Fatalf("the tidy go.mod should not name otelgrpc (error %v):\n%s", err, gomod)
	}
	out := filepath.Join(t.TempDir(), "grpcapp")
	e2e.Run(t, dir, e2e.Env(), bin, "go", "build", "-o", out, ".")
	checkGRPCTraces(t, runGRPCApp(t, out, e2e.Env("OTEL_TRACES_EXPORTER=console"), grpcRequests))
}
