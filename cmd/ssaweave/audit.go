package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ssaweave/ssaweave/backend"
	"github.com/ssaweave/ssaweave/backend/gocmd"
	"github.com/ssaweave/ssaweave/ssaweave"
	"github.com/ssaweave/ssaweave/ssaweave/audithtml"
	"github.com/ssaweave/ssaweave/ssaweave/measure"
)

const auditUsage = `usage: ssaweave audit [flags] [go build flags] [packages]

What every site costs, before it ships: each woven and pruned site with
its witness path and loop depth, each entry point (HTTP routes, gRPC
methods, main) with the spans one request makes, totals, and the binary
size plain vs woven.

  -format text|json|html  output format (default text; json: ssaweave/AUDIT.md)
  -o FILE                 write to FILE instead of standard output (html needs it)
  -size=false             do not build the program twice to compare sizes
  -pgo FILE|off           weigh sites with a CPU profile (default: default.pgo
                          beside a main package, when there is one); the plan
                          prunes hot function spans by it and the measured
                          builds use it too, as go build -pgo does
  -bench[=REGEXP]         run the packages' benchmarks plain and woven,
                          interleaved, and compare them (benchstat)
  -count N                runs of each build with -bench (default 6)
  -benchtime D            each run's -test.benchtime (default the go test default, 1s)
  -max-overhead P%        exit 3 when a benchmark's time/op grows more than P%
                          (with -bench; the median's delta, significant ones only)
  -max-spans N            exit 3 when an entry point makes more than N spans per
                          request (a call in a loop counts once)
`

const explainUsage = `usage: ssaweave explain FILE:LINE [go build flags] [packages]

Why a line was, or wasn't, instrumented: the sites there, the calls there
that make spans and for which entry points, or why nothing is woven.
`

// minGateCount is the fewest runs of each build with which -max-overhead
// can detect a significant change at all.
const minGateCount = 4

// exitBudget is the exit code of an audit whose budget is exceeded, so
// that CI can tell it from a failure to audit (1) and a usage error (2).
const exitBudget = 3

// auditFlags are the flags of ssaweave audit.
type auditFlags struct {
	format      string
	out         string
	size        bool
	pgo         string
	bench       string // benchmark regexp; "" without -bench
	count       int
	benchtime   string
	maxOverhead float64 // fraction; <0 for none
	maxSpans    int     // <0 for none
	rest        []string
}

// parseAuditFlags takes ssaweave audit's own flags out of args; the rest
// is a go build command line.
func parseAuditFlags(args []string) (*auditFlags, error) {
	f := &auditFlags{format: "text", size: true, count: 6, maxOverhead: -1, maxSpans: -1}
	for i := 0; i < len(args); i++ {
		name, val, hasVal := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(args[i], "-"), "-"), "=")
		if !strings.HasPrefix(args[i], "-") {
			f.rest = append(f.rest, args[i])
			continue
		}
		value := func() (string, error) {
			if hasVal {
				return val, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("flag -%s needs a value", name)
			}
			i++
			return args[i], nil
		}
		var err error
		switch name {
		case "format":
			f.format, err = value()
			if err == nil && f.format != "text" && f.format != "json" && f.format != "html" {
				err = fmt.Errorf("-format %s: use text, json or html", f.format)
			}
		case "o":
			f.out, err = value()
		case "size":
			f.size = true
			if hasVal {
				f.size, err = strconv.ParseBool(val)
			}
		case "pgo":
			f.pgo, err = value()
		case "bench":
			f.bench = "."
			if hasVal {
				f.bench = val
				_, err = regexp.Compile(val)
			}
		case "benchtime":
			f.benchtime, err = value()
		case "count":
			var v string
			if v, err = value(); err == nil {
				f.count, err = strconv.Atoi(v)
				if err == nil && f.count < 2 {
					err = errors.New("-count must be at least 2: confidence intervals need several runs")
				}
			}
		case "max-overhead":
			var v string
			if v, err = value(); err == nil {
				var p float64
				p, err = strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
				if err != nil || p < 0 {
					err = fmt.Errorf("-max-overhead %s: give a percentage such as 5%%", v)
				}
				f.maxOverhead = p / 100
			}
		case "max-spans":
			var v string
			if v, err = value(); err == nil {
				f.maxSpans, err = strconv.Atoi(v)
				if err != nil || f.maxSpans < 0 {
					err = fmt.Errorf("-max-spans %s: give a number of spans", v)
				}
			}
		default:
			f.rest = append(f.rest, args[i])
		}
		if err != nil {
			return nil, err
		}
	}
	if f.format == "html" && f.out == "" {
		return nil, errors.New("-format html writes a file: add -o FILE")
	}
	if f.maxOverhead >= 0 && f.bench == "" {
		return nil, errors.New("-max-overhead measures: add -bench")
	}
	if f.maxOverhead >= 0 && f.count < minGateCount {
		// The gate acts on significant changes only (Mann-Whitney U,
		// α = 0.05): with n runs each, the smallest two-sided p-value is
		// 2/C(2n, n), 0.1 for n = 3, so fewer runs would pass any change.
		return nil, fmt.Errorf("-max-overhead needs -count %d or more: with %d runs each, no difference can be significant, so the gate could never fail", minGateCount, f.count)
	}
	return f, nil
}

