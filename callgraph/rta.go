package callgraph

import (
	"errors"
	"go/types"
	"slices"

	xcallgraph "golang.org/x/tools/go/callgraph"
	"golang.org/x/tools/go/callgraph/rta"
	"golang.org/x/tools/go/ssa"
)

// RTA is Rapid Type Analysis (golang.org/x/tools/go/callgraph/rta): fast,
// sound for programs without unsafe tricks, and precise enough to prune
// integrations a program links but never calls. It requires a program
// built with ssa.InstantiateGenerics.
//
// RTA counts every exported method of every type that may sit in an
// interface as reachable, since reflection could call it, but adds no call
// edge for that. Like the linker's dead-code pass, this algorithm only
// believes it when the program can call methods through reflection at all:
// when one of reflect's method accessors (Value.Method, Value.MethodByName,
// Type.Method, Type.MethodByName) is reachable, it adds an edge from each
// accessor to each such method, which also gives those methods a witness
// path. Otherwise a method of a type that merely appears in an interface,
// such as net/http's serverHandler in a client-only program, is not
// reachable.
var RTA Algorithm = rtaAlgorithm{}

type rtaAlgorithm struct{}

func (rtaAlgorithm) Name() string { return "rta" }

func (a rtaAlgorithm) Graph(prog *ssa.Program, roots []*ssa.Function) (*Graph, error) {
	g, _, err := analyzeRTA(prog, roots)
	return g, err
}

// analyzeRTA returns the RTA graph of the program and RTA's own result,
// whose call graph holds the reflection edges the graph was given; VTA
// refines both.
func analyzeRTA(prog *ssa.Program, roots []*ssa.Function) (*Graph, *rta.Result, error) {
	if len(roots) == 0 {
		return nil, nil, errors.New("callgraph: rta: no roots")
	}
	name := RTA.Name()
	res := rta.Analyze(roots, true)

	// Which accessors a chain of calls reaches does not depend on the
	// order of the search, so this one need not sort (NewGraph's does, for
	// its witness paths, at about ten times the cost).
	reached := reachedBy(res.CallGraph, roots)
	var accessors []*ssa.Function
	for _, fn := range reflectMethodAccessors(prog) {
		if reached[fn] {
			accessors = append(accessors, fn)
		}
	}
	if len(accessors) == 0 {
		return NewGraph(name, roots, res.CallGraph), res, nil
	}
	cg := res.CallGraph
	for fn, r := range res.Reachable {
		// RTA marks methods of runtime types address-taken; only
		// exported ones are callable through reflection.
		if !r.AddrTaken || fn.Signature.Recv() == nil || fn.Object() == nil || !fn.Object().Exported() {
			continue
		}
		for _, acc := range accessors {
			xcallgraph.AddEdge(cg.CreateNode(acc), nil, cg.CreateNode(fn))
		}
	}
	return NewGraph(name, roots, cg), res, nil
}

// reachedBy returns the functions that a chain of call edges of cg leads
// to from roots, roots included.
func reachedBy(cg *xcallgraph.Graph, roots []*ssa.Function) map[*ssa.Function]bool {
	reached := make(map[*ssa.Function]bool, len(cg.Nodes))
	stack := slices.Clone(roots)
	for _, r := range roots {
		reached[r] = true
	}
	for len(stack) > 0 {
		fn := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := cg.Nodes[fn]
		if n == nil {
			continue
		}
		for _, e := range n.Out {
			if c := e.Callee.Func; !reached[c] {
				reached[c] = true
				stack = append(stack, c)
			}
		}
	}
	return reached
}

// reflectMethodAccessors returns the functions of package reflect through
// which a program obtains a method it can then call, if reflect is part of
// prog.
func reflectMethodAccessors(prog *ssa.Program) []*ssa.Function {
	reflect := prog.ImportedPackage("reflect")
	if reflect == nil {
		return nil
	}
	var fns []*ssa.Function
	for _, typeName := range []string{"Value", "rtype"} {
		t := reflect.Type(typeName)
		if t == nil {
			continue
		}
		// The pointer's method set has the methods of both receiver
		// kinds; FuncValue gives the declared method, not a wrapper.
		mset := prog.MethodSets.MethodSet(types.NewPointer(t.Type()))
		for _, name := range []string{"Method", "MethodByName"} {
			if sel := mset.Lookup(reflect.Pkg, name); sel != nil {
				if fn := prog.FuncValue(sel.Obj().(*types.Func)); fn != nil {
					fns = append(fns, fn)
				}
			}
		}
	}
	return fns
}
