package ssaweave

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ssaweave/ssaweave/analysis"
	"github.com/ssaweave/ssaweave/callgraph"
	"golang.org/x/tools/go/ssa"
)

// EnvCallGraph names the environment variable that chooses the call-graph
// algorithm, rta, vta or auto, when Options.Algorithm is empty. It wins
// over the configuration file's callgraph key.
const EnvCallGraph = "SSAWEAVE_CALLGRAPH"

// AutoVTAFunctions is the largest program, counted in the functions RTA
// finds reachable from its roots, for which auto chooses VTA; larger
// programs keep RTA's graph. With several main packages the largest
// decides for all, so that one algorithm decides the whole plan.
//
// VTA's cost grows faster than the program (BenchmarkAnalysis, CPU time of
// a whole plan, VTA minus RTA, on 2 shared cores; benchmarks/README.md):
// +0.3 s for testdata/httpserver (9 000 functions reachable by RTA, 3.8 s
// with RTA), +2.3 s for testdata/grpcapp (18 500, 5.3 s), +3.8 s for
// testdata/ginapp (27 900, 7.8 s), and +26 s and +1.3 GB of peak memory
// for github.com/caddyserver/caddy/v2/cmd/caddy v2.11.9 (78 700, 21 s and
// 3.0 GB with RTA). Up to this size VTA adds at most about half to a plan,
// which every cache miss (an edit) pays; at caddy's it more than doubles
// it. testdata/redisapp's larger main (30 900) is just above: auto uses
// RTA for it, and its plan is the same with both.
const AutoVTAFunctions = 30000

// algorithmChoice returns the call-graph algorithm requested for a
// build: Options.Algorithm, else $SSAWEAVE_CALLGRAPH, else the
// configuration's callgraph key, else auto.
func algorithmChoice(opts Options, settings *analysis.Settings) (string, error) {
	if a := opts.Algorithm; a != "" {
		if !slices.Contains(analysis.CallGraphAlgorithms, a) {
			return "", fmt.Errorf("ssaweave: %q is not a call-graph algorithm: use rta, vta or auto", a)
		}
		return a, nil
	}
	if a := envValue(opts.Env, EnvCallGraph); a != "" {
		if !slices.Contains(analysis.CallGraphAlgorithms, a) {
			return "", fmt.Errorf("ssaweave: %s=%s is not a call-graph algorithm: set rta, vta or auto", EnvCallGraph, a)
		}
		return a, nil
	}
	if settings.CallGraph != "" {
		return settings.CallGraph, nil // ParseSettings checked it
	}
	return "auto", nil
}

// envValue returns the last value of key in env, else in the process
// environment.
func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return os.Getenv(key)
}

// callGraphs are the call graphs of a build's main packages, made by one
// algorithm.
type callGraphs struct {
	algorithm string             // the algorithm that made them: rta or vta
	full      []*callgraph.Graph // parallel to the mains: the whole call graphs
	graphs    []*callgraph.Graph // the same without what the user excluded, which decide reachability
}

// computeCallGraphs builds the call graph of each of mains with the
// algorithm choice names (rta, vta or auto, which chooses VTA when no
// program has more than limit functions reachable by RTA).
func computeCallGraphs(ctx context.Context, prog *ssa.Program, mains []*ssa.Package, choice string, excl *analysis.Exclusions, limit int) (*callGraphs, error) {
	cg := &callGraphs{full: make([]*callgraph.Graph, len(mains)), graphs: make([]*callgraph.Graph, len(mains))}
	fail := func(m *ssa.Package, err error) error {
		return fmt.Errorf("ssaweave: call graph of %s: %w", m.Pkg.Path(), err)
	}
	switch choice {
	case "rta", "vta":
		alg := callgraph.RTA
		if choice == "vta" {
			alg = callgraph.VTA
		}
		cg.algorithm = alg.Name()
		for i, m := range mains {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			g, err := alg.Graph(prog, callgraph.Roots(m))
			if err != nil {
				return nil, fail(m, err)
			}
			cg.full[i] = g
		}
	default: // auto
		// RTA for every program, keeping RTA's results while they are
		// small enough for VTA to refine.
		staged := make([]*callgraph.Staged, len(mains))
		small := true
		for i, m := range mains {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			s, err := callgraph.StageRTA(prog, callgraph.Roots(m))
			if err != nil {
				return nil, fail(m, err)
			}
			cg.full[i] = s.RTA()
			if small && s.RTA().Len() > limit {
				small = false
				clear(staged)
			}
			if small {
				staged[i] = s
			}
		}
		cg.algorithm = callgraph.RTA.Name()
		if small {
			cg.algorithm = callgraph.VTA.Name()
			for i, s := range staged {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				g, err := s.VTA()
				if err != nil {
					return nil, fail(mains[i], err)
				}
				cg.full[i], staged[i] = g, nil
			}
		}
	}
	for i, g := range cg.full {
		cg.graphs[i] = g
		if !excl.Empty() {
			cg.graphs[i] = g.Without(func(fn *ssa.Function) bool { return excl.Excluded(fn) != "" })
		}
	}
	return cg, nil
}

// Stats describe one Build, for benchmarks: how long its stages took and
// what they found.
type Stats struct {
	// Load is the time to load, type-check and build the SSA form of the
	// program, match the rules and read the directives.
	Load time.Duration
	// CallGraph is the time to build the call graphs.
	CallGraph time.Duration
	// Plan is the time to decide every site and make the edits.
	Plan time.Duration
	// Algorithm is the algorithm that decided: rta or vta.
	Algorithm string
	// Functions counts the functions reachable from the roots, summed
	// over the programs.
	Functions int
	// Sites counts the plan's sites: what the rules, directives and go
	// statements matched, reachable or not (the candidates a syntactic
	// tool would instrument).
	Sites int
	// Reachable counts the sites whose function some program may call.
	Reachable int
	// Woven counts the woven sites.
	Woven int
}

// BuildStats is Build, also returning how long its stages took and what
// they found.
func BuildStats(ctx context.Context, opts Options) (*Plan, *Stats, error) {
	st := &Stats{}
	p, err := build(ctx, opts, st, analysis.Load)
	if err != nil {
		return nil, nil, err
	}
	return p, st, nil
}

// count fills the counts of st from the plan p made from cg.
func (st *Stats) count(p *Plan, cg *callGraphs) {
	st.Algorithm = cg.algorithm
	reachable := make(map[string]bool)
	for _, g := range cg.full {
		st.Functions += g.Len()
		for fn := range g.All() {
			reachable[fn.String()] = true
		}
	}
	st.Sites = len(p.Sites)
	for _, s := range p.Sites {
		if reachable[s.Function] {
			st.Reachable++
		}
		if s.Status == StatusWoven {
			st.Woven++
		}
	}
}
