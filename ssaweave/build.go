package ssaweave

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/ssaweave/ssaweave/analysis"
	"github.com/ssaweave/ssaweave/internal/gotool"
	"golang.org/x/tools/go/packages"
)

// Options say what program to plan and under which build configuration.
type Options struct {
	// Dir is the directory the go command runs in; "" means the current
	// directory. Plans record it as an absolute path.
	Dir string
	// Patterns are the package patterns given to go build.
	Patterns []string
	// BuildFlags are the go build flags that affect loading (-tags, -mod,
	// -modfile, -overlay, ...) and -pgo, which chooses the CPU profile
	// that keeps function spans off hot paths (hot.go; GOFLAGS counts
	// too, and without either default.pgo beside a main package is used).
	BuildFlags []string
	// Env holds KEY=value settings (GOOS, GOARCH, CGO_ENABLED, GOFLAGS,
	// ...) applied on top of the current environment.
	Env []string
	// Tool is the ssaweave version recorded in the plan and in cache keys.
	Tool string
	// Algorithm chooses the call-graph algorithm that decides
	// reachability: "rta", "vta" or "auto" (VTA for programs small enough,
	// see AutoVTAFunctions). "" means $SSAWEAVE_CALLGRAPH (in Env, then the
	// process environment), else the configuration's callgraph key, else
	// "auto".
	Algorithm string
	// Tests plans the test binaries of the packages (go test) instead of
	// their programs: each is rooted at the main function the go command
	// generates, which runs the tests, benchmarks, fuzz targets and
	// examples.
	Tests bool
	// Paths gives path spans (see analysis.Settings.Paths) even when the
	// configuration does not ask for them.
	Paths bool
	// Probe makes a soundness build's plan: the same sites, but a probe
	// in every site's function instead of the edits (see probe.go).
	Probe bool

	// audit, when set, receives the analysis behind the plan and is told
	// of each phase (see BuildAudit).
	audit *auditRun
}

// Build loads the whole program named by opts, computes each main
// package's call graph and evaluates the rules: the resulting plan lists
// every match, woven or pruned with the reason, and the edits for the woven
// ones. The same inputs give the same plan, byte for byte once marshalled.
func Build(ctx context.Context, opts Options) (*Plan, error) {
	return build(ctx, opts, nil, analysis.Load)
}

// loader loads the program a plan is made from: analysis.Load, or a
// Session's Reload for the plan server.
type loader func(context.Context, analysis.Config) (*analysis.Program, error)

// build is Build, loading the program with load and filling st (when not
// nil) for BuildStats.
func build(ctx context.Context, opts Options, st *Stats, load loader) (*Plan, error) {
	start := time.Now()
	dir, err := filepath.Abs(cmp.Or(opts.Dir, "."))
	if err != nil {
		return nil, fmt.Errorf("ssaweave: %w", err)
	}
	// The wrapper's go env (gotool.WithEnvMemo), asked once per build.
	env, err := gotool.Env(ctx, dir, append(os.Environ(), opts.Env...))
	if err != nil {
		return nil, fmt.Errorf("ssaweave: %w", err)
	}
	settings, err := readSettings(env["GOMOD"], opts.Env)
	if err != nil {
		return nil, err
	}
	choice, err := algorithmChoice(opts, settings)
	if err != nil {
		return nil, err
	}
	threshold, err := hotChoice(opts, settings)
	if err != nil {
		return nil, err
	}
	opts.audit.phase("loading packages")
	prog, err := load(ctx, loadConfig(dir, opts))
	if err != nil {
		return nil, err
	}
	matches, unmatched, err := analysis.MatchRules(prog, analysis.Rules)
	if err != nil {
		return nil, err
	}
	spans, exclusions, err := analysis.Directives(prog, settings)
	if err != nil {
		return nil, err
	}
	if opts.Paths {
		settings.Paths = true
	}
	// The profile go build -pgo uses for each program: hot function
	// spans are not woven (hot.go).
	hot, err := newHotPaths(prog, dir, pgoSetting(opts.BuildFlags, env["GOFLAGS"]), threshold)
	if err != nil {
		return nil, err
	}
	loaded := time.Now()
	opts.audit.phase(fmt.Sprintf("call graphs (%d packages loaded)", packageCount(prog)))
	cg, err := computeCallGraphs(ctx, prog.SSA, prog.Mains, choice, exclusions, AutoVTAFunctions)
	if err != nil {
		return nil, err
	}
	graphed := time.Now()
	paths := pathCandidates(prog, settings, exclusions, spans)
	pl := &planner{
		pos:     newPositions(dir, env["GOROOT"], env["GOMODCACHE"]),
		mains:   prog.Mains,
		tests:   prog.Tests,
		graphs:  cg.graphs,
		full:    cg.full,
		matches: matches,
		spans:   spans,
		paths:   paths,
		probe:   probeMap(opts.Probe),
		gos:     analysis.GoStatements(prog),
		calls:   analysis.CallSites(prog, analysis.Rules, append(slices.Clip(spans), paths...)),
		excl:    exclusions,
		hot:     hot,
		routes:  settings.Exclude.Routes,
		plan: &Plan{
			Notes:     append(notes(unmatched), analysis.SelectorNotes(prog, settings)...),
			Schema:    SchemaVersion,
			Tool:      opts.Tool,
			Algorithm: cg.algorithm,
			Dir:       dir,
			Patterns:  append([]string{}, opts.Patterns...),
		},
		edits: make(map[string]map[string][]Edit),
	}
	opts.audit.phase("planning")
	plan := pl.run(analysis.Rules)
	opts.audit.keep(prog, pl)
	if st != nil {
		st.Load, st.CallGraph, st.Plan = loaded.Sub(start), graphed.Sub(loaded), time.Since(graphed)
		st.count(plan, cg)
	}
	return plan, nil
}

// loadConfig is what Build loads for opts, whose directory is dir.
func loadConfig(dir string, opts Options) analysis.Config {
	return analysis.Config{Dir: dir, Patterns: opts.Patterns, BuildFlags: opts.BuildFlags, Env: opts.Env, Tests: opts.Tests}
}

// packageCount returns how many packages prog has, dependencies included.
func packageCount(prog *analysis.Program) int {
	n := 0
	packages.Visit(prog.Packages, nil, func(*packages.Package) { n++ })
	return n
}
