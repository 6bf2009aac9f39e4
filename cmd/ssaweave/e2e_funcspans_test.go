package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ssaweave/ssaweave/internal/e2e"
)

// TestFunctionSpans builds testdata/funcspans, whose functions get spans
// from //ssaweave:span directives and from its ssaweave.yaml, and whose
// health route is excluded and debug handler ignored. It checks the whole
// traces: server span → users.lookup → store.Store.Get, and
// server span → main.render → main.greeting (a function without a
// context, whose call is woven with the request in scope); errors recorded on the failing lookup; no span
// at all for the excluded route; no function span under the ignored
// handler. Both build modes bind the hooks of the program's own packages
// through the generated main file.
func TestFunctionSpans(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "funcspans")

	plan := e2e.Run(t, dir, e2e.Env(), bin, "plan", ".")
	for _, want := range []string{
		"woven   function.span",
		"main.go:64:1", // check: pruned
		`reachable only through example.com/funcspans.health, which is excluded: it handles route "GET /health", excluded by ssaweave.yaml:7`,
		"reachable only through example.com/funcspans.debug, which is excluded: debug is marked //ssaweave:ignore (main.go:68)",
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q:\n%s", want, plan)
		}
	}

	for _, mode := range []string{"wrapper", "toolexec"} {
		t.Run(mode, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "funcspans")
			if mode == "wrapper" {
				e2e.Run(t, dir, e2e.Env(), bin, "go", "build", "-o", out, ".")
			} else {
				e2e.Run(t, dir, e2e.Env(), "go", "build", "-toolexec="+bin, "-o", out, ".")
			}
			srv := e2e.Start(t, out, e2e.Env("OTEL_TRACES_EXPORTER=console"))
			for path, want := range map[string]int{"/users/42": 200, "/users/7": 404, "/health": 200, "/debug": 200} {
				if code := srv.Do(t, "GET", path, map[string]string{"traceparent": traceparent}); code != want {
					t.Errorf("GET %s = %d, want %d", path, code, want)
				}
			}
			srv.Stop(t, syscall.SIGTERM)
			checkFuncSpans(t, e2e.ConsoleSpans(t, srv.Stdout()))
		})
	}
}

func checkFuncSpans(t *testing.T, spans []e2e.Span) {
	t.Helper()
	byID := map[string]e2e.Span{}
	for _, s := range spans {
		byID[s.SpanID] = s
	}
	parentName := func(s e2e.Span) string { return byID[s.ParentSpanID].Name }
	count := map[string]int{}
	for _, s := range spans {
		count[s.Name]++
		if s.TraceID != parentTraceID {
			t.Errorf("span %s is in trace %s, want the request's %s", s.Name, s.TraceID, parentTraceID)
		}
		switch s.Name {
		case "users.lookup":
			if s.Kind != "internal" || parentName(s) != "GET /users/{id}" {
				t.Errorf("users.lookup: kind %s, parent %q", s.Kind, parentName(s))
			}
		case "store.Store.Get":
			if parentName(s) != "users.lookup" {
				t.Errorf("store.Store.Get: parent %q, want users.lookup", parentName(s))
			}
		case "main.render":
			if parentName(s) != "GET /users/{id}" || s.Status != "unset" {
				t.Errorf("main.render: parent %q, status %s", parentName(s), s.Status)
			}
		case "main.greeting":
			if parentName(s) != "main.render" {
				t.Errorf("main.greeting: parent %q, want main.render (its call is woven with r in scope)", parentName(s))
			}
		case "GET /users/{id}", "GET /debug":
		default:
			t.Errorf("unexpected span %q (excluded or ignored code was traced?)", s.Name)
		}
	}
	want := map[string]int{"GET /users/{id}": 2, "users.lookup": 2, "store.Store.Get": 2, "main.render": 1, "main.greeting": 1, "GET /debug": 1}
	for name, n := range want {
		if count[name] != n {
			t.Errorf("%d spans named %q, want %d (all: %v)", count[name], name, n, count)
		}
	}
	// The failed lookup records the error the functions returned.
	failed := 0
	for _, s := range spans {
		if (s.Name == "users.lookup" || s.Name == "store.Store.Get") && s.Status == "error" {
			failed++
			if s.StatusMessage != "user 7 not found" || len(s.Events) != 1 || s.Events[0] != "exception" {
				t.Errorf("%s: status message %q, events %v", s.Name, s.StatusMessage, s.Events)
			}
		}
	}
	if failed != 2 {
		t.Errorf("%d function spans recorded the error, want 2 (users.lookup and store.Store.Get of /users/7)", failed)
	}
}

