package callgraph

import (
	"go/types"
	"slices"

	xcallgraph "golang.org/x/tools/go/callgraph"
	"golang.org/x/tools/go/callgraph/rta"
	"golang.org/x/tools/go/callgraph/vta"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/types/typeutil"
)

// VTA is Variable Type Analysis (golang.org/x/tools/go/callgraph/vta)
// refining RTA.
var VTA Algorithm = vtaAlgorithm{}

type vtaAlgorithm struct{}

func (vtaAlgorithm) Name() string { return "vta" }

func (a vtaAlgorithm) Graph(prog *ssa.Program, roots []*ssa.Function) (*Graph, error) {
	rg, res, err := analyzeRTA(prog, roots)
	if err != nil {
		return nil, err
	}
	h := findHidden(rg, res.CallGraph)
	initial := seedGraph(prog, res, h.seeds)
	cg := vta.CallGraph(h.funcs, initial)

	// RTA's Site-less edges are its reflection edges; VTA builds edges
	// from call instructions alone and would drop them.
	for fn := range h.funcs {
		if n := res.CallGraph.Nodes[fn]; n != nil {
			for _, e := range n.Out {
				if e.Site == nil {
					xcallgraph.AddEdge(cg.CreateNode(fn), nil, cg.CreateNode(e.Callee.Func))
				}
			}
		}
	}
	for _, esc := range h.escapes {
		xcallgraph.AddEdge(cg.CreateNode(esc.caller), nil, cg.CreateNode(esc.callee))
	}
	// At calls whose value may be hidden from VTA, RTA's callees stand.
	for _, site := range h.fallback {
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
	g := NewGraph(a.Name(), roots, cg)
	if debugHook {
		edges := 0
		for _, n := range initial.Nodes {
			edges += len(n.Out)
		}
		onlyV, onlyR := 0, 0
		for fn := range g.parent {
			if !rg.Reachable(fn) {
				onlyV++
			}
		}
		for fn := range rg.parent {
			if !g.Reachable(fn) {
				onlyR++
			}
		}
		println("funcs", len(h.funcs), "seeds", len(h.seeds), "initial edges", edges, "fallback", len(h.fallback), "escapes", len(h.escapes), "onlyVTA", onlyV, "onlyRTA", onlyR)
	}
	return g, nil
}

var debugHook bool

// seedGraph returns RTA's call graph with, at each seed, one more callee
// per runtime type that the seeded result's interface admits: a function
// without a body whose result, at the seed's index, has that type. VTA
// takes the initial graph's callees as the flows into a call's result, so
// each such type flows from the seeded call on; these callees never
// appear in VTA's result, which keeps only callees its propagation
// resolves, and a call with a static callee keeps that callee alone.
func seedGraph(prog *ssa.Program, res *rta.Result, seeds []seed) *xcallgraph.Graph {
	if len(seeds) == 0 {
		return res.CallGraph
	}
	// Concrete runtime types with methods: a type without methods
	// resolves no call, whatever interface it is asserted to.
	var concrete []types.Type
	res.RuntimeTypes.Iterate(func(t types.Type, _ any) {
		if !types.IsInterface(t) && prog.MethodSets.MethodSet(t).Len() > 0 {
			concrete = append(concrete, t)
		}
	})
	var implementers typeutil.Map // interface -> []types.Type
	admits := func(iface types.Type) []types.Type {
		if ts, ok := implementers.At(iface).([]types.Type); ok {
			return ts
		}
		it := iface.Underlying().(*types.Interface)
		ts := []types.Type{}
		for _, t := range concrete {
			if types.Implements(t, it) {
				ts = append(ts, t)
			}
		}
		implementers.Set(iface, ts)
		return ts
	}
	type fakeKey struct {
		results *types.Tuple // nil for a single result
		index   int
		t       types.Type
	}
	fakes := make(map[fakeKey]*xcallgraph.Node)
	fake := func(results *types.Tuple, index int, t types.Type) *xcallgraph.Node {
		k := fakeKey{results, index, t}
		if results.Len() == 1 {
			k.results = nil
		}
		if n := fakes[k]; n != nil {
			return n
		}
		vars := make([]*types.Var, results.Len())
		for i := range vars {
			vars[i] = results.At(i)
			if i == index {
				vars[i] = types.NewVar(0, nil, "", t)
			}
		}
		sig := types.NewSignatureType(nil, nil, nil, nil, types.NewTuple(vars...), false)
		n := &xcallgraph.Node{Func: &ssa.Function{Signature: sig, Prog: prog, Synthetic: "ssaweave: source of hidden values"}}
		fakes[k] = n
		return n
	}

	g := &xcallgraph.Graph{Root: res.CallGraph.Root, Nodes: make(map[*ssa.Function]*xcallgraph.Node, len(res.CallGraph.Nodes))}
	for fn, n := range res.CallGraph.Nodes {
		g.Nodes[fn] = n
	}
	copied := make(map[*ssa.Function]bool)
	for _, s := range seeds {
		caller := s.site.Parent()
		n := g.Nodes[caller]
		if n == nil {
			n = &xcallgraph.Node{Func: caller}
			g.Nodes[caller] = n
			copied[caller] = true
		} else if !copied[caller] {
			n = &xcallgraph.Node{Func: caller, ID: n.ID, In: n.In, Out: slices.Clone(n.Out)}
			g.Nodes[caller] = n
			copied[caller] = true
		}
		results := s.site.Common().Signature().Results()
		for _, t := range admits(results.At(s.index).Type()) {
			n.Out = append(n.Out, &xcallgraph.Edge{Caller: n, Site: s.site, Callee: fake(results, s.index, t)})
		}
	}
	return g
}
