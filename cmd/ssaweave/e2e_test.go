package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/ssaweave/ssaweave/internal/e2e"
	"github.com/ssaweave/ssaweave/ssaweave"
)

const (
	traceparent   = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	parentTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	parentSpanID  = "00f067aa0ba902b7"
)

// checkServerSpans asserts the spans one run of testdata/httpserver
// exported for GET /users/42 (with traceparent) and GET /health.
func checkServerSpans(t *testing.T, spans []e2e.Span) {
	t.Helper()
	byName := map[string]e2e.Span{}
	for _, s := range spans {
		byName[s.Name] = s
	}
	u, ok := byName["GET /users/{id}"]
	if !ok {
		t.Fatalf("no span named %q; got %+v", "GET /users/{id}", spans)
	}
	if u.Kind != "server" {
		t.Errorf("span kind = %s, want server", u.Kind)
	}
	if u.TraceID != parentTraceID || u.ParentSpanID != parentSpanID {
		t.Errorf("span trace/parent = %s/%s, want %s/%s from traceparent", u.TraceID, u.ParentSpanID, parentTraceID, parentSpanID)
	}
	want := map[string]string{
		"http.request.method":       "GET",
		"http.route":                "/users/{id}",
		"http.response.status_code": "200",
		"url.path":                  "/users/42",
		"server.address":            "127.0.0.1",
		"url.scheme":                "http",
		"network.protocol.version":  "1.1",
	}
	for k, v := range want {
		if got := u.Attributes[k]; got != v {
			t.Errorf("attribute %s = %q, want %q (all: %v)", k, got, v, u.Attributes)
		}
	}
	h, ok := byName["GET /health"]
	if !ok {
		t.Fatalf("no span for GET /health; got %+v", spans)
	}
	if h.ParentSpanID != "" || h.TraceID == parentTraceID {
		t.Errorf("GET /health without traceparent should be a root span, got parent %s", h.ParentSpanID)
	}
	if h.Attributes["http.route"] != "/health" {
		t.Errorf("GET /health route = %q", h.Attributes["http.route"])
	}
}

// TestWrapperBuild builds testdata/httpserver with `ssaweave go build`,
// runs it with the console exporter, and checks the spans it prints when it
// is stopped with SIGTERM (the program does not handle signals itself, so
// the woven handler flushes and re-raises). It also checks that the user's
// tree is left untouched.
func TestWrapperBuild(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "httpserver")
	before := e2e.TreeHash(t, dir)
	out := filepath.Join(t.TempDir(), "server")
	e2e.Run(t, dir, e2e.Env(), bin, "go", "build", "-o", out, "./cmd/server")
	if after := e2e.TreeHash(t, dir); after != before {
		t.Fatal("ssaweave go build changed the program's source tree")
	}

	srv := e2e.Start(t, out, e2e.Env("OTEL_TRACES_EXPORTER=console", "OTEL_SERVICE_NAME=e2e"))
	if code := srv.Do(t, "GET", "/users/42", map[string]string{"traceparent": traceparent}); code != 200 {
		t.Fatalf("GET /users/42 = %d", code)
	}
	if code := srv.Do(t, "GET", "/health", nil); code != 200 {
		t.Fatalf("GET /health = %d", code)
	}
	err := srv.Stop(t, syscall.SIGTERM)
	if err == nil || !strings.Contains(err.Error(), "terminated") {
		t.Errorf("after SIGTERM the program should die of the signal, got %v", err)
	}
	checkServerSpans(t, e2e.ConsoleSpans(t, srv.Stdout()))

	// The same binary follows the SDK's environment variables.
	t.Run("OTEL_TRACES_SAMPLER=always_off", func(t *testing.T) {
		srv := e2e.Start(t, out, e2e.Env("OTEL_TRACES_EXPORTER=console", "OTEL_TRACES_SAMPLER=always_off"))
		srv.Do(t, "GET", "/health", nil)
		srv.Stop(t, syscall.SIGTERM)
		if spans := e2e.ConsoleSpans(t, srv.Stdout()); len(spans) != 0 {
			t.Errorf("never-sample exported %d spans", len(spans))
		}
	})
	t.Run("OTEL_PROPAGATORS=b3", func(t *testing.T) {
		srv := e2e.Start(t, out, e2e.Env("OTEL_TRACES_EXPORTER=console", "OTEL_PROPAGATORS=b3"))
		srv.Do(t, "GET", "/health", map[string]string{"traceparent": traceparent, "b3": "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"})
		srv.Stop(t, syscall.SIGTERM)
		spans := e2e.ConsoleSpans(t, srv.Stdout())
		if len(spans) != 1 || spans[0].TraceID != "80f198ee56343ba864fe8b2a57d3eff7" || spans[0].ParentSpanID != "e457b5a2e4d86bd1" {
			t.Errorf("with OTEL_PROPAGATORS=b3 the parent must come from the b3 header, not traceparent; got %+v", spans)
		}
	})
	t.Run("OTEL_SDK_DISABLED=true", func(t *testing.T) {
		srv := e2e.Start(t, out, e2e.Env("OTEL_TRACES_EXPORTER=console", "OTEL_SDK_DISABLED=true"))
		if code := srv.Do(t, "GET", "/users/42", nil); code != 200 {
			t.Errorf("GET /users/42 = %d", code)
		}
		srv.Stop(t, syscall.SIGTERM)
		if spans := e2e.ConsoleSpans(t, srv.Stdout()); len(spans) != 0 {
			t.Errorf("a disabled SDK exported %d spans", len(spans))
		}
	})
}

