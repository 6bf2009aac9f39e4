package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/ssaweave/ssaweave/internal/e2e"
)

// The build-mode matrix builds one small program, testdata/buildmodes, in
// every configuration the go command offers. Configurations that recompile
// the standard library and OpenTelemetry for a target of their own cost
// half a minute to three minutes each on a cold build cache, which would
// take CI past its 20 minutes: the cross builds, -race, -trimpath, -pgo and
// pie run only with SSAWEAVE_LONG=1 (see longMode).

// longMode skips the calling subtest unless SSAWEAVE_LONG=1.
func longMode(t *testing.T) {
	t.Helper()
	if os.Getenv("SSAWEAVE_LONG") != "1" {
		t.Skip("recompiles the standard library and OpenTelemetry for one more configuration; set SSAWEAVE_LONG=1 to run it")
	}
}

// helloSymbols are symbols that only a woven build of testdata/buildmodes
// links: the server hook of net/http, the function span of the program's
// own hello.greet, and the runtime.
var helloSymbols = []string{
	"net/http.ssaweaveHook_serverHandler_ServeHTTP",
	"example.com/buildmodes/internal/hello.ssaweaveSpan_greet",
	"github.com/ssaweave/ssaweave/rt.Start",
}

// checkWoven asserts that the binary at path links helloSymbols.
func checkWoven(t *testing.T, path string) {
	t.Helper()
	checkSymbols(t, path, helloSymbols)
}

// checkPlain asserts that the binary at path links nothing of ssaweave's.
func checkPlain(t *testing.T, path string) {
	t.Helper()
	syms := e2e.Run(t, filepath.Dir(path), e2e.Env(), "go", "tool", "nm", path)
	if strings.Contains(syms, "ssaweave") {
		t.Errorf("%s should be a plain build, but links ssaweave symbols", filepath.Base(path))
	}
}

// checkHelloSpans asserts the spans of one request to GET /hello/{name}
// (url path) that testdata/buildmodes served to itself and printed with
// the console exporter: the client span, the server span named by the
// route, and the function span of hello.greet, in one trace, each the
// parent of the next.
func checkHelloSpans(t *testing.T, out, path string) {
	t.Helper()
	var client, server, greet *e2e.Span
	spans := e2e.ConsoleSpans(t, out)
	for i, s := range spans {
		switch {
		case s.Kind == "client":
			client = &spans[i]
		case s.Kind == "server" && s.Attributes["url.path"] == path:
			server = &spans[i]
		case s.Name == "hello.greet":
			greet = &spans[i]
		}
	}
	if client == nil || server == nil || greet == nil {
		t.Fatalf("want a client span, a server span for %s and a span named hello.greet; got %+v\noutput:\n%s", path, spans, out)
	}
	if server.Name != "GET /hello/{name}" || server.Attributes["http.route"] != "/hello/{name}" {
		t.Errorf("server span %q, route %q; want GET /hello/{name}", server.Name, server.Attributes["http.route"])
	}
	if server.TraceID != client.TraceID || server.ParentSpanID != client.SpanID {
		t.Errorf("server span is not the child of the client span: %+v, %+v", server, client)
	}
	if greet.TraceID != server.TraceID || greet.ParentSpanID != server.SpanID || greet.Kind != "internal" {
		t.Errorf("hello.greet is not an internal child of the server span: %+v, %+v", greet, server)
	}
}

// runHello runs a built testdata/buildmodes binary with the console
// exporter, checks its greeting (origin: "cgo" or "go") and its spans.
func runHello(t *testing.T, bin, origin string) {
	t.Helper()
	out := e2e.Run(t, filepath.Dir(bin), e2e.Env("OTEL_TRACES_EXPORTER=console"), bin)
	if want := "hello ada from " + origin + "\n"; !strings.HasPrefix(out, want) {
		t.Errorf("output starts %q, want %q", firstLine(out), want)
	}
	checkHelloSpans(t, out, "/hello/ada")
}

// envValue returns the last value of key in env.
func envValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if s, ok := strings.CutPrefix(kv, key+"="); ok {
			v = s
		}
	}
	return v
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

var coverageRE = regexp.MustCompile(`coverage: [0-9.]+% of statements[^\n]*`)

