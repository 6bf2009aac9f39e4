package ssaweave

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"

	"github.com/ssaweave/ssaweave/analysis"
	"github.com/ssaweave/ssaweave/callgraph"
	"golang.org/x/tools/go/ssa"
)

// Options say what program to plan and under which build configuration.
type Options struct {
	// Dir is the directory the go command runs in; "" means the current
	// directory. Plans record it as an absolute path.
	Dir string
	// Patterns are the package patterns given to go build.
	Patterns []string
	// BuildFlags are the go build flags that affect loading (-tags, -mod,
	// -modfile, -overlay, ...).
	BuildFlags []string
	// Env holds KEY=value settings (GOOS, GOARCH, CGO_ENABLED, GOFLAGS,
	// ...) applied on top of the current environment.
	Env []string
	// Tool is the ssaweave version recorded in the plan and in cache keys.
	Tool string
	// Tests plans the test binaries of the packages (go test) instead of
	// their programs: each is rooted at the main function the go command
	// generates, which runs the tests, benchmarks, fuzz targets and
	// examples.
	Tests bool
	// Paths gives path spans (see analysis.Settings.Paths) even when the
	// configuration does not ask for them.
	Paths bool
}

// algorithm decides reachability for every plan.
var algorithm = callgraph.RTA

// Build loads the whole program named by opts, computes each main
// package's call graph and evaluates the rules: the resulting plan lists
// every match, woven or pruned with the reason, and the edits for the woven
// ones. The same inputs give the same plan, byte for byte once marshalled.
func Build(ctx context.Context, opts Options) (*Plan, error) {
	dir, err := filepath.Abs(cmp.Or(opts.Dir, "."))
	if err != nil {
		return nil, fmt.Errorf("ssaweave: %w", err)
	}
	env, err := goEnv(ctx, dir, opts.Env, "GOROOT", "GOMODCACHE", "GOMOD")
	if err != nil {
		return nil, err
	}
	settings, err := readSettings(env["GOMOD"], opts.Env)
	if err != nil {
		return nil, err
	}
	prog, err := analysis.Load(ctx, analysis.Config{Dir: dir, Patterns: opts.Patterns, BuildFlags: opts.BuildFlags, Env: opts.Env, Tests: opts.Tests})
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
	// full are the call graphs; graphs the same without what the user
	// excluded, which decide reachability.
	full := make([]*callgraph.Graph, len(prog.Mains))
	graphs := make([]*callgraph.Graph, len(prog.Mains))
	for i, m := range prog.Mains {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if full[i], err = algorithm.Graph(prog.SSA, callgraph.Roots(m)); err != nil {
			return nil, fmt.Errorf("ssaweave: call graph of %s: %w", m.Pkg.Path(), err)
		}
		graphs[i] = full[i]
		if !exclusions.Empty() {
			graphs[i] = full[i].Without(func(fn *ssa.Function) bool { return exclusions.Excluded(fn) != "" })
		}
	}
	pl := &planner{
		pos:     newPositions(dir, env["GOROOT"], env["GOMODCACHE"]),
		mains:   prog.Mains,
		tests:   prog.Tests,
		graphs:  graphs,
		full:    full,
		matches: matches,
		spans:   spans,
		paths:   pathCandidates(prog, settings, exclusions, spans),
		gos:     analysis.GoStatements(prog),
		excl:    exclusions,
		routes:  settings.Exclude.Routes,
		plan: &Plan{
			Notes:     append(notes(unmatched), analysis.SelectorNotes(prog, settings)...),
			Schema:    SchemaVersion,
			Tool:      opts.Tool,
			Algorithm: algorithm.Name(),
			Dir:       dir,
			Patterns:  append([]string{}, opts.Patterns...),
		},
		edits: make(map[string]map[string][]Edit),
	}
	return pl.run(analysis.Rules), nil
}