// TestVersion checks `ssaweave version`.
func TestVersion(t *testing.T) {
	out := e2e.Run(t, t.TempDir(), e2e.Env(), e2e.SSAWeave(t), "version")
	if !strings.HasPrefix(out, "ssaweave ") || !strings.Contains(out, "build ") || !strings.Contains(out, "go1.") {
		t.Errorf("ssaweave version = %q", out)
	}
}

// TestToolexecBuild builds the same program with plain
// `go build -toolexec=ssaweave`, exports over OTLP/HTTP (the default
// exporter) to an in-process receiver, and ends the program with os.Exit:
// the spans of earlier requests must have been flushed.
func TestToolexecBuild(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "httpserver")
	out := filepath.Join(t.TempDir(), "server")
	e2e.Run(t, dir, e2e.Env(), "go", "build", "-toolexec="+bin, "-o", out, "./cmd/server")

	recv := e2e.NewReceiver(t)
	srv := e2e.Start(t, out, e2e.Env(
		"OTEL_EXPORTER_OTLP_ENDPOINT="+recv.URL,
		"OTEL_SERVICE_NAME=toolexec-e2e",
		"OTEL_RESOURCE_ATTRIBUTES=deployment.environment.name=test",
	))
	srv.Do(t, "GET", "/users/42", map[string]string{"traceparent": traceparent})
	srv.Do(t, "GET", "/health", nil)
	srv.Do(t, "POST", "/quit", nil)
	err := srv.Wait(t)
	if err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("POST /quit should end the program with os.Exit(3), got %v", err)
	}
	spans := recv.Spans()
	checkServerSpans(t, spans)
	for _, s := range spans {
		if s.Attributes["resource.service.name"] != "toolexec-e2e" || s.Attributes["resource.deployment.environment.name"] != "test" {
			t.Errorf("span %s resource = %v, want OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES applied", s.Name, s.Attributes)
		}
	}
}

