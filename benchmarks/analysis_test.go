// Package benchmarks holds ssaweave's benchmarks (README.md says what
// they measure and how to reproduce the figures).
package benchmarks

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssaweave/ssaweave/internal/gctune"
	"github.com/ssaweave/ssaweave/ssaweave"
)

// Environment variables that choose what BenchmarkAnalysis measures.
const (
	// envPrograms lists the testdata programs to plan, comma-separated,
	// or "all"; the default, httpserver, keeps CI's single run short.
	envPrograms = "SSAWEAVE_BENCH_PROGRAMS"
	// envReal names a large real program, as a main package's import
	// path and version (github.com/caddyserver/caddy/v2/cmd/caddy@v2.10.2),
	// to fetch through the module proxy into a temporary module and
	// plan. Unset, it is skipped: it downloads and loads for minutes.
	envReal = "SSAWEAVE_BENCH_REAL"
	// envSize, set to 1, also builds each program with `ssaweave go
	// build` and reports the binary's size.
	envSize = "SSAWEAVE_BENCH_SIZE"
	// envChild carries a child's job (a JSON job) from the benchmark to
	// the child process.
	envChild = "SSAWEAVE_BENCH_CHILD"
)

// resultPrefix starts the line on which a child prints its result.
const resultPrefix = "ssaweave-bench-result "

// job is what a child plans.
type job struct {
	Dir       string
	Patterns  []string
	Algorithm string
}

// result is what a child measured.
type result struct {
	ssaweave.Stats
	PeakKB int64         // VmHWM: the child's peak resident set
	CPU    time.Duration // the child's user and system time, which other load on the machine disturbs less than wall time
}

// programs are the testdata programs a plan can be made of: the
// directories of testdata/, and the precision programs of the call-graph
// tests.
var programs = []string{"chiapp", "deadhttp", "funcspans", "ginapp", "goroutines", "grpcapp", "httpclient",
	"httpserver", "ownprovider", "redisapp", "slogapp", "sqlapp", "precision"}

// programDir returns the directory of the testdata program name.
func programDir(name string) string {
	if name == "precision" {
		return filepath.Join("..", "ssaweave", "testdata", name)
	}
	return filepath.Join("..", "testdata", name)
}

// BenchmarkAnalysis measures the analysis: it plans programs with RTA and
// with VTA, each plan in a fresh child process so that its peak memory is its own. Metrics per
// plan: seconds to load (packages, types, SSA, rule matching), to build
// the call graphs and to plan; the peak resident set; functions reachable;
// sites (every match of every rule, the candidates a syntactic tool would
// instrument), reachable sites, woven sites, and the share of sites
// pruned.
func BenchmarkAnalysis(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("peak memory comes from /proc/self/status")
	}
	names := []string{"httpserver"}
	if v := os.Getenv(envPrograms); v == "all" {
		names = programs
	} else if v != "" {
		names = strings.Split(v, ",")
	}
	type target struct {
		name string
		job  job
	}
	var targets []target
	for _, n := range names {
		dir, err := filepath.Abs(programDir(n))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := os.Stat(dir); err != nil {
			b.Fatalf("%s=%s: %v (the programs are %s)", envPrograms, n, err, strings.Join(programs, ", "))
		}
		targets = append(targets, target{n, job{Dir: dir, Patterns: []string{"./..."}}})
	}
	if real := os.Getenv(envReal); real != "" {
		dir, pkg := fetchReal(b, real)
		name, _, _ := strings.Cut(real, "@")
		targets = append(targets, target{filepath.Base(name), job{Dir: dir, Patterns: []string{pkg}}})
	}
	var tool string
	if os.Getenv(envSize) == "1" {
		tool = buildTool(b)
	}
	for _, t := range targets {
		for _, alg := range []string{"rta", "vta"} {
			b.Run(t.name+"/"+alg, func(b *testing.B) {
				j := t.job
				j.Algorithm = alg
				var sum result
				for range b.N {
					r := runChild(b, j)
					sum.Load += r.Load
					sum.CallGraph += r.CallGraph
					sum.Plan += r.Plan
					sum.PeakKB = max(sum.PeakKB, r.PeakKB)
					sum.CPU += r.CPU
					sum.Stats.Algorithm, sum.Functions, sum.Sites, sum.Reachable, sum.Woven = r.Stats.Algorithm, r.Functions, r.Sites, r.Reachable, r.Woven
				}
				if sum.Stats.Algorithm != alg {
					b.Fatalf("planned with %s, asked for %s", sum.Stats.Algorithm, alg)
				}
				n := float64(b.N)
				b.ReportMetric(sum.Load.Seconds()/n, "load-s")
				b.ReportMetric(sum.CallGraph.Seconds()/n, "callgraph-s")
				b.ReportMetric(sum.Plan.Seconds()/n, "plan-s")
				b.ReportMetric(float64(sum.PeakKB)/1024, "peak-MB")
				b.ReportMetric(sum.CPU.Seconds()/n, "cpu-s")
				b.ReportMetric(float64(sum.Functions), "functions")
				b.ReportMetric(float64(sum.Sites), "sites")
				b.ReportMetric(float64(sum.Reachable), "reachable")
				b.ReportMetric(float64(sum.Woven), "woven")
				if sum.Sites > 0 {
					b.ReportMetric(100*float64(sum.Sites-sum.Woven)/float64(sum.Sites), "pruned-%")
				}
				if tool != "" {
					b.ReportMetric(binarySize(b, tool, j)/1e6, "binary-MB")
				}
			})
		}
	}
}

