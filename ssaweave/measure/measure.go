// Package measure measures what weaving costs a program once it is built:
// the size of its binaries plain and woven, and its benchmarks run plain
// and woven, interleaved, compared with benchstat's statistics
// (golang.org/x/perf/benchfmt and benchmath, the library behind the
// benchstat command).
package measure

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ssaweave/ssaweave/ssaweave"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
)

// Runner builds and runs a program plainly (the go command) and woven
// (ssaweave go ...), under the same flags and the same GOCACHE, so that
// the two differ only by the weaving.
type Runner struct {
	// SSAWeave is the ssaweave command that makes woven builds.
	SSAWeave string
	// Dir is the directory the go command runs in.
	Dir string
	// Flags are go build flags for both builds.
	Flags []string
	// Patterns are the packages whose benchmarks Bench runs.
	Patterns []string
	// BenchTime is the -test.benchtime of each benchmark run; "" for the
	// default.
	BenchTime string
	// Env is added to the process environment of every command.
	Env []string
	// Progress, when set, is told of each build and run.
	Progress func(string)
}

func (r *Runner) phase(s string) {
	if r.Progress != nil {
		r.Progress(s)
	}
}

// run runs name args in dir and returns its standard output; on failure
// the error holds its standard error.
func (r *Runner) run(ctx context.Context, dir string, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), r.Env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %v\n%s%s", filepath.Base(name), strings.Join(args, " "), err, stderr.Bytes(), stdout.Bytes())
	}
	return stdout.Bytes(), nil
}

// goCmd returns the command line of `go sub` plain or woven.
func (r *Runner) goCmd(woven bool, sub string, args ...string) (string, []string) {
	args = append(append([]string{sub}, r.Flags...), args...)
	if woven {
		return r.SSAWeave, append([]string{"go"}, args...)
	}
	return "go", args
}

// Sizes builds the main packages mains plainly and woven into a
// temporary directory and returns the sizes of their binaries.
func (r *Runner) Sizes(ctx context.Context, mains []string) ([]ssaweave.Size, error) {
	tmp, err := os.MkdirTemp("", "ssaweave-audit-size-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	sizes := make([]ssaweave.Size, len(mains))
	for k, woven := range []bool{false, true} {
		out := filepath.Join(tmp, fmt.Sprint(k)) + string(filepath.Separator)
		r.phase(fmt.Sprintf("building %d program(s) %s for their size", len(mains), buildName(woven)))
		name, args := r.goCmd(woven, "build", append([]string{"-o", out}, mains...)...)
		if _, err := r.run(ctx, r.Dir, name, args...); err != nil {
			return nil, fmt.Errorf("building for the binary size (-size=false skips it): %w", err)
		}
		for i, m := range mains {
			st, err := os.Stat(filepath.Join(out, binaryName(m)))
			if err != nil {
				return nil, fmt.Errorf("building for the binary size: %s: %w", m, err)
			}
			sizes[i].Main = m
			if woven {
				sizes[i].Woven = st.Size()
			} else {
				sizes[i].Plain = st.Size()
			}
		}
	}
	return sizes, nil
}

// buildName names a build in messages.
func buildName(woven bool) string {
	if woven {
		return "woven"
	}
	return "plain"
}

// binaryName is the file name go build -o DIR/ gives the binary of the
// main package path: its last element, or the one before a major version
// suffix (example.com/cmd/v2 → cmd).
func binaryName(importPath string) string {
	elem := path.Base(importPath)
	if len(elem) > 1 && elem[0] == 'v' && strings.Trim(elem[1:], "0123456789") == "" {
		if dir := path.Dir(importPath); dir != "." {
			elem = path.Base(dir)
		}
	}
	return elem
}

// testPackage is a package with tests, and its test binaries.
type testPackage struct {
	importPath, dir string
	bins            [2]string // plain, woven
}

// Bench builds the test binaries of the packages plainly and woven, runs
// the benchmarks matching pattern count times each, alternating plain and
// woven so that drifts of the machine hit both alike, and compares every
// unit (sec/op, B/op, allocs/op, ...) as benchstat does: medians with 95%
// confidence intervals, and a Mann-Whitney U test.
func (r *Runner) Bench(ctx context.Context, pattern string, count int) (*ssaweave.Bench, error) {
	tmp, err := os.MkdirTemp("", "ssaweave-audit-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	listArgs := append(append([]string{"list"}, r.Flags...), "-f", "{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}\t{{.Dir}}{{end}}")
	listed, err := r.run(ctx, r.Dir, "go", append(listArgs, r.Patterns...)...)
	if err != nil {
		return nil, err
	}
	var pkgs []*testPackage
	for line := range strings.SplitSeq(strings.TrimSpace(string(listed)), "\n") {
		if ip, dir, ok := strings.Cut(line, "\t"); ok {
			pkgs = append(pkgs, &testPackage{importPath: ip, dir: dir})
		}
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("-bench: no package of %s has test files, so there is no benchmark to run", strings.Join(r.Patterns, " "))
	}
	for k, woven := range []bool{false, true} {
		r.phase(fmt.Sprintf("building %d test binar(ies) %s", len(pkgs), buildName(woven)))
		for i, p := range pkgs {
			bin := filepath.Join(tmp, fmt.Sprintf("%d-%d.test", k, i))
			name, args := r.goCmd(woven, "test", "-c", "-o", bin, p.importPath)
			if _, err := r.run(ctx, r.Dir, name, args...); err != nil {
				return nil, fmt.Errorf("-bench: %w", err)
			}
			p.bins[k] = bin
		}
	}

	type key struct{ pkg, name, unit string }
	values := map[key]*[2][]float64{}
	var order []key
	for n := range count {
		for k := range 2 {
			r.phase(fmt.Sprintf("benchmarks: run %d of %d, %s", n+1, count, buildName(k == 1)))
			for _, p := range pkgs {
				args := []string{"-test.run=^$", "-test.bench=" + pattern, "-test.benchmem", "-test.count=1"}
				if r.BenchTime != "" {
					args = append(args, "-test.benchtime="+r.BenchTime)
				}
				out, err := r.run(ctx, p.dir, p.bins[k], args...)
				if err != nil {
					return nil, fmt.Errorf("-bench: %s %s: %w", buildName(k == 1), p.importPath, err)
				}
				rd := benchfmt.NewReader(bytes.NewReader(out), p.importPath)
				for rd.Scan() {
					res, ok := rd.Result().(*benchfmt.Result)
					if !ok {
						continue
					}
					for _, v := range res.Values {
						kk := key{p.importPath, string(res.Name.Full()), v.Unit}
						if values[kk] == nil {
							values[kk] = &[2][]float64{}
							order = append(order, kk)
						}
						values[kk][k] = append(values[kk][k], v.Value)
					}
				}
				if err := rd.Err(); err != nil {
					return nil, fmt.Errorf("-bench: reading the output of %s: %w", p.importPath, err)
				}
			}
		}
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("-bench: no benchmark of %s matches %q", strings.Join(r.Patterns, " "), pattern)
	}
	slices.SortStableFunc(order, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.pkg, b.pkg), cmp.Compare(a.name, b.name), cmp.Compare(unitRank(a.unit), unitRank(b.unit)), cmp.Compare(a.unit, b.unit))
	})
	thr := benchmath.DefaultThresholds
	bench := &ssaweave.Bench{Count: count, Confidence: Confidence, Alpha: thr.CompareAlpha}
	for _, k := range order {
		row := compareRow(values[k][0], values[k][1], &thr)
		row.Package, row.Name, row.Unit = k.pkg, k.name, k.unit
		bench.Rows = append(bench.Rows, row)
	}
	return bench, nil
}