// TestPlainBuildSharesCacheSafely checks that a plain build sharing the
// GOCACHE with a woven build is not instrumented, and that a woven build
// after a plain one is.
func TestPlainBuildSharesCacheSafely(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "httpserver")
	tmp := t.TempDir()
	woven1, plain, woven2 := filepath.Join(tmp, "woven1"), filepath.Join(tmp, "plain"), filepath.Join(tmp, "woven2")
	e2e.Run(t, dir, e2e.Env(), bin, "go", "build", "-o", woven1, "./cmd/server")
	e2e.Run(t, dir, e2e.Env(), "go", "build", "-o", plain, "./cmd/server")
	e2e.Run(t, dir, e2e.Env(), bin, "go", "build", "-o", woven2, "./cmd/server")

	for _, c := range []struct {
		bin   string
		woven bool
	}{{woven1, true}, {plain, false}, {woven2, true}} {
		syms := e2e.Run(t, dir, e2e.Env(), "go", "tool", "nm", c.bin)
		has := strings.Contains(syms, "ssaweaveHook_serverHandler_ServeHTTP") || strings.Contains(syms, "github.com/ssaweave/ssaweave/rt")
		if has != c.woven {
			t.Errorf("%s: woven symbols present = %v, want %v", filepath.Base(c.bin), has, c.woven)
		}
		srv := e2e.Start(t, c.bin, e2e.Env("OTEL_TRACES_EXPORTER=console"))
		srv.Do(t, "GET", "/health", nil)
		srv.Stop(t, syscall.SIGTERM)
		spans := e2e.ConsoleSpans(t, srv.Stdout())
		if (len(spans) > 0) != c.woven {
			t.Errorf("%s: exported %d spans, woven = %v", filepath.Base(c.bin), len(spans), c.woven)
		}
	}
}

// TestReproducible checks that two builds of the same program give the
// same bytes, with every package compiled afresh in between (a second,
// empty GOCACHE), and nothing written into the user's tree.
func TestReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the standard library and OpenTelemetry twice")
	}
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "httpserver")
	tmp := t.TempDir()
	a, b := filepath.Join(tmp, "a"), filepath.Join(tmp, "b")
	e2e.Run(t, dir, e2e.Env(), bin, "go", "build", "-o", a, "./cmd/server")
	e2e.Run(t, dir, e2e.Env("GOCACHE="+filepath.Join(tmp, "gocache")), bin, "go", "build", "-o", b, "./cmd/server")
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if !bytes.Equal(da, db) {
		t.Fatalf("two builds differ (%d and %d bytes)", len(da), len(db))
	}
}