// auditOf prepares the build as ssaweave go build would (private go.mod
// with the runtime, flags) and audits the program it plans.
func auditOf(ctx context.Context, rest []string, pgo string, prog *progress) (*ssaweave.Audit, *gocmd.Invocation, error) {
	inv, err := gocmd.Parse(append([]string{"build"}, rest...))
	if err != nil {
		return nil, nil, fmt.Errorf("%v", strings.TrimPrefix(err.Error(), "go build: "))
	}
	// Prepare plans through backend.Planner: audit there instead, so that
	// the program is analysed once, with the exact options of a build.
	var audit *ssaweave.Audit
	saved := backend.Planner
	defer func() { backend.Planner = saved }()
	backend.Planner = func(ctx context.Context, opts ssaweave.Options) (*ssaweave.Plan, error) {
		a, err := ssaweave.BuildAudit(ctx, ssaweave.AuditOptions{Options: opts, Profile: pgo, Progress: prog.phase})
		if err != nil {
			return nil, err
		}
		audit = a
		return a.Plan, nil
	}
	prog.phase("preparing the build")
	if _, err := backend.Prepare(ctx, inv, os.Environ()); err != nil {
		return nil, nil, err
	}
	return audit, inv, nil
}

func auditCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fmt.Fprint(stdout, auditUsage)
			return 0
		}
	}
	f, err := parseAuditFlags(args)
	if err != nil {
		fmt.Fprintf(stderr, "ssaweave audit: %v\n%s", err, auditUsage)
		return 2
	}
	prog := newProgress(stderr)
	defer prog.done()
	a, inv, err := auditOf(ctx, f.rest, f.pgo, prog)
	if err != nil {
		prog.done()
		fmt.Fprintf(stderr, "ssaweave audit: %v\n", strings.TrimPrefix(err.Error(), "ssaweave: "))
		return 1
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "ssaweave audit: %v\n", err)
		return 1
	}
	m := &measure.Runner{SSAWeave: self, Dir: a.Dir, Flags: buildFlags(inv), Patterns: a.Patterns, Progress: prog.phase}
	if f.pgo != "" {
		// -pgo is a go build flag too: the measured builds use the
		// profile the audit weighs sites with.
		pgo := f.pgo
		if abs, err := filepath.Abs(pgo); err == nil && pgo != "off" {
			pgo = abs
		}
		m.Flags = append(m.Flags, "-pgo="+pgo)
	}
	if f.size {
		var mains []string
		for _, mn := range a.Plan.Mains {
			mains = append(mains, mn.ImportPath)
		}
		if a.Sizes, err = m.Sizes(ctx, mains); err != nil {
			prog.done()
			fmt.Fprintf(stderr, "ssaweave audit: %v\n", err)
			return 1
		}
	}
	if f.bench != "" {
		m.BenchTime = f.benchtime
		if a.Bench, err = m.Bench(ctx, f.bench, f.count); err != nil {
			prog.done()
			fmt.Fprintf(stderr, "ssaweave audit: %v\n", err)
			return 1
		}
	}
	prog.done()

	out := stdout
	if f.out != "" {
		file, err := os.Create(f.out)
		if err != nil {
			fmt.Fprintf(stderr, "ssaweave audit: %v\n", err)
			return 1
		}
		defer file.Close()
		out = file
	}
	switch f.format {
	case "json":
		err = a.WriteJSON(out)
	case "html":
		err = audithtml.Write(out, a)
	default:
		err = a.WriteText(out, terminalWidth())
	}
	if err == nil && f.out != "" {
		err = out.(*os.File).Close()
	}
	if err != nil {
		fmt.Fprintf(stderr, "ssaweave audit: %v\n", err)
		return 1
	}
	if f.out != "" && f.format == "html" {
		fmt.Fprintf(stderr, "ssaweave audit: wrote %s\n", f.out)
	}
	return budget(a, f, stderr)
}

