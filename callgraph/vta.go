package callgraph

import (
	"errors"
	"go/types"
	"slices"

	xcallgraph "golang.org/x/tools/go/callgraph"
	"golang.org/x/tools/go/callgraph/rta"
	"golang.org/x/tools/go/callgraph/vta"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/types/typeutil"
)

// VTA is Variable Type Analysis (golang.org/x/tools/go/callgraph/vta)
// refining RTA. RTA resolves a call of an interface method to every type
// the program converts to that interface, and a call of a function value
// to every function whose value the program takes with that signature;
// VTA keeps only the types and functions that can flow, through
// assignments, fields, parameters and results, to the value called. An
// implementation that the program prints but never stores where the call
// reads it, or a callback kept in a field that call never reads, is not a
// callee there.
//
// VTA starts from RTA's graph and only removes its edges, except where
// hidden.go says: values VTA's propagation cannot see (unsafe memory,
// bodyless functions, reflection) get RTA's answer, and functions handed
// to bodyless functions, which the runtime may call later, become callees
// of the function that hands them over. RTA's reflection edges are kept.
// The corners that remain unsound, for RTA as well, are reflection
// writing into struct fields and globals, functions called from assembly
// or C (cgo callbacks, //go:linkname from the runtime) and plugins.
//
// It needs a program built with ssa.InstantiateGenerics, and costs about
// three times RTA's time. The result is deterministic: VTA computes sets,
// and Graph's searches sort callees.
var VTA Algorithm = vtaAlgorithm{}

type vtaAlgorithm struct{}

func (vtaAlgorithm) Name() string { return "vta" }

func (a vtaAlgorithm) Graph(prog *ssa.Program, roots []*ssa.Function) (*Graph, error) {
	s, err := StageRTA(prog, roots)
	if err != nil {
		return nil, err
	}
	return s.VTA()
}

// Staged is RTA's result for one program, kept so that VTA can refine it
// without computing RTA again: a caller can look at the RTA graph (its
// size, say) before deciding whether VTA is worth its cost.
type Staged struct {
	graph *Graph
	res   *rta.Result
}

// StageRTA computes RTA for the program rooted at roots (see
// Algorithm.Graph).
func StageRTA(prog *ssa.Program, roots []*ssa.Function) (*Staged, error) {
	g, res, err := analyzeRTA(prog, roots)
	if err != nil {
		return nil, err
	}
	return &Staged{graph: g, res: res}, nil
}

// RTA returns RTA's graph.
func (s *Staged) RTA() *Graph { return s.graph }

// VTA returns VTA's graph.
func (s *Staged) VTA() (*Graph, error) {
	if s.res == nil || s.graph == nil {
		return nil, errors.New("callgraph: vta: no RTA result to refine")
	}
	rg, res := s.graph, s.res
	roots := rg.Roots()
	prog := roots[0].Prog
	h := findHidden(rg, res.CallGraph)
	cg := vta.CallGraph(h.funcs, seedGraph(prog, res, h.seeds))

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
	return NewGraph(VTA.Name(), roots, cg), nil
}

// seedGraph returns RTA's call graph with, at each seed, one more callee
// per runtime type that the seeded result's interface admits: a function
// without a body whose result, at the seed's index, has that type. VTA
// takes the initial graph's callees of a call as the flows into its
// results, so each such type flows on from the seeded call. These callees
// never appear in VTA's result: it keeps only the callees its propagation
// resolves, and the static callee of a static call.
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
		it, _ := iface.Underlying().(*types.Interface)
		ts := []types.Type{}
		for _, t := range concrete {
			if it != nil && types.Implements(t, it) {
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
		n := &xcallgraph.Node{Func: &ssa.Function{Signature: sig, Prog: prog, Synthetic: "ssaweave: source of values hidden from VTA"}}
		fakes[k] = n
		return n
	}

	// A copy of the graph that shares every node except the callers of
	// seeds, which get copies with the extra edges: RTA's graph itself is
	// left as it was.
	g := &xcallgraph.Graph{Root: res.CallGraph.Root, Nodes: make(map[*ssa.Function]*xcallgraph.Node, len(res.CallGraph.Nodes))}
	for fn, n := range res.CallGraph.Nodes {
		g.Nodes[fn] = n
	}
	copied := make(map[*ssa.Function]bool)
	for _, s := range seeds {
		caller := s.site.Parent()
		n := g.Nodes[caller]
		if !copied[caller] {
			c := &xcallgraph.Node{Func: caller}
			if n != nil {
				c.ID, c.In, c.Out = n.ID, n.In, slices.Clone(n.Out)
			}
			n = c
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
