package callgraph

import (
	xcallgraph "golang.org/x/tools/go/callgraph"
	"golang.org/x/tools/go/callgraph/vta"
	"golang.org/x/tools/go/ssa"
)

// VTA is Variable Type Analysis (golang.org/x/tools/go/callgraph/vta)
// refining RTA: a dynamic call (an interface method, a function value)
// keeps only the callees whose types or functions can flow, through
// assignments, fields, calls and returns, to the value it calls. An
// implementation that the program converts to an interface somewhere but
// never passes to a call site is not a callee there, nor is a function
// stored in a field that call never reads.
//
// VTA only ever removes RTA edges, and only where it sees every flow. Its
// type propagation cannot follow values through unsafe.Pointer
// conversions, through functions without a Go body (assembly,
// //go:linkname declarations) or through reflection, where RTA assumes
// any type. So this algorithm keeps RTA's callees at every call whose
// value has a type such hidden values may have (see unseen.go), keeps
// RTA's reflection edges (see RTA), and makes the functions a program
// hands to bodyless functions (a timer's callback given to the runtime)
// callees of the function that hands them over. What remains unsound is
// listed in /work/notes/precision-docs.md and DESIGN.md: reflective writes
// into struct fields, parameters of functions called by reflection beyond
// their own dynamic calls, cgo callbacks and plugins.
//
// It requires a program built with ssa.InstantiateGenerics, and costs
// about three times RTA's time.
var VTA Algorithm = vtaAlgorithm{}

type vtaAlgorithm struct{}

func (vtaAlgorithm) Name() string { return "vta" }

func (a vtaAlgorithm) Graph(prog *ssa.Program, roots []*ssa.Function) (*Graph, error) {
	rg, res, err := analyzeRTA(prog, roots)
	if err != nil {
		return nil, err
	}
	u := findUnseen(rg, res.CallGraph)
	cg := vta.CallGraph(u.funcs, res.CallGraph)

	// RTA's call sites are Site-less only for reflection edges; VTA
	// builds edges from call instructions alone and would drop them.
	for _, n := range res.CallGraph.Nodes {
		for _, e := range n.Out {
			if e.Site == nil {
				xcallgraph.AddEdge(cg.CreateNode(e.Caller.Func), nil, cg.CreateNode(e.Callee.Func))
			}
		}
	}
	for _, esc := range u.escapes {
		xcallgraph.AddEdge(cg.CreateNode(esc.caller), nil, cg.CreateNode(esc.callee))
	}
	// At calls whose value may be hidden from VTA, RTA's callees stand.
	for _, site := range u.fallback {
		caller := cg.CreateNode(site.Parent())
		have := make(map[*ssa.Function]bool)
		for _, e := range caller.Out {
			if e.Site == site {
				have[e.Callee.Func] = true
			}
		}
		for _, e := range res.CallGraph.Nodes[site.Parent()].Out {
			if e.Site == site && !have[e.Callee.Func] {
				have[e.Callee.Func] = true
				xcallgraph.AddEdge(caller, site, cg.CreateNode(e.Callee.Func))
			}
		}
	}
	return NewGraph(a.Name(), roots, cg), nil
}