// TestErrors checks that bad input gives a clear message and a non-zero
// exit, never a panic.
func TestErrors(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "httpserver")
	broken := e2e.CopyProgram(t, "broken")
	for _, c := range []struct {
		name string
		dir  string
		args []string
		want []string
	}{
		{"type error", broken, []string{"go", "build", "./cmd/app"}, []string{"main.go:", "undefined: notDeclared"}},
		{"unknown flag", dir, []string{"go", "build", "-nosuchflag", "./cmd/server"}, []string{"unknown flag -nosuchflag"}},
		{"no main package", dir, []string{"go", "build", "./internal/users"}, []string{"no main package"}},
		{"unknown command", dir, []string{"frobnicate"}, []string{`unknown command "frobnicate"`}},
		{"plan of broken code", broken, []string{"plan", "./cmd/app"}, []string{"main.go:", "undefined: notDeclared"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := e2e.RunErr(c.dir, e2e.Env(), bin, c.args...)
			if err == nil {
				t.Fatalf("ssaweave %v succeeded; want an error\n%s", c.args, out)
			}
			if strings.Contains(out, "panic") || strings.Contains(out, "goroutine ") {
				t.Errorf("output looks like a panic:\n%s", out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestPlanCommand checks `ssaweave plan` and `ssaweave plan -json` on the
// demo program.
func TestPlanCommand(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "httpserver")
	text := e2e.Run(t, dir, e2e.Env(), bin, "plan", "./cmd/server")
	for _, w := range []string{"net/http.server", "woven", "(net/http.serverHandler).ServeHTTP"} {
		if !strings.Contains(text, w) {
			t.Errorf("plan output lacks %q:\n%s", w, text)
		}
	}
	js := e2e.Run(t, dir, e2e.Env(), bin, "plan", "-json", "./cmd/server")
	for _, w := range []string{`"sites"`, `"pos"`, `"status": "woven"`, `"path"`, `"rule": "net/http.server"`} {
		if !strings.Contains(js, w) {
			t.Errorf("plan -json lacks %s", w)
		}
	}
}

// compiledPackages returns the import paths the go command compiled, from
// its -x output (with the build cache, only what was not cached).
func compiledPackages(out string) []string {
	var pkgs []string
	for _, line := range e2e.Lines(out) {
		if !strings.Contains(line, "/compile ") || !strings.Contains(line, " -p ") {
			continue
		}
		f := strings.Fields(line[strings.Index(line, " -p ")+4:])
		if len(f) > 0 {
			pkgs = append(pkgs, f[0])
		}
	}
	return pkgs
}

// TestEditRecompilesOnlyThatPackage checks the build cache's precision:
// a woven build with nothing changed compiles nothing, and after editing
// one user file a woven build recompiles exactly what a plain build
// recompiles (that package and its dependents), never the standard library
// nor the runtime hooks.
func TestEditRecompilesOnlyThatPackage(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "httpserver")
	tmp := t.TempDir()
	woven, plain := filepath.Join(tmp, "woven"), filepath.Join(tmp, "plain")
	e2e.Run(t, dir, e2e.Env(), bin, "go", "build", "-o", woven, "./cmd/server")
	e2e.Run(t, dir, e2e.Env(), "go", "build", "-o", plain, "./cmd/server")

	again := e2e.Run(t, dir, e2e.Env(), bin, "go", "build", "-x", "-o", woven, "./cmd/server")
	if pkgs := compiledPackages(again); len(pkgs) != 0 {
		t.Errorf("rebuild with nothing changed compiled %v", pkgs)
	}

	file := filepath.Join(dir, "internal", "users", "users.go")
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(src), `"Ada"`, `"Ada Lovelace"`, 1)
	if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	w := compiledPackages(e2e.Run(t, dir, e2e.Env(), bin, "go", "build", "-x", "-o", woven, "./cmd/server"))
	p := compiledPackages(e2e.Run(t, dir, e2e.Env(), "go", "build", "-x", "-o", plain, "./cmd/server"))
	slices.Sort(w)
	slices.Sort(p)
	if !slices.Equal(w, p) || !slices.Contains(w, "example.com/httpserver/internal/users") {
		t.Errorf("after editing internal/users the woven build compiled %v, the plain build %v; want the same, including internal/users", w, p)
	}
	for _, pkg := range w {
		if !strings.HasPrefix(pkg, "example.com/") && pkg != "main" {
			t.Errorf("editing a user file recompiled %s", pkg)
		}
	}
}

// TestGOFLAGSToolexec builds with GOFLAGS=-toolexec=ssaweave, the form a
// team can set once in its environment, and checks that the binary is the
// same as with the -toolexec flag.
func TestGOFLAGSToolexec(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "httpserver")
	tmp := t.TempDir()
	a, b := filepath.Join(tmp, "flag"), filepath.Join(tmp, "goflags")
	e2e.Run(t, dir, e2e.Env(), "go", "build", "-toolexec="+bin, "-o", a, "./cmd/server")
	e2e.Run(t, dir, e2e.Env("GOFLAGS=-toolexec="+bin), "go", "build", "-o", b, "./cmd/server")
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if !bytes.Equal(da, db) {
		t.Fatal("GOFLAGS=-toolexec build differs from the -toolexec build")
	}
	if syms := e2e.Run(t, dir, e2e.Env(), "go", "tool", "nm", b); !strings.Contains(syms, "ssaweaveHook_serverHandler_ServeHTTP") {
		t.Error("GOFLAGS build is not woven")
	}
}

// TestProgramOwnTracerProvider builds a program that installs its own
// TracerProvider and handles SIGTERM itself, with both build modes. The
// woven server spans must go to the program's provider (its resource), the
// runtime must not install a signal handler of its own (the plan sees
// os/signal.NotifyContext), and the spans, batched and never flushed by the
// program, must be flushed when main returns after the graceful shutdown.
// The runtime's own exporter is off, yet the function span of main.item
// must be there: the program reaches otel.SetTracerProvider, so the hook
// variables of its packages stay bound (hooks.unbound is pruned).
// The program depends on OpenTelemetry itself, so this also checks that
// the program's and the runtime's module graphs are merged consistently.
func TestProgramOwnTracerProvider(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "ownprovider")
	plan := e2e.Run(t, dir, e2e.Env(), bin, "plan", ".")
	if !strings.Contains(plan, "pruned  signal.flush") {
		t.Errorf("the plan should leave signals to the program:\n%s", plan)
	}
	if !strings.Contains(plan, "pruned  hooks.unbound") {
		t.Errorf("the plan should keep the hooks bound for the program's provider:\n%s", plan)
	}
	for _, mode := range []string{"wrapper", "toolexec"} {
		t.Run(mode, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "server")
			if mode == "wrapper" {
				e2e.Run(t, dir, e2e.Env(), bin, "go", "build", "-o", out, ".")
			} else {
				e2e.Run(t, dir, e2e.Env(), "go", "build", "-toolexec="+bin, "-o", out, ".")
			}
			// The runtime's own exporter is off: every span seen comes
			// through the program's provider.
			srv := e2e.Start(t, out, e2e.Env("OTEL_TRACES_EXPORTER=none"))
			srv.Do(t, "GET", "/items/7", map[string]string{"traceparent": traceparent})
			if err := srv.Stop(t, syscall.SIGTERM); err != nil {
				t.Errorf("graceful shutdown should exit 0, got %v\n%s", err, srv.Stderr())
			}
			if !strings.Contains(srv.Stderr(), "shut down gracefully") {
				t.Errorf("the program's own SIGTERM handling did not run:\n%s", srv.Stderr())
			}
			spans := e2e.ConsoleSpans(t, srv.Stdout())
			byName := map[string]e2e.Span{}
			for _, s := range spans {
				byName[s.Name] = s
			}
			server, fn := byName["GET /items/{id}"], byName["main.item"]
			if len(spans) != 2 || server.ParentSpanID != parentSpanID || fn.ParentSpanID != server.SpanID || server.SpanID == "" {
				t.Fatalf("want the server span GET /items/{id} parented by traceparent and its child main.item (the hook stays bound), got %+v", spans)
			}
			if !strings.Contains(srv.Stdout(), `"Key":"owner"`) {
				t.Errorf("span was not exported by the program's provider (no owner resource):\n%s", srv.Stdout())
			}
		})
	}
}

