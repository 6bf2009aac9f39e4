package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ssaweave/ssaweave/internal/e2e"
)

// Robustness tests (issue 7). Two kinds:
//
//   - Real test suites, woven: the standard library's own tests of packages
//     ssaweave weaves (log/slog, database/sql, net/http) and a third-party
//     router's (chi), run plain and woven, must report the same outcome for
//     every test, except the tests listed in stdlibDiffs, each with its
//     reason (DESIGN.md, "Real test suites, woven"). They take minutes and
//     run only with SSAWEAVE_LONG=1, except log/slog's (seconds).
//   - Concurrency and faults, cheap enough for CI: two programs woven at
//     once sharing the caches, a build with -p 16, and builds killed with
//     SIGKILL at random moments and then rebuilt.

// suiteRun is what one `go test -json` run reported.
type suiteRun struct {
	// results maps "package test" (a subtest as "Test/sub") to the test's
	// last action: pass, fail or skip.
	results map[string]string
	// output maps each package to its test binary's output, in order:
	// test lines and, with the console exporter, span JSON. Concatenated,
	// because test2json cuts long lines into several events.
	output map[string]string
	// stderr is what the go command (and ssaweave) wrote besides.
	stderr string
}

// goTestJSON runs a `go test -json` command line (name and args, in dir
// with env) and parses its events. Failing tests make the command fail,
// which is what the caller compares; a package that does not build fails
// t.
func goTestJSON(t *testing.T, dir string, env []string, name string, args ...string) suiteRun {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, &stdout, &stderr
	err := cmd.Run()
	if ee := (*exec.ExitError)(nil); err != nil && !errors.As(err, &ee) {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	run := suiteRun{results: map[string]string{}, output: map[string]string{}, stderr: stderr.String()}
	outputs := map[string]*strings.Builder{}
	var buildOutput strings.Builder
	dec := json.NewDecoder(&stdout)
	for dec.More() {
		var ev struct{ Action, Package, Test, Output, FailedBuild string }
		if err := dec.Decode(&ev); err != nil {
			t.Fatalf("%s %s: output is not go test -json: %v\nstderr:\n%s", name, strings.Join(args, " "), err, stderr.String())
		}
		switch {
		case ev.Action == "build-output":
			buildOutput.WriteString(ev.Output)
		case ev.Action == "build-fail" || ev.FailedBuild != "":
			t.Fatalf("%s %s: a package does not build:\n%s\nstderr:\n%s", name, strings.Join(args, " "), buildOutput.String(), stderr.String())
		case ev.Action == "output":
			b := outputs[ev.Package]
			if b == nil {
				b = new(strings.Builder)
				outputs[ev.Package] = b
			}
			b.WriteString(ev.Output)
		case ev.Test != "" && (ev.Action == "pass" || ev.Action == "fail" || ev.Action == "skip"):
			run.results[ev.Package+" "+ev.Test] = ev.Action
		}
	}
	for pkg, b := range outputs {
		run.output[pkg] = b.String()
	}
	if len(run.results) == 0 {
		t.Fatalf("%s %s reported no test\nstderr:\n%s", name, strings.Join(args, " "), stderr.String())
	}
	return run
}

// compareSuites fails t for every test whose outcome differs between the
// plain and the woven run, except the tests under a top-level test for
// which known(package, test) holds. A test missing from one run (it did
// not run, or the binary died before it) counts as a difference.
func compareSuites(t *testing.T, label string, plain, woven suiteRun, known func(pkg, test string) bool) {
	t.Helper()
	var keys []string
	for k := range plain.results {
		keys = append(keys, k)
	}
	for k := range woven.results {
		if _, ok := plain.results[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var diffs []string
	same := 0
	for _, k := range keys {
		pkg, test, _ := strings.Cut(k, " ")
		top, _, _ := strings.Cut(test, "/")
		if known != nil && known(pkg, top) {
			continue
		}
		p, w := plain.results[k], woven.results[k]
		if p == w {
			same++
			continue
		}
		diffs = append(diffs, fmt.Sprintf("  %s %s: plain %s, woven %s", pkg, test, cmpOr(p, "(not run)"), cmpOr(w, "(not run)")))
	}
	t.Logf("%s: %d tests with the same outcome plain and woven", label, same)
	if len(diffs) > 0 {
		if len(diffs) > 60 {
			diffs = append(diffs[:60], fmt.Sprintf("  ... and %d more", len(diffs)-60))
		}
		t.Errorf("%s: %d tests differ woven:\n%s", label, len(diffs), strings.Join(diffs, "\n"))
	}
}

func cmpOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// Reasons of the standard library's tests that behave differently woven;
// DESIGN.md ("Real test suites, woven") explains each.
const (
	sqlWhiteBox       = "white-box: asserts the concrete type of the fake driver's connection, transaction, rows or connector, which otelsql wraps"
	sqlRaw            = "sql.Conn.Raw hands over otelsql's connection, not the driver's"
	sqlConverter      = "otelsql does not forward driver.ColumnConverter: arguments get the default conversion, not the statement's"
	sqlScanType       = "otelsql does not forward driver.RowsColumnTypeScanType: ColumnType.ScanType is any"
	sqlExecer         = "otelsql does not call a connection's context-free driver.Execer: Exec prepares instead"
	httpTraceparent   = "the client adds traceparent; the test wants exactly the headers it set"
	httpTimeoutText   = "a Client.Timeout error no longer says (Client.Timeout exceeded ...) (DESIGN, Known limits)"
	httpBodyWrapper   = "otelhttp wraps the request body, which hides an in-memory body from the Transport: headers and body go out in separate writes, without ReadFrom"
	httpPanicNil      = "panic(nil) with GODEBUG=panicnil=1: the SDK's Span.End recovers it, sees nil and does not re-panic"
	httpLeakCheck     = "net/http's exit-time goroutine leak check (outside -short, in the child it runs under strace) sees the SDK's batch span processor"
	httpNoBody        = "otelhttp wraps the response body, so Response.Body is never http.NoBody"
	httpFlushError    = "otelhttp's ResponseWriter wrapper implements Flush, not FlushError: ResponseController.Flush loses the error"
	httpTrailer       = "otelhttp clones the request (Request.Clone copies Trailer): trailer values set while the body is sent are lost"
	httpCancelRequest = "otelhttp clones the request, so the deprecated Transport.CancelRequest finds nothing to cancel (the test hangs)"
	httpCaller        = "the superfluous-WriteHeader log names otelhttp's wrapper as the caller, not the handler"
)

// suiteDiff is a top-level test of a standard library suite known to
// behave differently woven.
type suiteDiff struct {
	pkg, test string
	// recording is set when the difference needs recorded spans
	// (OTEL_TRACES_EXPORTER=console): with none, rt keeps otelhttp out
	// and the test behaves as plain. otelsql wraps every database either
	// way (a program may install a TracerProvider later).
	recording bool
	woven     string // the test's outcome woven: "fail" (a timeout too) or "skip"
	// flaky is set when the difference shows in some runs only (a race
	// with a timer): the check that it still differs runs the test 30
	// times.
	flaky  bool
	reason string
}

// stdlibDiffs lists every test of log/slog, database/sql and net/http
// whose outcome differs woven. TestStdlibSuitesWoven checks both ways: no
// other test differs, and each of these still does.
var stdlibDiffs = func() []suiteDiff {
	var d []suiteDiff
	sql := func(reason string, tests ...string) {
		for _, test := range tests {
			d = append(d, suiteDiff{pkg: "database/sql", test: test, woven: "fail", reason: reason})
		}
	}
	sql(sqlWhiteBox, "TestQuery", "TestQueryContext", "TestQueryContextWait", "TestTxContextWait", "TestTxContextWaitNoDiscard",
		"TestMultiResultSetQuery", "TestQueryNamedArg", "TestTxStmtPreparedOnce", "TestTxStmtClosedRePrepares", "TestParentStmtOutlivesTxStmt",
		"TestTxStmtFromTxStmtRePrepares", "TestConnQuery", "TestConnRaw", "TestInvalidNilValues", "TestConnTx", "TestQueryRowClosingStmt",
		"TestRowsImplicitClose", "TestRowsCloseError", "TestManyErrBadConn", "TestTxCannotCommitAfterRollback", "TestConnExpiresFreshOutOfPool",
		"TestIssue20647", "TestOpenConnector", "TestQueryExecContextOnly")
	sql(sqlRaw, "TestConnIsValid")
	sql(sqlConverter, "TestExec", "TestNullStringParam", "TestGenericNullStringParam", "TestNullInt64Param", "TestNullInt32Param",
		"TestNullInt16Param", "TestNullByteParam", "TestNullFloat64Param", "TestNullBoolParam", "TestNullTimeParam",
		"TestColumnConverterWithUnknownInputCount")
	sql(sqlScanType, "TestRowsColumnTypes")
	sql(sqlExecer, "TestBadDriver")
	http := func(woven, reason string, tests ...string) {
		for _, test := range tests {
			d = append(d, suiteDiff{pkg: "net/http", test: test, recording: true, woven: woven, reason: reason})
		}
	}
	http("fail", httpTraceparent, "TestClientCopyHeadersOnRedirect")
	http("fail", httpTimeoutText, "TestClientTimeout", "TestClientTimeout_Headers")
	d[len(d)-2].flaky = true // about one run in two
	d[len(d)-1].flaky = true // about one run in five
	http("fail", httpBodyWrapper, "TestClientWrites", "TestTransportRequestWriteRoundTrip", "TestRetryRequestsOnError")
	http("fail", httpPanicNil, "TestInterruptWithPanic")
	http("skip", httpLeakCheck, "TestLinuxSendfile")
	http("fail", httpNoBody, "TestNoBodyOnChunked304Response")
	http("fail", httpFlushError, "TestResponseControllerSetPastWriteDeadline")
	http("fail", httpTrailer, "TestTrailersClientToServer")
	http("fail", httpCancelRequest, "TestTransportAndServerSharedBodyRace")
	http("fail", httpCaller, "TestWriteHeaderNoCodeCheck", "TestWriteHeaderNoCodeCheck_h1hijack")
	return d
}()

// knownDiffs returns the entries of diffs for pkg that apply to exporter.
func knownDiffs(diffs []suiteDiff, pkg, exporter string) []suiteDiff {
	var out []suiteDiff
	for _, d := range diffs {
		if d.pkg == pkg && (!d.recording || exporter != "none") {
			out = append(out, d)
		}
	}
	return out
}

// skipPattern returns a go test -skip pattern matching exactly the
// top-level tests of diffs, or "" for none.
func skipPattern(diffs []suiteDiff) string {
	if len(diffs) == 0 {
		return ""
	}
	names := make([]string, len(diffs))
	for i, d := range diffs {
		names[i] = d.test
	}
	return "^(" + strings.Join(names, "|") + ")$"
}

// suiteModule writes an empty module to run go test from: the wrapper
// needs one for its private go.mod.
func suiteModule(t *testing.T) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/suites\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestStdlibSuitesWoven runs the standard library's own tests of packages
// ssaweave weaves, plain and woven (`ssaweave go test -short -json`), with
// OTEL_TRACES_EXPORTER=none and with the console exporter, and compares
// the outcome of every test. The woven test binaries get the runtime file
// in an external test package (see DESIGN, "Test binaries"); before, the
// ones of database/sql and net/http did not build (import cycle).
// log/slog's part takes seconds and always runs; the others take minutes
// and run only with SSAWEAVE_LONG=1.
func TestStdlibSuitesWoven(t *testing.T) {
	pkgs := []string{"log/slog"}
	if os.Getenv("SSAWEAVE_LONG") == "1" {
		pkgs = append(pkgs, "database/sql", "net/http")
	} else {
		t.Log("log/slog only: set SSAWEAVE_LONG=1 to run the suites of database/sql and net/http too (minutes)")
	}
	bin := e2e.SSAWeave(t)
	mod := suiteModule(t)
	bins := t.TempDir()

	start := time.Now()
	plain := goTestJSON(t, mod, e2e.Env(), "go", append([]string{"test", "-short", "-count=1", "-json"}, pkgs...)...)
	t.Logf("plain go test -short %s: %v", strings.Join(pkgs, " "), time.Since(start).Round(time.Second))
	for _, d := range stdlibDiffs {
		if !slices.Contains(pkgs, d.pkg) {
			continue
		}
		if r := plain.results[d.pkg+" "+d.test]; r != "pass" {
			t.Errorf("%s %s is %q plainly; the list of known differences expects it to pass", d.pkg, d.test, r)
		}
	}

	for _, exporter := range []string{"none", "console"} {
		env := e2e.Env("OTEL_TRACES_EXPORTER=" + exporter)
		for _, pkg := range pkgs {
			known := knownDiffs(stdlibDiffs, pkg, exporter)
			args := []string{"go", "test", "-short", "-count=1", "-json", "-timeout=5m"}
			if p := skipPattern(known); p != "" {
				// Several of them panic, which ends the test binary,
				// and one hangs: run the others.
				args = append(args, "-skip", p)
			}
			start := time.Now()
			woven := goTestJSON(t, mod, env, bin, append(args, pkg)...)
			t.Logf("woven %s (OTEL_TRACES_EXPORTER=%s): %v", pkg, exporter, time.Since(start).Round(time.Second))
			if strings.Contains(woven.stderr, "nothing to weave") {
				t.Logf("%s: its test binary has nothing to weave: built plainly", pkg)
			} else if exporter == "console" && len(e2e.ConsoleSpans(t, woven.output[pkg])) == 0 {
				t.Errorf("%s woven with the console exporter printed no span\nstderr:\n%s", pkg, woven.stderr)
			}
			plainPkg := suiteRun{results: map[string]string{}}
			for k, v := range plain.results {
				if strings.HasPrefix(k, pkg+" ") {
					plainPkg.results[k] = v
				}
			}
			compareSuites(t, pkg+" with OTEL_TRACES_EXPORTER="+exporter, plainPkg, woven, func(_, test string) bool {
				return slices.ContainsFunc(known, func(d suiteDiff) bool { return d.test == test })
			})

			// Each known difference still is one: run it alone in the
			// woven test binary (a panic ends the binary).
			if len(known) == 0 {
				continue
			}
			testBin := filepath.Join(bins, strings.ReplaceAll(pkg, "/", "_")+".test")
			if _, err := os.Stat(testBin); err != nil {
				e2e.Run(t, mod, e2e.Env(), bin, "go", "test", "-c", "-o", testBin, pkg)
			}
			pkgDir := strings.TrimSpace(e2e.Run(t, mod, e2e.Env(), "go", "list", "-f", "{{.Dir}}", pkg))
			for _, d := range known {
				count := "-test.count=1"
				if d.flaky {
					count = "-test.count=30"
				}
				out, err := e2e.RunErr(pkgDir, env, testBin, "-test.short", "-test.v", "-test.timeout=20s", count, "-test.run=^"+d.test+"$")
				got := "pass"
				switch {
				case err != nil:
					got = "fail"
				case strings.Contains(out, "--- SKIP: "+d.test+" "):
					got = "skip"
				}
				if got != d.woven {
					t.Errorf("%s %s woven (OTEL_TRACES_EXPORTER=%s): %s, but the list of known differences says %s (%s); remove it from stdlibDiffs if it passes now", pkg, d.test, exporter, got, d.woven, d.reason)
				}
			}
		}
	}
}

// chiVersion is the chi release whose test suite TestThirdPartySuiteWoven
// runs: a router ssaweave weaves (its own package gets the chi.route hook),
// with no dependencies and a suite of about 30 s.
const chiVersion = "github.com/go-chi/chi/v5@v5.2.3"

// TestThirdPartySuiteWoven runs the test suite of chi, a third-party HTTP
// router, plain and woven, from a copy of its module made the main
// module, and wants the same outcome for every test with both exporters,
// and chi's route templates in the woven spans.
func TestThirdPartySuiteWoven(t *testing.T) {
	longMode(t)
	bin := e2e.SSAWeave(t)
	var info struct{ Dir, Error string }
	out := e2e.Run(t, t.TempDir(), e2e.Env("GOFLAGS=-mod=mod"), "go", "mod", "download", "-json", chiVersion)
	if err := json.Unmarshal([]byte(out), &info); err != nil || info.Dir == "" {
		t.Fatalf("go mod download %s: %v %s\n%s", chiVersion, err, info.Error, out)
	}
	// A writable copy, built as the main module: the go command adds no
	// files to packages in the module cache, so test binaries of packages
	// there cannot be woven (DESIGN, Known limits).
	dir := e2e.CopyDir(t, info.Dir)

	start := time.Now()
	plain := goTestJSON(t, dir, e2e.Env(), "go", "test", "-short", "-count=1", "-json", "./...")
	t.Logf("plain go test -short ./... of %s: %v, %d tests", chiVersion, time.Since(start).Round(time.Second), len(plain.results))
	for _, exporter := range []string{"none", "console"} {
		start := time.Now()
		woven := goTestJSON(t, dir, e2e.Env("OTEL_TRACES_EXPORTER="+exporter), bin, "go", "test", "-short", "-count=1", "-json", "./...")
		t.Logf("woven (OTEL_TRACES_EXPORTER=%s): %v", exporter, time.Since(start).Round(time.Second))
		compareSuites(t, chiVersion+" with OTEL_TRACES_EXPORTER="+exporter, plain, woven, nil)
		if exporter != "console" {
			continue
		}
		// The router's own package is woven: server spans carry its
		// route templates.
		routes := 0
		for _, s := range e2e.ConsoleSpans(t, woven.output["github.com/go-chi/chi/v5"]) {
			if s.Kind == "server" && strings.Contains(s.Attributes["http.route"], "{") {
				routes++
			}
		}
		if routes == 0 {
			t.Errorf("no server span of chi's tests has a chi route template (http.route with {param})\nstderr:\n%s", woven.stderr)
		}
	}
}

// Concurrency and faults.

// serverSymbols and slogappSymbols are symbols that only woven builds of
// testdata/httpserver and testdata/slogapp link.
var (
	serverSymbols  = []string{"net/http.ssaweaveHook_serverHandler_ServeHTTP", "github.com/ssaweave/ssaweave/rt.Start"}
	slogappSymbols = []string{"log/slog.ssaweaveHook_Logger_log", "net/http.ssaweaveHook_serverHandler_ServeHTTP", "github.com/ssaweave/ssaweave/rt.Start"}
)

// checkSymbols asserts that the binary at path links every symbol of want.
func checkSymbols(t *testing.T, path string, want []string) {
	t.Helper()
	syms := e2e.Run(t, filepath.Dir(path), e2e.Env(), "go", "tool", "nm", path)
	for _, s := range want {
		if !strings.Contains(syms, s) {
			t.Errorf("%s is not woven: no symbol %s", filepath.Base(path), s)
		}
	}
}

// runServer runs a woven testdata/httpserver binary, sends it the requests
// of TestWrapperBuild and checks their spans.
func runServer(t *testing.T, bin string) {
	t.Helper()
	srv := e2e.Start(t, bin, e2e.Env("OTEL_TRACES_EXPORTER=console"))
	if code := srv.Do(t, "GET", "/users/42", map[string]string{"traceparent": traceparent}); code != 200 {
		t.Fatalf("GET /users/42 = %d", code)
	}
	if code := srv.Do(t, "GET", "/health", nil); code != 200 {
		t.Fatalf("GET /health = %d", code)
	}
	srv.Stop(t, syscall.SIGTERM)
	checkServerSpans(t, e2e.ConsoleSpans(t, srv.Stdout()))
}

// runSlogapp runs a woven testdata/slogapp binary, sends it one request
// and checks that the record it logs with the request's context carries
// the server span's IDs.
func runSlogapp(t *testing.T, bin string) {
	t.Helper()
	srv := e2e.Start(t, bin, e2e.Env("OTEL_TRACES_EXPORTER=console"))
	if code := srv.Do(t, "GET", "/hello/ada", nil); code != 200 {
		t.Fatalf("GET /hello/ada = %d", code)
	}
	srv.Stop(t, syscall.SIGTERM)
	var server *e2e.Span
	spans := e2e.ConsoleSpans(t, srv.Stdout())
	for i, s := range spans {
		if s.Kind == "server" {
			server = &spans[i]
		}
	}
	if server == nil {
		t.Fatalf("no server span; got %+v", spans)
	}
	for _, line := range e2e.Lines(srv.Stderr()) {
		var r slogRecord
		if json.Unmarshal([]byte(line), &r) == nil && r.Msg == "hello" {
			if r.TraceID != server.TraceID || r.SpanID != server.SpanID {
				t.Errorf("record %q: trace_id %q span_id %q, want the server span's %s %s", line, r.TraceID, r.SpanID, server.TraceID, server.SpanID)
			}
			return
		}
	}
	t.Errorf("no JSON record \"hello\" on stderr:\n%s", srv.Stderr())
}

// robustProgram is a testdata program built by the concurrency tests.
type robustProgram struct {
	name, pkg string   // testdata directory, package to build
	symbols   []string // symbols its woven build links
	run       func(t *testing.T, bin string)
}

var (
	serverProgram  = robustProgram{"httpserver", "./cmd/server", serverSymbols, runServer}
	slogappProgram = robustProgram{"slogapp", ".", slogappSymbols, runSlogapp}
)

// TestConcurrentPrograms weaves two different programs at the same time,
// sharing one GOCACHE (the test's own) and one empty SSAWEAVE_CACHE, so
// that both prepare the runtime module, their private go.mod files and
// their plans at once and compile the same woven packages. Both binaries
// must be woven, work, and equal the binaries that sequential builds make.
func TestConcurrentPrograms(t *testing.T) {
	bin := e2e.SSAWeave(t)
	env := e2e.Env("SSAWEAVE_CACHE=" + filepath.Join(t.TempDir(), "cache"))
	programs := []robustProgram{serverProgram, slogappProgram}
	dirs := make([]string, len(programs))
	for i, p := range programs {
		dirs[i] = e2e.CopyProgram(t, p.name)
	}
	concurrent, sequential := t.TempDir(), t.TempDir()

	start := time.Now()
	var wg sync.WaitGroup
	outputs := make([]string, len(programs))
	errs := make([]error, len(programs))
	for i, p := range programs {
		wg.Go(func() {
			outputs[i], errs[i] = e2e.RunErr(dirs[i], env, bin, "go", "build", "-o", filepath.Join(concurrent, p.name), p.pkg)
		})
	}
	wg.Wait()
	t.Logf("two concurrent builds from an empty ssaweave cache: %v", time.Since(start).Round(100*time.Millisecond))
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent build of %s: %v\n%s", programs[i].name, err, outputs[i])
		}
	}

	start = time.Now()
	for i, p := range programs {
		e2e.Run(t, dirs[i], env, bin, "go", "build", "-o", filepath.Join(sequential, p.name), p.pkg)
	}
	t.Logf("the same two builds, one after the other: %v", time.Since(start).Round(100*time.Millisecond))
	for _, p := range programs {
		a, errA := os.ReadFile(filepath.Join(concurrent, p.name))
		b, errB := os.ReadFile(filepath.Join(sequential, p.name))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: the concurrent build differs from the sequential one (%d and %d bytes; %v, %v)", p.name, len(a), len(b), errA, errB)
		}
		checkSymbols(t, filepath.Join(concurrent, p.name), p.symbols)
		p.run(t, filepath.Join(concurrent, p.name))
	}
}

