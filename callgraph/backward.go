package callgraph

import (
	"golang.org/x/tools/go/ssa"
)

// Toward answers, for every function of a graph, whether it can reach a
// target function and through which shortest chain: a breadth-first search
// backwards from the targets over the graph's call edges. Functions the
// graph is built without (see Without) are neither entered nor passed
// through.
type Toward struct {
	next map[*ssa.Function]*ssa.Function // next hop toward the nearest target; targets map to nil
}

// Toward computes, for the functions g's call graph holds, the shortest
// call chains to a function for which target reports true. Ties are broken
// by function name, so the same program always gives the same chains.
func (g *Graph) Toward(target func(*ssa.Function) bool) *Toward {
	name := newNamer()
	t := &Toward{next: map[*ssa.Function]*ssa.Function{}}
	var queue []*ssa.Function
	for fn := range g.cg.Nodes {
		if fn != nil && target(fn) && (g.blocked == nil || !g.blocked(fn)) {
			queue = append(queue, fn)
		}
	}
	sortFuncs(queue, name)
	for _, fn := range queue {
		t.next[fn] = nil
	}
	var callers []*ssa.Function
	for len(queue) > 0 {
		fn := queue[0]
		queue = queue[1:]
		n := g.cg.Nodes[fn]
		callers = callers[:0]
		for _, e := range n.In {
			c := e.Caller.Func
			if _, seen := t.next[c]; seen || c == nil || (g.blocked != nil && g.blocked(c)) {
				continue
			}
			callers = append(callers, c)
		}
		sortFuncs(callers, name)
		for _, c := range callers {
			if _, seen := t.next[c]; !seen {
				t.next[c] = fn
				queue = append(queue, c)
			}
		}
	}
	return t
}

// Reaches reports whether fn can reach a target (a target reaches itself).
func (t *Toward) Reaches(fn *ssa.Function) bool {
	_, ok := t.next[fn]
	return ok
}

// Path returns a shortest call chain from fn to a target, both included, or
// nil if fn reaches none.
func (t *Toward) Path(fn *ssa.Function) []*ssa.Function {
	if !t.Reaches(fn) {
		return nil
	}
	var path []*ssa.Function
	for f := fn; f != nil; f = t.next[f] {
		path = append(path, f)
	}
	return path
}