// TestNothingReachableBuildsPlainly checks hook elimination at its
// simplest: a program whose HTTP server, HTTP client and SQL code is dead
// gets every site pruned, and its woven build is byte-identical to the
// plain build, with no OpenTelemetry symbol in it. Its client is dead
// only to VTA, which the default (auto) uses for a program this small;
// RTA would weave it.
func TestNothingReachableBuildsPlainly(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "deadhttp")
	plan := e2e.Run(t, dir, e2e.Env(), bin, "plan", ".")
	for _, rule := range []string{"net/http.server", "net/http.client", "database/sql"} {
		if !regexp.MustCompile(`(?m)^pruned  ` + regexp.QuoteMeta(rule) + ` .* not reachable from main or init \(vta\)$`).MatchString(plan) {
			t.Errorf("plan should prune %s as unreachable by VTA:\n%s", rule, plan)
		}
	}
	if strings.HasPrefix(plan, "woven") || strings.Contains(plan, "\nwoven") {
		t.Errorf("plan should weave nothing:\n%s", plan)
	}
	if rta := e2e.Run(t, dir, e2e.Env("SSAWEAVE_CALLGRAPH=rta"), bin, "plan", "."); !regexp.MustCompile(`(?m)^woven   net/http.client .* reachable from main \(rta\): .*\(example.com/deadhttp.webhook\).notify`).MatchString(rta) {
		t.Errorf("RTA's plan should weave the client, reached through the webhook:\n%s", rta)
	}
	tmp := t.TempDir()
	woven, plain := filepath.Join(tmp, "woven"), filepath.Join(tmp, "plain")
	e2e.Run(t, dir, e2e.Env(), bin, "go", "build", "-o", woven, ".")
	e2e.Run(t, dir, e2e.Env(), "go", "build", "-o", plain, ".")
	dw, _ := os.ReadFile(woven)
	dp, _ := os.ReadFile(plain)
	if !bytes.Equal(dw, dp) {
		t.Errorf("woven build (%d bytes) differs from the plain build (%d bytes)", len(dw), len(dp))
	}
	if syms := e2e.Run(t, dir, e2e.Env(), "go", "tool", "nm", woven); strings.Contains(syms, "opentelemetry") || strings.Contains(syms, "ssaweave") {
		t.Error("the build links OpenTelemetry or ssaweave code")
	}
}

