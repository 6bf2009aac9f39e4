package callgraph_test

import (
	"context"
	"slices"
	"testing"

	"github.com/ssaweave/ssaweave/analysis"
	"github.com/ssaweave/ssaweave/callgraph"
	"golang.org/x/tools/go/ssa"
)

func TestCalleesAtAndPathFrom(t *testing.T) {
	prog, err := analysis.Load(context.Background(), analysis.Config{Dir: "testdata/gostmt", Patterns: []string{"."}})
	if err != nil {
		t.Fatal(err)
	}
	main := prog.Mains[0].Func("main")
	g, err := callgraph.RTA.Graph(prog.SSA, callgraph.Roots(prog.Mains[0]))
	if err != nil {
		t.Fatal(err)
	}
	var gos []*ssa.Go
	for _, b := range main.Blocks {
		for _, in := range b.Instrs {
			if g, ok := in.(*ssa.Go); ok {
				gos = append(gos, g)
			}
		}
	}
	if len(gos) != 3 {
		t.Fatalf("%d go instructions in main, want 3", len(gos))
	}
	isTarget := func(fn *ssa.Function) bool { return fn.Name() == "target" }

	// go j.Do(): both implementations (and their pointer wrappers), in
	// name order.
	callees := g.CalleesAt(main, gos[0])
	if got, want := callgraph.Names(callees), []string{"(*example.com/gostmt.A).Do", "(*example.com/gostmt.B).Do", "(example.com/gostmt.A).Do", "(example.com/gostmt.B).Do"}; !slices.Equal(got, want) {
		t.Errorf("CalleesAt(go j.Do()) = %v, want %v", got, want)
	}
	// The shortest chain to target is through B.
	if got, want := callgraph.Names(g.PathFrom(callees, isTarget)), []string{"(example.com/gostmt.B).Do", "example.com/gostmt.b1", "example.com/gostmt.target"}; !slices.Equal(got, want) {
		t.Errorf("PathFrom(Do) = %v, want %v", got, want)
	}

	// go func() {...}(): the literal, which never reaches target.
	callees = g.CalleesAt(main, gos[1])
	if got, want := callgraph.Names(callees), []string{"example.com/gostmt.main$1"}; !slices.Equal(got, want) {
		t.Errorf("CalleesAt(go func) = %v, want %v", got, want)
	}
	if p := g.PathFrom(callees, isTarget); p != nil {
		t.Errorf("PathFrom(main$1) = %v, want none", callgraph.Names(p))
	}

	// go viaBlocked(): reaches target, but not once blocked is excluded.
	callees = g.CalleesAt(main, gos[2])
	if p := g.PathFrom(callees, isTarget); len(p) != 3 {
		t.Errorf("PathFrom(viaBlocked) = %v, want viaBlocked, blocked, target", callgraph.Names(p))
	}
	without := g.Without(func(fn *ssa.Function) bool { return fn.Name() == "blocked" })
	if p := without.PathFrom(callees, isTarget); p != nil {
		t.Errorf("PathFrom(viaBlocked) without blocked = %v, want none", callgraph.Names(p))
	}
	// A target among the starting functions is a chain of one.
	if p := g.PathFrom(callees, func(fn *ssa.Function) bool { return fn.Name() == "viaBlocked" }); len(p) != 1 {
		t.Errorf("PathFrom to a starting function = %v, want it alone", callgraph.Names(p))
	}
	if got := g.CalleesAt(prog.Mains[0].Func("main2"), gos[0]); got != nil {
		t.Errorf("CalleesAt(other function's site) = %v, want none", callgraph.Names(got))
	}
}