// budget checks the audit against -max-spans and -max-overhead and says
// what exceeds them; it returns the exit code.
func budget(a *ssaweave.Audit, f *auditFlags, stderr io.Writer) int {
	code := 0
	if f.maxSpans >= 0 {
		for _, e := range a.Entries {
			if e.Total > f.maxSpans {
				fmt.Fprintf(stderr, "ssaweave audit: budget exceeded: %s (%s, registered at %s) makes %d spans per request, more than -max-spans %d: %s\n",
					e.Name, e.Main, e.Pos, e.Total, f.maxSpans, e.SpanSummary())
				code = exitBudget
			}
		}
	}
	if f.maxOverhead >= 0 && a.Bench != nil {
		for _, r := range a.Bench.Rows {
			if r.Unit == "sec/op" && r.Significant && r.Delta > f.maxOverhead {
				fmt.Fprintf(stderr, "ssaweave audit: budget exceeded: %s time/op grows %+.1f%% woven (median %s → %s, p=%.3f), more than -max-overhead %.1f%%\n",
					r.Name, 100*r.Delta, ssaweave.FormatBenchValue(r.Plain.Center, r.Unit), ssaweave.FormatBenchValue(r.Woven.Center, r.Unit), r.P, 100*f.maxOverhead)
				code = exitBudget
			}
		}
	}
	return code
}

// buildFlags returns the go build flags of inv, for the measuring builds,
// which run in the audit's directory (where -C led).
func buildFlags(inv *gocmd.Invocation) []string {
	var out []string
	for _, fl := range inv.Flags {
		out = append(out, fl.String())
	}
	return out
}

// terminalWidth returns $COLUMNS, else 100.
func terminalWidth() int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 20 {
		return n
	}
	return 100
}

func explainCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		fmt.Fprint(stdout, explainUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	file, lineText, ok := cutLast(args[0], ":")
	line, err := strconv.Atoi(lineText)
	if !ok || err != nil || line < 1 {
		fmt.Fprintf(stderr, "ssaweave explain: %q is not FILE:LINE (for example main.go:42)\n", args[0])
		return 2
	}
	rest := args[1:]
	if !hasPackages(rest) {
		// Every program below the current directory: the line may be in
		// a library package that a main package elsewhere uses.
		rest = append(rest, "./...")
	}
	prog := newProgress(stderr)
	a, _, err := auditOf(ctx, rest, "off", prog)
	prog.done()
	if err != nil {
		fmt.Fprintf(stderr, "ssaweave explain: %v\n", strings.TrimPrefix(err.Error(), "ssaweave: "))
		return 1
	}
	cwd, _ := os.Getwd()
	ex, err := a.Explain(cwd, file, line)
	if err != nil {
		fmt.Fprintf(stderr, "ssaweave explain: %v\n", err)
		return 1
	}
	if err := ex.WriteText(stdout); err != nil {
		fmt.Fprintf(stderr, "ssaweave explain: %v\n", err)
		return 1
	}
	return 0
}

// cutLast cuts s around the last sep.
func cutLast(s, sep string) (string, string, bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// hasPackages reports whether a go build command line names packages.
func hasPackages(args []string) bool {
	inv, err := gocmd.Parse(append([]string{"build"}, args...))
	return err == nil && len(inv.Packages) > 0
}

// progress shows the phase of a long analysis on one line of a terminal,
// and nothing when the output is not a terminal (a log, a pipe, CI).
type progress struct {
	mu    sync.Mutex
	w     io.Writer // nil when quiet
	start time.Time
	shown bool
}

// newProgress returns a progress line on w when w is a terminal.
func newProgress(w io.Writer) *progress {
	p := &progress{start: time.Now()}
	if f, ok := w.(*os.File); ok && os.Getenv("TERM") != "dumb" {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.w = w
		}
	}
	return p
}

// phase shows phase, replacing the previous one.
func (p *progress) phase(phase string) {
	if p == nil || p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r\x1b[Kssaweave: %s (%.0fs)", phase, time.Since(p.start).Seconds())
	p.shown = true
}

// done clears the progress line, so that what follows starts on a clean
// line.
func (p *progress) done() {
	if p == nil || p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}