// runChild plans j in a child process and returns what it measured.
func runChild(b *testing.B, j job) result {
	b.Helper()
	spec, err := json.Marshal(j)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAnalysisChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), envChild+"="+string(spec))
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("planning %s %v with %s: %v\n%s%s", j.Dir, j.Patterns, j.Algorithm, err, out.Bytes(), stderr.Bytes())
	}
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), resultPrefix); ok {
			var r result
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				b.Fatal(err)
			}
			r.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			return r
		}
	}
	b.Fatalf("the child printed no result:\n%s%s", out.Bytes(), stderr.Bytes())
	return result{}
}

// TestAnalysisChild is the child process of BenchmarkAnalysis: it plans the
// job in $SSAWEAVE_BENCH_CHILD and prints what it measured. Without that
// variable it does nothing.
func TestAnalysisChild(t *testing.T) {
	spec := os.Getenv(envChild)
	if spec == "" {
		t.Skip("run by BenchmarkAnalysis")
	}
	var j job
	if err := json.Unmarshal([]byte(spec), &j); err != nil {
		t.Fatal(err)
	}
	// The collector setting of the ssaweave command (see package gctune).
	gctune.Apply()
	_, st, err := ssaweave.BuildStats(context.Background(), ssaweave.Options{Dir: j.Dir, Patterns: j.Patterns, Algorithm: j.Algorithm, Tool: "bench"})
	if err != nil {
		t.Fatal(err)
	}
	r := result{Stats: *st, PeakKB: vmHWM(t)}
	line, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("%s%s\n", resultPrefix, line)
}

// vmHWM returns the process's peak resident set size in kB.
func vmHWM(t *testing.T) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// fetchReal makes a temporary module that requires the module of spec
// (importpath@version) and holds a copy of its main package, and returns
// its directory and the package path.
func fetchReal(b *testing.B, spec string) (dir, pkg string) {
	b.Helper()
	dir = b.TempDir()
	gocmd, _ := fetchMain(b, envReal, spec, dir)
	gocmd("mod", "tidy")
	return dir, "."
}

// fetchMain makes dir a module that requires the module of spec
// (importpath@version, given in the environment variable env) and holds a
// copy of that main package's Go files: the go command adds no files to
// packages in the module cache, so a main package there cannot be woven;
// copied (what xcaddy does for caddy), it becomes the temporary module's
// main package, with the fetched module's requirements. It returns a
// runner of go commands in dir, which fails the benchmark on an error,
// and the names of the files copied.
func fetchMain(b *testing.B, env, spec, dir string) (gocmd func(args ...string) string, files []string) {
	b.Helper()
	pkg, version, ok := strings.Cut(spec, "@")
	if !ok {
		b.Fatalf("%s=%s: want importpath@version", env, spec)
	}
	gocmd = func(args ...string) string {
		b.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			b.Fatalf("%s: go %s: %v\n%s", env, strings.Join(args, " "), err, tail(stderr, 30))
		}
		return string(out)
	}
	gocmd("mod", "init", "example.com/ssaweavebench")
	gocmd("get", pkg+"@"+version)
	listed := strings.Fields(gocmd("list", "-f", "{{.Name}} {{.Dir}} {{range .GoFiles}}{{.}} {{end}}", pkg))
	if len(listed) < 3 || listed[0] != "main" {
		b.Fatalf("%s=%s: not a main package with Go files (go list: %v)", env, spec, listed)
	}
	for _, f := range listed[2:] {
		data, err := os.ReadFile(filepath.Join(listed[1], f))
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return gocmd, listed[2:]
}

// buildTool builds cmd/ssaweave for the size measurements.
func buildTool(b *testing.B) string {
	b.Helper()
	tool := filepath.Join(b.TempDir(), "ssaweave")
	cmd := exec.Command("go", "build", "-o", tool, "../cmd/ssaweave")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("building ssaweave: %v\n%s", err, out)
	}
	return tool
}

// binarySize builds j's program with `ssaweave go build` and the job's
// algorithm and returns the size of the binary (of the first main package
// when the patterns name several).
func binarySize(b *testing.B, tool string, j job) float64 {
	b.Helper()
	list := exec.Command("go", append([]string{"list", "-f", "{{if eq .Name \"main\"}}{{.ImportPath}}{{end}}"}, j.Patterns...)...)
	list.Dir = j.Dir
	out, err := list.Output()
	if err != nil {
		b.Fatalf("go list: %v", err)
	}
	mains := strings.Fields(string(out))
	if len(mains) == 0 {
		b.Fatalf("no main package in %s %v", j.Dir, j.Patterns)
	}
	bin := filepath.Join(b.TempDir(), "bin")
	cmd := exec.Command(tool, "go", "build", "-o", bin, mains[0])
	cmd.Dir = j.Dir
	cmd.Env = append(os.Environ(), ssaweave.EnvCallGraph+"="+j.Algorithm, "SSAWEAVE_CACHE="+filepath.Join(b.TempDir(), "cache"))
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("ssaweave go build %s: %v\n%s", mains[0], err, out)
	}
	fi, err := os.Stat(bin)
	if err != nil {
		b.Fatal(err)
	}
	return float64(fi.Size())
}
