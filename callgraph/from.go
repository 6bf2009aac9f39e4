package callgraph

import (
	"cmp"
	"slices"

	"golang.org/x/tools/go/ssa"
)

// CalleesAt returns the functions that the call (or go, or defer)
// instruction site in caller may call, sorted by name then position; nil
// when caller is not in the graph. For a dynamic call (a function value, an
// interface method) these are the callees the algorithm resolved.
func (g *Graph) CalleesAt(caller *ssa.Function, site ssa.CallInstruction) []*ssa.Function {
	n := g.cg.Nodes[caller]
	if n == nil {
		return nil
	}
	var out []*ssa.Function
	for _, e := range n.Out {
		if e.Site == site && !slices.Contains(out, e.Callee.Func) {
			out = append(out, e.Callee.Func)
		}
	}
	sortFuncs(out, newNamer())
	return out
}

// PathFrom returns a shortest call chain that starts at one of from and
// ends at a function for which target reports true, both included, or nil
// if there is none. It follows g's call edges, and, like reachability in
// g, does not enter the functions g is built without (see Without). Among
// chains of equal length it returns the one whose functions come first in
// name order, starting functions included, so the same program always
// gives the same chain.
func (g *Graph) PathFrom(from []*ssa.Function, target func(*ssa.Function) bool) []*ssa.Function {
	name := newNamer()
	from = slices.Clone(from)
	sortFuncs(from, name)
	parent := map[*ssa.Function]*ssa.Function{}
	var queue []*ssa.Function
	for _, f := range from {
		if g.blocked != nil && g.blocked(f) {
			continue
		}
		if _, seen := parent[f]; !seen {
			parent[f] = nil
			queue = append(queue, f)
		}
	}
	var callees []*ssa.Function
	for len(queue) > 0 {
		fn := queue[0]
		queue = queue[1:]
		if target(fn) {
			var path []*ssa.Function
			for f := fn; f != nil; f = parent[f] {
				path = append(path, f)
			}
			slices.Reverse(path)
			return path
		}
		n := g.cg.Nodes[fn]
		if n == nil {
			continue
		}
		callees = callees[:0]
		for _, e := range n.Out {
			c := e.Callee.Func
			if _, seen := parent[c]; !seen && (g.blocked == nil || !g.blocked(c)) {
				callees = append(callees, c)
			}
		}
		sortFuncs(callees, name)
		for _, c := range callees {
			if _, seen := parent[c]; !seen {
				parent[c] = fn
				queue = append(queue, c)
			}
		}
	}
	return nil
}

// newNamer returns a function that names functions as go/ssa prints them,
// caching the names: go/ssa computes them on demand, and sorting compares
// them many times.
func newNamer() func(*ssa.Function) string {
	names := map[*ssa.Function]string{}
	return func(fn *ssa.Function) string {
		s, ok := names[fn]
		if !ok {
			s = fn.String()
			names[fn] = s
		}
		return s
	}
}

// sortFuncs sorts fns by name, then by printed position (functions of the
// same name are rare; token.Pos values depend on parse order, printed
// positions do not).
func sortFuncs(fns []*ssa.Function, name func(*ssa.Function) string) {
	slices.SortFunc(fns, func(a, b *ssa.Function) int {
		if c := cmp.Compare(name(a), name(b)); c != 0 {
			return c
		}
		fset := a.Prog.Fset
		return cmp.Compare(fset.Position(a.Pos()).String(), fset.Position(b.Pos()).String())
	})
}
