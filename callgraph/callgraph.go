// Package callgraph computes, for one program, which functions can run and
// one witness call chain to each.
//
// An [Algorithm] is the seam: it builds a [Graph] from an SSA program and
// its roots. [RTA] (Rapid Type Analysis) is fast; [VTA] (Variable Type
// Analysis) refines RTA's graph where it can follow the values a call
// uses, at about three times the cost ([StageRTA] lets a caller look at
// RTA's graph before paying for VTA). Plans record which one decided. Roots are a main package's main function and its package
// initializer, which in SSA chains to the initializers of every
// dependency ([Roots]).
//
// Witness paths are shortest call chains found by a breadth-first search
// from the roots that visits callees in a stable order, so the same
// program always gives the same path.
package callgraph

import (
	"cmp"
	"iter"
	"maps"
	"slices"

	xcallgraph "golang.org/x/tools/go/callgraph"
	"golang.org/x/tools/go/ssa"
)

// Algorithm builds a call graph.
type Algorithm interface {
	// Name identifies the algorithm in plans ("rta", "vta").
	Name() string
	// Graph computes the call graph of prog from roots, which must all
	// belong to prog, main functions first.
	Graph(prog *ssa.Program, roots []*ssa.Function) (*Graph, error)
}

// Roots returns the roots of the program whose main package is pkg: its
// main function, then its package initializer. It returns nil if pkg has
// no main function.
func Roots(pkg *ssa.Package) []*ssa.Function {
	main := pkg.Func("main")
	if main == nil {
		return nil
	}
	roots := []*ssa.Function{main}
	if init := pkg.Func("init"); init != nil {
		roots = append(roots, init)
	}
	return roots
}

// Graph is the call graph of one program and what is reachable in it.
type Graph struct {
	algorithm string
	roots     []*ssa.Function
	cg        *xcallgraph.Graph
	parent    map[*ssa.Function]*ssa.Function // BFS tree of reachable functions; roots map to nil
	blocked   func(*ssa.Function) bool        // functions the search does not enter; nil for none
}

// NewGraph wraps a call graph an algorithm computed from roots. A function
// is reachable when a chain of call edges leads to it from a root, so that
// every reachable function has a witness path.
func NewGraph(algorithm string, roots []*ssa.Function, cg *xcallgraph.Graph) *Graph {
	g := &Graph{algorithm: algorithm, roots: roots, cg: cg}
	g.search()
	return g
}

// Without returns the graph g would be if the functions for which blocked
// returns true could not run: they are not reachable, and neither is
// anything reachable only through them. It is how exclusions (opt-outs)
// prune whatever only an excluded entry point reaches. The call edges are
// g's: what the program may call does not change, only where the search
// is allowed to go.
func (g *Graph) Without(blocked func(*ssa.Function) bool) *Graph {
	h := &Graph{algorithm: g.algorithm, roots: g.roots, cg: g.cg, blocked: blocked}
	h.search()
	return h
}

// Algorithm returns the name of the algorithm that built g.
func (g *Graph) Algorithm() string { return g.algorithm }

// Roots returns the roots g was built from.
func (g *Graph) Roots() []*ssa.Function { return g.roots }

// CallGraph returns the underlying call graph, for algorithms that refine
// another's result (VTA starts from a coarser graph).
func (g *Graph) CallGraph() *xcallgraph.Graph { return g.cg }

// Len returns how many functions are reachable in g.
func (g *Graph) Len() int { return len(g.parent) }

// All returns the functions reachable in g, in no particular order.
func (g *Graph) All() iter.Seq[*ssa.Function] { return maps.Keys(g.parent) }

// Reachable reports whether fn may run in the program.
func (g *Graph) Reachable(fn *ssa.Function) bool {
	_, ok := g.parent[fn]
	return ok
}

// Path returns a shortest call chain from a root to fn, both included, or
// nil if fn is not reachable. Among chains of equal length it returns the
// one whose callees come first in name order, starting from the first
// root.
func (g *Graph) Path(fn *ssa.Function) []*ssa.Function {
	if _, ok := g.parent[fn]; !ok {
		return nil
	}
	var path []*ssa.Function
	for f := fn; f != nil; f = g.parent[f] {
		path = append(path, f)
	}
	slices.Reverse(path)
	return path
}

// Names returns the names of fns as go/ssa prints them, e.g.
// "(net/http.serverHandler).ServeHTTP".
func Names(fns []*ssa.Function) []string {
	names := make([]string, len(fns))
	for i, fn := range fns {
		names[i] = fn.String()
	}
	return names
}

// search runs the breadth-first search from the roots, recording the
// parent of every function it reaches.
func (g *Graph) search() {
	g.parent = make(map[*ssa.Function]*ssa.Function)
	// go/ssa computes function names on demand and sorting compares them
	// many times, so cache them.
	names := make(map[*ssa.Function]string)
	name := func(fn *ssa.Function) string {
		s, ok := names[fn]
		if !ok {
			s = fn.String()
			names[fn] = s
		}
		return s
	}
	// A callee with its name, looked up once per edge rather than per
	// comparison.
	type callee struct {
		fn   *ssa.Function
		name string
	}
	var queue []*ssa.Function
	for _, r := range g.roots {
		if g.blocked != nil && g.blocked(r) {
			continue
		}
		if _, seen := g.parent[r]; !seen {
			g.parent[r] = nil
			queue = append(queue, r)
		}
	}
	var callees []callee
	for len(queue) > 0 {
		fn := queue[0]
		queue = queue[1:]
		n := g.cg.Nodes[fn]
		if n == nil {
			continue
		}
		// Edges come in the order the algorithm found them, which may
		// depend on map iteration: sort callees for a stable result.
		callees = callees[:0]
		for _, e := range n.Out {
			if _, seen := g.parent[e.Callee.Func]; !seen {
				callees = append(callees, callee{e.Callee.Func, name(e.Callee.Func)})
			}
		}
		slices.SortFunc(callees, func(a, b callee) int {
			if c := cmp.Compare(a.name, b.name); c != 0 {
				return c
			}
			// Same name, different functions: rare. token.Pos values
			// depend on parse order, so compare printed positions.
			fset := a.fn.Prog.Fset
			return cmp.Compare(fset.Position(a.fn.Pos()).String(), fset.Position(b.fn.Pos()).String())
		})
		for _, ce := range callees {
			c := ce.fn
			if g.blocked != nil && g.blocked(c) {
				continue
			}
			if _, seen := g.parent[c]; !seen {
				g.parent[c] = fn
				queue = append(queue, c)
			}
		}
	}
}