// TestBuildModes builds testdata/buildmodes woven in each build mode, and
// checks for each a woven binary (its symbols) and, where it can run here,
// its spans. The subtests share the build cache, so each configuration
// compiles the standard library and OpenTelemetry once.
func TestBuildModes(t *testing.T) {
	bin := e2e.SSAWeave(t)
	root := e2e.CopyProgram(t, "buildmodes")
	app := filepath.Join(root, "app")
	out := t.TempDir()
	env := e2e.Env("OTEL_TRACES_EXPORTER=console")
	build := func(t *testing.T, name string, env []string, args ...string) string {
		t.Helper()
		exe := filepath.Join(out, name)
		if strings.Contains(strings.Join(env, " "), "GOOS=windows") {
			exe += ".exe"
		}
		args = append(append([]string{"go", "build", "-o", exe}, args...), "./cmd/hello")
		e2e.Run(t, app, env, bin, args...)
		return exe
	}

	// `go -C dir`, from the directory above the module, with cgo on and a
	// cgo package in the program; the main package is under ./cmd/hello
	// and the module root has no Go file.
	t.Run("cgo -C", func(t *testing.T) {
		exe := filepath.Join(out, "hello-cgo")
		e2e.Run(t, root, append(env, "CGO_ENABLED=1"), bin, "go", "-C", "app", "build", "-o", exe, "./cmd/hello")
		checkWoven(t, exe)
		runHello(t, exe, "cgo")
	})
	// Each configuration below recompiles the standard library and
	// OpenTelemetry, so configurations that do not interact share a
	// build: cgo off with -trimpath, PGO with PIE.
	t.Run("CGO_ENABLED=0 -trimpath", func(t *testing.T) {
		longMode(t)
		exe := build(t, "hello-nocgo-trimpath", append(env, "CGO_ENABLED=0"), "-trimpath")
		checkWoven(t, exe)
		runHello(t, exe, "go")
		data, err := os.ReadFile(exe)
		if err != nil {
			t.Fatal(err)
		}
		// Rewritten files map back to the originals, which -trimpath
		// trims: neither the user's source directories nor the cache's
		// appear. (The build information names the replacement
		// directory of example.com/greeter, as in a plain build.)
		for _, dir := range []string{filepath.Join(app, "internal"), filepath.Join(app, "cmd"), filepath.Join(envValue(env, "SSAWEAVE_CACHE"), "src")} {
			if bytes.Contains(data, []byte(dir)) {
				t.Errorf("-trimpath binary contains %s", dir)
			}
		}
	})
	t.Run("-pgo=auto -buildmode=pie", func(t *testing.T) {
		longMode(t)
		// A fixed CPU profile (of some small process: any valid profile
		// will do), so that the build cache serves the PGO build again.
		profile := filepath.Join(app, "cmd", "hello", "default.pgo")
		data, err := os.ReadFile(filepath.Join(root, "hello.pgo"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(profile, data, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(profile)
		exe := build(t, "hello-pgo-pie", env, "-pgo=auto", "-buildmode=pie")
		checkWoven(t, exe)
		runHello(t, exe, "cgo")
		info := e2e.Run(t, app, env, "go", "version", "-m", exe)
		for _, want := range []string{"-pgo=", "-buildmode=pie"} {
			if !strings.Contains(info, want) {
				t.Errorf("the build information lacks %s:\n%s", want, info)
			}
		}
	})
	for _, target := range []struct {
		goos, goarch string
		long         bool
	}{{"linux", "arm64", true}, {"darwin", "arm64", true}, {"windows", "amd64", true}} {
		t.Run(target.goos+"/"+target.goarch, func(t *testing.T) {
			if target.long {
				longMode(t)
			}
			if runtime.GOOS == target.goos && runtime.GOARCH == target.goarch {
				t.Skip("not a cross build here")
			}
			exe := build(t, "hello-"+target.goos+"-"+target.goarch, append(env, "GOOS="+target.goos, "GOARCH="+target.goarch))
			checkWoven(t, exe)
		})
	}

	// go test weaves the test binary of a library package: the request
	// that TestHello serves has its spans, here in go test -json events.
	t.Run("go test -json", func(t *testing.T) {
		got := e2e.Run(t, app, env, bin, "go", "test", "-count=1", "-json", "./...")
		var output strings.Builder
		dec := json.NewDecoder(strings.NewReader(got))
		for dec.More() {
			var ev struct{ Action, Output string }
			if err := dec.Decode(&ev); err != nil {
				t.Fatalf("go test -json output: %v\n%s", err, got)
			}
			output.WriteString(ev.Output)
		}
		checkHelloSpans(t, output.String(), "/hello/test")
	})
	// Coverage counts the user's statements only: the same figures as a
	// plain build, with the spans of the woven one.
	for _, flag := range []string{"-cover", "-coverpkg=./..."} {
		t.Run("go test "+flag, func(t *testing.T) {
			got := e2e.Run(t, app, env, bin, "go", "test", "-count=1", "-v", flag, "./internal/hello")
			checkHelloSpans(t, got, "/hello/test")
			plain := e2e.Run(t, app, env, "go", "test", "-count=1", flag, "./internal/hello")
			if w, p := coverageRE.FindString(got), coverageRE.FindString(plain); w == "" || w != p {
				t.Errorf("woven %q, plain %q: want the same coverage\n%s", w, p, got)
			}
		})
	}
	t.Run("go test -race", func(t *testing.T) {
		longMode(t)
		got := e2e.Run(t, app, env, bin, "go", "test", "-count=1", "-v", "-race", "./internal/hello")
		checkHelloSpans(t, got, "/hello/test")
	})

	t.Run("go.work", func(t *testing.T) {
		work := filepath.Join(root, "go.work")
		if err := os.WriteFile(work, []byte("go 1.24\n\nuse (\n\t./app\n\t./greeter\n)\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(work)
		exe := build(t, "hello-work", env)
		checkWoven(t, exe)
		runHello(t, exe, "cgo")
		// A workspace module is built from its directory, as (devel);
		// through the replace directive it would be v0.0.0.
		info := e2e.Run(t, app, env, "go", "version", "-m", exe)
		if !regexp.MustCompile(`dep\s+example.com/greeter\s+\(devel\)`).MatchString(info) {
			t.Errorf("example.com/greeter is not a workspace module of the build:\n%s", info)
		}
		if data, err := os.ReadFile(work); err != nil || !strings.HasPrefix(string(data), "go 1.24\n") {
			t.Errorf("the user's go.work changed: %q, %v", data, err)
		}
	})
	t.Run("vendor", func(t *testing.T) {
		vroot := e2e.CopyProgram(t, "buildmodes")
		vapp := filepath.Join(vroot, "app")
		e2e.Run(t, vapp, env, "go", "mod", "vendor")
		before := e2e.TreeHash(t, vroot)
		for _, args := range [][]string{nil, {"-mod=vendor"}} {
			exe := filepath.Join(out, "hello-vendor")
			got := e2e.Run(t, vapp, env, bin, append(append([]string{"go", "build", "-o", exe}, args...), "./cmd/hello")...)
			if !strings.Contains(got, "vendor/") {
				t.Errorf("ssaweave go build %v does not say that it does not use vendor/:\n%s", args, got)
			}
			checkWoven(t, exe)
			runHello(t, exe, "cgo")
		}
		if e2e.TreeHash(t, vroot) != before {
			t.Error("the build changed the user's tree (go.mod, go.sum or vendor/)")
		}
	})
	// Once the module cache holds what the first build downloaded, a
	// build needs no network, even with an empty ssaweave cache.
	t.Run("GOPROXY=off", func(t *testing.T) {
		exe := build(t, "hello-offline", append(env, "GOPROXY=off", "SSAWEAVE_CACHE="+t.TempDir()))
		checkWoven(t, exe)
		runHello(t, exe, "cgo")
	})
	// SSAWEAVE_DISABLE=1 turns ssaweave off without changing the command:
	// the wrapper runs the go command as given, the toolexec backend runs
	// every tool unchanged.
	t.Run("SSAWEAVE_DISABLE=1", func(t *testing.T) {
		off := append(env, "SSAWEAVE_DISABLE=1")
		exe := build(t, "hello-disabled", off)
		checkPlain(t, exe)
		plain := filepath.Join(out, "hello-plain")
		e2e.Run(t, app, env, "go", "build", "-o", plain, "./cmd/hello")
		a, errA := os.ReadFile(exe)
		b, errB := os.ReadFile(plain)
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("SSAWEAVE_DISABLE=1 ssaweave go build differs from go build (%v, %v)", errA, errB)
		}
		tx := filepath.Join(out, "hello-disabled-toolexec")
		e2e.Run(t, app, append(off, "GOFLAGS=-toolexec="+bin), "go", "build", "-o", tx, "./cmd/hello")
		checkPlain(t, tx)
	})
}

// TestFailSafe checks what a user sees when the build cannot be woven:
// code that does not compile gets the compiler's own errors, at the
// original positions, in both modes, and nothing from ssaweave itself.
func TestFailSafe(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "broken")
	plain, err := e2e.RunErr(dir, e2e.Env(), "go", "build", "./cmd/app")
	if err == nil || !strings.Contains(plain, "cmd/app/main.go:7:2: undefined: notDeclared") {
		t.Fatalf("plain go build of testdata/broken: %v\n%s", err, plain)
	}
	for _, c := range []struct {
		name string
		env  []string
		cmd  []string
	}{
		{"wrapper build", nil, []string{bin, "go", "build", "./cmd/app"}},
		{"wrapper test", nil, []string{bin, "go", "test", "./..."}},
		{"toolexec", nil, []string{"go", "build", "-toolexec=" + bin, "./cmd/app"}},
		{"GOFLAGS toolexec", []string{"GOFLAGS=-toolexec=" + bin}, []string{"go", "build", "./cmd/app"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := e2e.RunErr(dir, e2e.Env(c.env...), c.cmd[0], c.cmd[1:]...)
			if err == nil {
				t.Fatalf("%v succeeded on code that does not compile:\n%s", c.cmd, got)
			}
			if !strings.Contains(got, plain) {
				t.Errorf("output lacks the compiler's own errors\n%s\nwant (as plain go prints them):\n%s", got, plain)
			}
			if strings.Contains(got, "ssaweave") || strings.Contains(got, "panic") {
				t.Errorf("output should be the go command's alone:\n%s", got)
			}
		})
	}
}

// TestCacheHygiene checks ssaweave's own files: private permissions, safe
// for concurrent builds, removed by ssaweave clean, and a clear error
// rather than a crash when the cache cannot be written.
func TestCacheHygiene(t *testing.T) {
	bin := e2e.SSAWeave(t)
	app := filepath.Join(e2e.CopyProgram(t, "buildmodes"), "app")
	cache := filepath.Join(t.TempDir(), "cache")
	env := e2e.Env("SSAWEAVE_CACHE=" + cache)
	out := t.TempDir()

	// Two builds at once, from an empty cache: both prepare the runtime
	// module, the private go.mod and the plan; both must succeed and agree.
	var wg sync.WaitGroup
	outputs := make([]string, 2)
	errs := make([]error, 2)
	for i := range outputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outputs[i], errs[i] = e2e.RunErr(app, env, bin, "go", "build", "-o", filepath.Join(out, "hello"+string(rune('a'+i))), "./cmd/hello")
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent build %d: %v\n%s", i, err, outputs[i])
		}
	}
	a, _ := os.ReadFile(filepath.Join(out, "helloa"))
	b, _ := os.ReadFile(filepath.Join(out, "hellob"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("concurrent builds differ (%d and %d bytes)", len(a), len(b))
	}
	checkWoven(t, filepath.Join(out, "helloa"))

	// Private permissions, and no temporary file left behind.
	n := 0
	err := filepath.WalkDir(cache, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v: group or others can access it", path, info.Mode().Perm())
		}
		if strings.HasPrefix(d.Name(), ".tmp-") {
			t.Errorf("temporary file left in the cache: %s", path)
		}
		n++
		return nil
	})
	if err != nil || n < 10 {
		t.Fatalf("walking the cache: %v (%d entries)", err, n)
	}

	got := e2e.Run(t, app, env, bin, "clean")
	if !strings.Contains(got, cache) {
		t.Errorf("ssaweave clean says %q, want the directory it removed", got)
	}
	if _, err := os.Stat(cache); !os.IsNotExist(err) {
		t.Errorf("the cache still exists after ssaweave clean: %v", err)
	}

	// A cache that cannot be created (a file is in the way): every entry
	// point fails with a message that names it and the way out.
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	bad := e2e.Env("SSAWEAVE_CACHE=" + filepath.Join(blocker, "cache"))
	for _, c := range []struct {
		name string
		env  []string
		cmd  []string
	}{
		{"wrapper", bad, []string{bin, "go", "build", "-o", filepath.Join(out, "x"), "./cmd/hello"}},
		{"plan", bad, []string{bin, "plan", "./cmd/hello"}},
		{"toolexec", bad, []string{"go", "build", "-o", filepath.Join(out, "y"), "-toolexec=" + bin, "./cmd/hello"}},
		{"clean", bad, []string{bin, "clean"}},
	} {
		t.Run("unwritable "+c.name, func(t *testing.T) {
			got, err := e2e.RunErr(app, c.env, c.cmd[0], c.cmd[1:]...)
			if err == nil {
				t.Fatalf("%v succeeded with an unusable cache:\n%s", c.cmd, got)
			}
			if !strings.Contains(got, "SSAWEAVE_CACHE") || !strings.Contains(got, blocker) {
				t.Errorf("the error should name the cache directory and SSAWEAVE_CACHE:\n%s", got)
			}
			if strings.Contains(got, "panic") || strings.Contains(got, "goroutine ") {
				t.Errorf("output looks like a panic:\n%s", got)
			}
		})
	}
}