// TestParallelBuild builds testdata/httpserver woven with -p 16: through
// the wrapper on an empty SSAWEAVE_CACHE, and, on Linux, in toolexec-only
// mode, where the toolexec processes of one go command share a session:
// many tools at once must agree on one plan and one runtime. The
// toolexec-only build runs twice, with the test binary's cache and then
// with an empty one, from the same directory: the second used to link the
// first's cached main, compiled against the runtime in the other cache
// ("fingerprint mismatch"; see backend/toolexec, version). A new place of
// the runtime recompiles everything in toolexec-only mode, about 40 s here,
// so the second build runs with SSAWEAVE_LONG=1 only.
func TestParallelBuild(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "httpserver")
	out := t.TempDir()
	build := func(t *testing.T, env []string, exe string, args ...string) {
		t.Helper()
		start := time.Now()
		e2e.Run(t, dir, env, args[0], args[1:]...)
		t.Logf("woven build with -p 16: %v", time.Since(start).Round(100*time.Millisecond))
		checkSymbols(t, exe, serverSymbols)
		runServer(t, exe)
	}
	t.Run("wrapper", func(t *testing.T) {
		exe := filepath.Join(out, "wrapper")
		build(t, e2e.Env("SSAWEAVE_CACHE="+filepath.Join(t.TempDir(), "cache")), exe, bin, "go", "build", "-p", "16", "-o", exe, "./cmd/server")
	})
	t.Run("toolexec", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("toolexec-only mode needs Linux")
		}
		envs := [][]string{e2e.Env(), e2e.Env("SSAWEAVE_CACHE=" + filepath.Join(t.TempDir(), "cache"))}
		if os.Getenv("SSAWEAVE_LONG") != "1" {
			// The second build recompiles everything (about 40 s);
			// backend/toolexec's TestHooksKey covers the key in CI.
			envs = envs[:1]
		}
		for i, env := range envs {
			exe := filepath.Join(out, fmt.Sprintf("toolexec-%d", i))
			build(t, env, exe, "go", "build", "-p", "16", "-toolexec="+bin, "-o", exe, "./cmd/server")
		}
	})
}

