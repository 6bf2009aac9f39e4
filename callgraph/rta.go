package callgraph

import (
	"errors"
	"go/types"

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
	g := NewGraph(name, roots, res.CallGraph)

	var accessors []*ssa.Function
	for _, fn := range reflectMethodAccessors(prog) {
		if g.Reachable(fn) {
			accessors = append(accessors, fn)
		}
	}
	if len(accessors) == 0 {
		return g, res, nil
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