// TestInstall checks `ssaweave go install`: the installed binary is woven.
func TestInstall(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "httpserver")
	gobin := t.TempDir()
	e2e.Run(t, dir, e2e.Env("GOBIN="+gobin), bin, "go", "install", "./cmd/server")
	syms := e2e.Run(t, dir, e2e.Env(), "go", "tool", "nm", filepath.Join(gobin, "server"))
	if !strings.Contains(syms, "ssaweaveHook_serverHandler_ServeHTTP") {
		t.Error("the installed binary is not woven")
	}
}

// TestGoTestWoven checks `ssaweave go test` on a main package: the test
// binary is woven (a request served in the test gets a server span) and the
// spans are flushed when the test binary exits through os.Exit.
func TestGoTestWoven(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "httpserver")
	test := `package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestServe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/in-test")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}
`
	if err := os.WriteFile(filepath.Join(dir, "cmd", "server", "main_test.go"), []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	out := e2e.Run(t, dir, e2e.Env("OTEL_TRACES_EXPORTER=console"), bin, "go", "test", "-count=1", "-v", "./cmd/server")
	var found bool
	for _, s := range e2e.ConsoleSpans(t, out) {
		if s.Kind == "server" && s.Attributes["url.path"] == "/in-test" {
			found = true
		}
	}
	if !found {
		t.Errorf("woven test binary exported no server span for /in-test:\n%s", out)
	}
}

// TestPlanServerEdits builds a program, edits it and builds it again, as a
// developer does, with plan servers in their default mode: the first plan
// is made in-process and starts no process; the first edit starts the
// configuration's plan server, which loads the program; the next edit is
// re-planned by that server from the edited package alone. ssaweave clean
// stops it.
func TestPlanServerEdits(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "httpserver")
	cacheDir := filepath.Join(t.TempDir(), "cache")
	env := e2e.Env("SSAWEAVE_CACHE="+cacheDir, ssaweave.EnvPlanServer+"=auto", ssaweave.EnvPlanServerIdle+"=3m")
	t.Cleanup(func() { ssaweave.StopServers(cacheDir) })
	out := filepath.Join(t.TempDir(), "server")
	logs := func() string {
		t.Helper()
		files, _ := filepath.Glob(filepath.Join(cacheDir, "server", "*.log"))
		var all strings.Builder
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			all.Write(data)
		}
		return all.String()
	}
	file := filepath.Join(dir, "internal", "users", "users.go")
	edit := func(old, new string) {
		t.Helper()
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(src), old) {
			t.Fatalf("users.go has no %q", old)
		}
		if err := os.WriteFile(file, []byte(strings.Replace(string(src), old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	e2e.Run(t, dir, env, bin, "go", "build", "-o", out, "./cmd/server")
	if socks, _ := filepath.Glob(filepath.Join(cacheDir, "server", "*.sock")); len(socks) != 0 {
		t.Fatalf("a first build started a plan server: %v", socks)
	}
	edit(`"Ada"`, `"Ada Lovelace"`)
	e2e.Run(t, dir, env, bin, "go", "build", "-o", out, "./cmd/server")
	if l := logs(); !strings.Contains(l, "packages loaded") {
		t.Fatalf("the first edit was not planned by a plan server; its log:\n%s", l)
	}
	edit(`"Ada Lovelace"`, `"Ada King"`)
	e2e.Run(t, dir, env, bin, "go", "build", "-o", out, "./cmd/server")
	if l := logs(); !regexp.MustCompile(`plan .*: [0-9.]+m?s \(load .*: [12] of [0-9]+ packages re-checked`).MatchString(l) {
		t.Fatalf("the second edit was not re-planned from the edited packages; the server's log:\n%s", l)
	}
	// The woven binary serves the edit.
	srv := e2e.Start(t, out, e2e.Env("OTEL_TRACES_EXPORTER=none"))
	defer srv.Stop(t, os.Interrupt)
	if code := srv.Do(t, "GET", "/users/42", nil); code != 200 {
		t.Fatalf("GET /users/42: %d", code)
	}

	e2e.Run(t, dir, env, bin, "clean")
	if socks, _ := filepath.Glob(filepath.Join(cacheDir, "server", "*.sock")); len(socks) != 0 {
		t.Errorf("ssaweave clean left plan servers: %v", socks)
	}
}