// killedBuild starts `ssaweave go build -o exe pkg` in dir as the leader of
// a process group, kills the whole group with SIGKILL after delay, and
// reports whether the build was still running then.
func killedBuild(t *testing.T, bin, dir string, env []string, exe, pkg string, delay time.Duration) (killed bool) {
	t.Helper()
	cmd := exec.Command(bin, "go", "build", "-o", exe, pkg)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	setProcessGroup(cmd)
	// Should a process escape the group and keep the output pipe open,
	// Wait gives up on it rather than hang the test.
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the build failed before it was killed: %v\n%s", err, out.String())
		}
		return false
	case <-time.After(delay):
	}
	if err := killGroup(cmd); err != nil {
		t.Fatalf("killing the build's process group: %v", err)
	}
	err := <-done
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
	}
	// It finished between the timer and the kill.
	return false
}

// TestKilledBuild kills woven builds of testdata/httpserver with SIGKILL
// (the whole process group: wrapper, go command, toolexec processes,
// compilers) at random moments of a build from an empty SSAWEAVE_CACHE,
// then builds again in the same caches: the result must be a woven binary
// that works, whatever the killed build left behind (half-written files,
// stale locks, a partial plan or runtime module). The three delays fall in
// the first, second and last third of the build's measured duration, so
// that they land in different phases (planning, preparing the runtime,
// compiling and linking); they are logged, to reproduce a failure.
func TestKilledBuild(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("kills process groups (Linux)")
	}
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, serverProgram.name)
	out := t.TempDir()

	// The duration of an uninterrupted build from an empty ssaweave cache.
	ref := filepath.Join(out, "reference")
	start := time.Now()
	e2e.Run(t, dir, e2e.Env("SSAWEAVE_CACHE="+filepath.Join(t.TempDir(), "cache")), bin, "go", "build", "-o", ref, serverProgram.pkg)
	full := time.Since(start)
	t.Logf("an uninterrupted build from an empty ssaweave cache: %v", full.Round(100*time.Millisecond))
	checkSymbols(t, ref, serverProgram.symbols)

	for i := range 3 {
		delay := time.Duration((float64(i) + rand.Float64()) / 3 * float64(full))
		t.Run(fmt.Sprintf("kill at %v", delay.Round(time.Millisecond)), func(t *testing.T) {
			env := e2e.Env("SSAWEAVE_CACHE=" + filepath.Join(t.TempDir(), "cache"))
			exe := filepath.Join(out, fmt.Sprintf("server-%d", i))
			if !killedBuild(t, bin, dir, env, exe, serverProgram.pkg, delay) {
				t.Logf("the build finished before the kill at %v", delay)
			}
			start := time.Now()
			e2e.Run(t, dir, env, bin, "go", "build", "-o", exe, serverProgram.pkg)
			t.Logf("the build after the kill: %v", time.Since(start).Round(100*time.Millisecond))
			checkSymbols(t, exe, serverProgram.symbols)
			runServer(t, exe)
		})
	}
}
