package benchmarks

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Environment variables of BenchmarkBuild, BenchmarkHTTP and BenchmarkCalls.
// Unset, each benchmark does only what CI can afford on every run
// (`-benchtime=1x`): warm builds of the small program, a fraction of a
// second of load, a few thousand calls. benchmarks/bench.sh sets them.
const (
	// envBenchTool names a prebuilt ssaweave binary to measure; by default
	// each benchmark builds ../cmd/ssaweave.
	envBenchTool = "SSAWEAVE_BENCH_TOOL"
	// envBenchBuild, set to all, makes BenchmarkBuild build in every mode
	// (toolexec-only too) and measure every step; unset, it builds plain,
	// by hand and with the wrapper, and measures the first build, a build
	// with nothing changed and the first plan change only.
	envBenchBuild = "SSAWEAVE_BENCH_BUILD"
	// envBenchCold, set to 1, makes BenchmarkBuild start each build mode
	// from an empty GOCACHE and an empty ssaweave cache (the module cache
	// is kept: downloading is not building). It implies
	// SSAWEAVE_BENCH_BUILD=all.
	envBenchCold = "SSAWEAVE_BENCH_COLD"
	// envBenchRealBuild is the large real program (the variable
	// BenchmarkAnalysis reads too): a main package's import path and
	// version, github.com/caddyserver/caddy/v2/cmd/caddy@v2.11.9, fetched
	// through the module proxy. Unset, it is skipped.
	envBenchRealBuild = "SSAWEAVE_BENCH_REAL"
	// envBenchStrace, set to 0, turns off counting compiled packages with
	// strace.
	envBenchStrace = "SSAWEAVE_BENCH_STRACE"
	// envBenchHTTPTime is how long BenchmarkHTTP loads each service
	// (a Go duration; default 300ms, after 100ms of warm-up).
	envBenchHTTPTime = "SSAWEAVE_BENCH_HTTP_DURATION"
	// envBenchHTTPConns is how many connections the load generator keeps
	// busy (default 8).
	envBenchHTTPConns = "SSAWEAVE_BENCH_HTTP_CONNS"
	// envBenchCallTime is the -test.benchtime of the per-call benchmarks
	// that BenchmarkCalls runs (default 2000x).
	envBenchCallTime = "SSAWEAVE_BENCH_CALLTIME"
)

// commandTimeout bounds every command the benchmarks run: a cold build of
// the large program takes minutes, none should take an hour.
const commandTimeout = time.Hour

// repoRoot is the repository root, the parent of benchmarks/ (go test runs
// benchmarks in their package's directory).
func repoRoot(b *testing.B) string {
	b.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		b.Fatal(err)
	}
	return root
}

// ssaweaveTool returns the ssaweave binary to measure: $SSAWEAVE_BENCH_TOOL,
// or ../cmd/ssaweave built into a temporary directory of b.
func ssaweaveTool(b *testing.B) string {
	b.Helper()
	if p := os.Getenv(envBenchTool); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := os.Stat(abs); err != nil {
			b.Fatalf("%s=%s: %v", envBenchTool, p, err)
		}
		return abs
	}
	bin := filepath.Join(b.TempDir(), "ssaweave")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/ssaweave")
	cmd.Dir = repoRoot(b)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("building ssaweave: %v\n%s", err, out)
	}
	return bin
}

// copyTree copies the directory src to dst, which must not exist.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// cost is what one command cost.
type cost struct {
	wall time.Duration
	// cpu is user plus system time of the command and every process it
	// waited for: on a shared machine it varies less than wall time.
	cpu time.Duration
	// compiled lists the import path of every package the compiler was
	// run for, in every process of the command (nil when not counted).
	compiled []string
}

// straceOK reports whether compiled packages can be counted: strace is
// installed, works here (ptrace may be forbidden in containers), and
// counting is not turned off.
var straceOK = sync.OnceValue(func() bool {
	if os.Getenv(envBenchStrace) == "0" {
		return false
	}
	return exec.Command("strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=execve", "-o", os.DevNull, "true").Run() == nil
})

// straceError is a command failure in which strace reported an error of
// its own: the command's outcome is unknown.
type straceError struct{ msg string }

func (e *straceError) Error() string { return e.msg }

// measure runs argv in dir with env and returns its cost. When traced and
// strace works, the command runs under it, tracing only execve, which is
// how the compiles of every process are seen: the go command's -x and
// -debug-actiongraph only describe the go command they are given to,
// while a toolexec-only build compiles the runtime's hook packages in a
// child go command (backend/toolexec: go list -export) that they miss.
// strace stops the processes at each execve only (seccomp filter), which
// costs little against a build that compiles, but several times a build
// that compiles nothing (see buildSteps).
func measure(b *testing.B, dir string, env []string, traced bool, argv ...string) (cost, error) {
	b.Helper()
	var trace string
	if traced && straceOK() {
		trace = filepath.Join(b.TempDir(), "execve.trace")
		argv = append([]string{"strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=execve", "-e", "signal=none", "-s", "4096", "-o", trace, "--"}, argv...)
		defer os.Remove(trace)
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	c := cost{wall: time.Since(start)}
	if err != nil {
		msg := fmt.Sprintf("in %s: %s: %v\n%s", dir, strings.Join(argv, " "), err, tail(out.Bytes(), 60))
		if trace != "" && strings.Contains("\n"+out.String(), "\nstrace: ") {
			return c, &straceError{msg}
		}
		return c, errors.New(msg)
	}
	c.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if trace != "" {
		pkgs, err := compiledIn(trace)
		if err != nil {
			return c, err
		}
		c.compiled = pkgs
	}
	return c, nil
}

// mustRun runs argv in dir with env and returns its standard output.
func mustRun(b *testing.B, dir string, env []string, argv ...string) []byte {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("in %s: %s: %v\n%s", dir, strings.Join(argv, " "), err, tail(stderr.Bytes(), 60))
	}
	return out
}

// compilePkg matches the package argument of a compiler command line as
// strace prints it.
var compilePkg = regexp.MustCompile(`"-p", "([^"]+)"`)

// compiledIn reads an strace execve log and returns the package of every
// successful exec of the Go compiler (not counting its -V=full identity
// queries, which compile nothing).
func compiledIn(trace string) ([]string, error) {
	f, err := os.Open(trace)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var pkgs []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, `/compile", [`) || strings.Contains(line, "= -1 ") {
			continue
		}
		if m := compilePkg.FindStringSubmatch(line); m != nil {
			pkgs = append(pkgs, m[1])
		}
	}
	return pkgs, sc.Err()
}

// tail returns the last n lines of out, for error messages.
func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[... %d lines]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// withEnv returns os.Environ() with the given KEY=value settings
// replacing any earlier ones.
func withEnv(kv ...string) []string {
	env := os.Environ()
	for _, s := range kv {
		key, _, _ := strings.Cut(s, "=")
		env = slices.DeleteFunc(env, func(e string) bool { return strings.HasPrefix(e, key+"=") })
		env = append(env, s)
	}
	return env
}
