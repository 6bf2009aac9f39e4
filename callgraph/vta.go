package callgraph

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"maps"
	"slices"
	"sync"

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
// What remains unsound is reflection writing into struct fields and
// globals and, for RTA as well, functions called from assembly or C (cgo
// callbacks, the runtime's //go:linkname calls) and plugins.
//
// It needs a program built with ssa.InstantiateGenerics. It takes five to
// ten times RTA's time, and up to half again the peak memory of the whole
// analysis (benchmarks/README.md). The result is deterministic: VTA
// computes sets, and Graph's searches sort callees.
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
	hub, err := newSeedHub()
	if err != nil {
		return nil, fmt.Errorf("callgraph: vta: %v", err)
	}
	funcs := maps.Clone(h.funcs)
	funcs[hub.fn] = true
	cg := vta.CallGraph(funcs, seedGraph(prog, res, h.seeds, hub))

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
	for _, esc := range append(h.escapes, h.handed...) {
		xcallgraph.AddEdge(cg.CreateNode(esc.caller), esc.site, cg.CreateNode(esc.callee))
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

// seedGraph returns RTA's call graph with more callees at each seed,
// through which the program's runtime types flow into the seeded result.
// VTA takes the initial graph's callees of a call as the flows into its
// results, so these types flow on from the seeded call; the extra callees
// never appear in VTA's result, which keeps only callees its propagation
// resolves, and the static callee of a static call.
//
// A single result gets one more callee, hub (see seedHub), whose result
// holds every concrete runtime type with methods: one edge per seed, and
// one per type, rather than their product (github.com/ugorji/go/codec
// alone calls its reflect.Value-to-interface function from hundreds of
// places). One of several results, which hub cannot stand for, gets a
// callee per type that its interface admits: a function without a body
// whose results are those of the call, but for that one.
func seedGraph(prog *ssa.Program, res *rta.Result, seeds []seed, hub seedHub) *xcallgraph.Graph {
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
	fake := func(results *types.Tuple, index int, t types.Type) *xcallgraph.Node {
		vars := make([]*types.Var, results.Len())
		for i := range vars {
			vars[i] = results.At(i)
			if i == index {
				vars[i] = types.NewVar(token.NoPos, nil, "", t)
			}
		}
		sig := types.NewSignatureType(nil, nil, nil, nil, types.NewTuple(vars...), false)
		return &xcallgraph.Node{Func: &ssa.Function{Signature: sig, Prog: prog, Synthetic: "ssaweave: source of values hidden from VTA"}}
	}

	// A copy of the graph that shares every node except the callers of
	// seeds, which get copies with the extra edges: RTA's graph itself is
	// left as it was.
	g := &xcallgraph.Graph{Root: res.CallGraph.Root, Nodes: make(map[*ssa.Function]*xcallgraph.Node, len(res.CallGraph.Nodes))}
	for fn, n := range res.CallGraph.Nodes {
		g.Nodes[fn] = n
	}
	copied := make(map[*ssa.Function]bool)
	node := func(fn *ssa.Function) *xcallgraph.Node {
		n := g.Nodes[fn]
		if !copied[fn] {
			c := &xcallgraph.Node{Func: fn}
			if n != nil {
				c.ID, c.In, c.Out = n.ID, n.In, slices.Clone(n.Out)
			}
			n = c
			g.Nodes[fn] = n
			copied[fn] = true
		}
		return n
	}
	var hubNode *xcallgraph.Node
	type fakeKey struct {
		results *types.Tuple // the callee's, shared by its calls
		index   int
		t       types.Type
	}
	fakes := make(map[fakeKey]*xcallgraph.Node)
	for _, s := range seeds {
		n := node(s.site.Parent())
		results := s.site.Common().Signature().Results()
		if results.Len() == 1 {
			if hubNode == nil {
				hubNode = node(hub.fn)
				for _, t := range concrete {
					hubNode.Out = append(hubNode.Out, &xcallgraph.Edge{Caller: hubNode, Site: hub.src, Callee: fake(hub.fn.Signature.Results(), 0, t)})
				}
			}
			n.Out = append(n.Out, &xcallgraph.Edge{Caller: n, Site: s.site, Callee: hubNode})
			continue
		}
		for _, t := range admits(results.At(s.index).Type()) {
			k := fakeKey{results, s.index, t}
			if fakes[k] == nil {
				fakes[k] = fake(results, s.index, t)
			}
			n.Out = append(n.Out, &xcallgraph.Edge{Caller: n, Site: s.site, Callee: fakes[k]})
		}
	}
	return g
}

// seedHub is a function of a program of its own, `func hub() any {
// return src() }`, and its call of src, a function without a body: the
// seeds of seedGraph call hub, and the types seedGraph gives src flow to
// them through hub's result.
type seedHub struct {
	fn  *ssa.Function
	src ssa.CallInstruction
}

// newSeedHub makes the hub once; VTA only reads it.
var newSeedHub = sync.OnceValues(func() (seedHub, error) {
	const src = "package vtahub\n\nfunc hub() any { return src() }\n\nfunc src() any\n"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "vtahub.go", src, 0)
	if err != nil {
		return seedHub{}, err
	}
	info := &types.Info{
		Types:      make(map[ast.Expr]types.TypeAndValue),
		Defs:       make(map[*ast.Ident]types.Object),
		Uses:       make(map[*ast.Ident]types.Object),
		Implicits:  make(map[ast.Node]types.Object),
		Scopes:     make(map[ast.Node]*types.Scope),
		Selections: make(map[*ast.SelectorExpr]*types.Selection),
	}
	pkg, err := new(types.Config).Check("vtahub", fset, []*ast.File{f}, info)
	if err != nil {
		return seedHub{}, err
	}
	p := ssa.NewProgram(fset, 0).CreatePackage(pkg, []*ast.File{f}, info, false)
	p.Build()
	hub := p.Func("hub")
	return seedHub{hub, hub.Blocks[0].Instrs[0].(ssa.CallInstruction)}, nil
})