// hookView is a package for testdata/funcspans that reads the hook
// variable woven into (*Store).Get through //go:linkname. (It cannot be in
// the store's test packages: the generated file declares the same name
// there.)
const hookView = `// Package hookview tells whether the function-span hook of (*store.Store).Get is bound.
package hookview

import _ "unsafe"

//go:linkname hook example.com/funcspans/store.ssaweaveSpan_Store_Get
var hook func(parent any, name string) (ctx any, end func(err *error))

// Bound reports whether the hook is bound.
func Bound() bool { return hook != nil }
`

// boundTest is a test of the store package that checks, through hookview,
// whether the generated file bound the hook, as WANT_BOUND says it should.
const boundTest = `package store_test

import (
	"context"
	"os"
	"testing"

	"example.com/funcspans/hookview"
	"example.com/funcspans/store"
)

func TestHookBinding(t *testing.T) {
	if _, err := store.New().Get(context.Background(), "42"); err != nil {
		t.Fatal(err)
	}
	if got, want := hookview.Bound(), os.Getenv("WANT_BOUND") == "1"; got != want {
		t.Fatalf("function-span hook bound: %v, want %v", got, want)
	}
}
`

// TestUnboundHooks checks that the function-span hooks of a program that
// installs no TracerProvider of its own stay unbound (a woven function
// then costs a nil check) exactly when the runtime can record nothing: no
// SDK (OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER=none) or a sampler that
// samples nothing, and are bound otherwise. It weaves the test binary of
// testdata/funcspans' store package, whose test reads the hook variable.
// (TestProgramOwnTracerProvider checks the other side: a program that
// installs its own provider keeps its hooks bound with the runtime off.)
func TestUnboundHooks(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "funcspans")
	if err := os.Mkdir(filepath.Join(dir, "hookview"), 0o755); err != nil {
		t.Fatal(err)
	}
	for file, src := range map[string]string{"hookview/hookview.go": hookView, "store/bound_test.go": boundTest} {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	plan := e2e.Run(t, dir, e2e.Env(), bin, "plan", ".")
	if !strings.Contains(plan, "woven   hooks.unbound") {
		t.Errorf("the plan should leave the hooks unbound with tracing off:\n%s", plan)
	}
	test := filepath.Join(t.TempDir(), "store.test")
	e2e.Run(t, dir, e2e.Env(), bin, "go", "test", "-c", "-o", test, "./store")
	for _, c := range []struct {
		env   []string
		bound bool
	}{
		{[]string{"OTEL_TRACES_EXPORTER=console"}, true},
		{[]string{"OTEL_TRACES_EXPORTER=console", "OTEL_TRACES_SAMPLER=parentbased_always_off"}, true},
		{[]string{"OTEL_TRACES_EXPORTER=console", "OTEL_TRACES_SAMPLER=traceidratio", "OTEL_TRACES_SAMPLER_ARG=0.5"}, true},
		{[]string{"OTEL_TRACES_EXPORTER=none"}, false},
		{[]string{"OTEL_SDK_DISABLED=true"}, false},
		{[]string{"OTEL_TRACES_EXPORTER=console", "OTEL_TRACES_SAMPLER=always_off"}, false},
		{[]string{"OTEL_TRACES_EXPORTER=console", "OTEL_TRACES_SAMPLER=traceidratio", "OTEL_TRACES_SAMPLER_ARG=0"}, false},
	} {
		want := "WANT_BOUND=0"
		if c.bound {
			want = "WANT_BOUND=1"
		}
		if out, err := e2e.RunErr(dir, e2e.Env(append(c.env, want)...), test, "-test.run=^TestHookBinding$"); err != nil {
			t.Errorf("%v: %v\n%s", c.env, err, out)
		}
	}
}