// unitRank orders units as benchstat's tables do: time, bytes, allocations,
// then the others.
func unitRank(u string) int {
	switch u {
	case "sec/op":
		return 0
	case "B/op":
		return 1
	case "allocs/op":
		return 2
	}
	return 3
}

// Confidence is the confidence level of the intervals Bench reports.
const Confidence = 0.95

// compareRow compares one benchmark unit's plain and woven samples.
func compareRow(plain, woven []float64, thr *benchmath.Thresholds) ssaweave.BenchRow {
	s1, s2 := benchmath.NewSample(plain, thr), benchmath.NewSample(woven, thr)
	a := benchmath.AssumeNothing
	sum := func(s *benchmath.Sample) (ssaweave.BenchSummary, []error) {
		x := a.Summary(s, Confidence)
		sum := ssaweave.BenchSummary{Center: x.Center, N: len(s.Values)}
		// Too few runs give an infinite interval, which JSON cannot
		// hold: leave it out.
		if !math.IsInf(x.Lo, 0) && !math.IsInf(x.Hi, 0) && !math.IsNaN(x.Lo) && !math.IsNaN(x.Hi) {
			sum.Lo, sum.Hi = &x.Lo, &x.Hi
		}
		return sum, x.Warnings
	}
	var row ssaweave.BenchRow
	var w1, w2 []error
	row.Plain, w1 = sum(s1)
	row.Woven, w2 = sum(s2)
	c := a.Compare(s1, s2)
	row.P = c.P
	row.Significant = c.P < c.Alpha
	if row.Plain.Center != 0 {
		row.Delta = (row.Woven.Center - row.Plain.Center) / row.Plain.Center
	}
	seen := map[string]bool{}
	for _, w := range slices.Concat(w1, w2, c.Warnings) {
		if s := w.Error(); !seen[s] {
			seen[s] = true
			row.Warnings = append(row.Warnings, s)
		}
	}
	return row
}
