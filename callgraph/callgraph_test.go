package callgraph_test

import (
	"context"
	"go/types"
	"slices"
	"sync"
	"testing"

	"github.com/ssaweave/ssaweave/analysis"
	"github.com/ssaweave/ssaweave/callgraph"
	"golang.org/x/tools/go/ssa"
)

// program is a testdata program loaded once per test binary, with the RTA
// graph of each of its mains.
type program struct {
	once   sync.Once
	graphs map[string]*callgraph.Graph // by main package path
	funcs  map[string]*ssa.Function    // functions of the mains, by ssa name
	err    error
}

var (
	dispatch   = &program{}
	reflection = &program{}
)

// load returns the graphs of the program in testdata/dir and a lookup of
// the functions of its main packages by the name go/ssa gives them.
func (p *program) load(t *testing.T, dir string) (map[string]*callgraph.Graph, func(string) *ssa.Function) {
	t.Helper()
	p.once.Do(func() {
		prog, err := analysis.Load(context.Background(), analysis.Config{Dir: "testdata/" + dir, Patterns: []string{"./..."}})
		if err != nil {
			p.err = err
			return
		}
		p.graphs = make(map[string]*callgraph.Graph)
		p.funcs = make(map[string]*ssa.Function)
		add := func(fn *ssa.Function) {
			p.funcs[fn.String()] = fn
			for _, anon := range fn.AnonFuncs {
				p.funcs[anon.String()] = anon
			}
		}
		for _, main := range prog.Mains {
			g, err := callgraph.RTA.Graph(prog.SSA, callgraph.Roots(main))
			if err != nil {
				p.err = err
				return
			}
			p.graphs[main.Pkg.Path()] = g
			for _, m := range main.Members {
				switch m := m.(type) {
				case *ssa.Function:
					add(m)
				case *ssa.Type:
					if named, ok := m.Type().(*types.Named); ok {
						for meth := range named.Methods() {
							add(prog.SSA.FuncValue(meth))
						}
					}
				}
			}
		}
	})
	if p.err != nil {
		t.Fatal(p.err)
	}
	return p.graphs, func(name string) *ssa.Function {
		t.Helper()
		fn := p.funcs[name]
		if fn == nil {
			t.Fatalf("no function %s", name)
		}
		return fn
	}
}

// checkPaths checks the witness path of each function; a nil want means
// unreachable.
func checkPaths(t *testing.T, g *callgraph.Graph, fn func(string) *ssa.Function, cases map[string][]string) {
	t.Helper()
	for name, want := range cases {
		f := fn(name)
		got := callgraph.Names(g.Path(f))
		if want == nil {
			if g.Reachable(f) || len(got) > 0 {
				t.Errorf("%s: reachable with path %v, want unreachable", name, got)
			}
			continue
		}
		if !g.Reachable(f) {
			t.Errorf("%s: not reachable", name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: path\n got %v\nwant %v", name, got, want)
		}
	}
}

func TestPaths(t *testing.T) {
	graphs, fn := dispatch.load(t, "dispatch")
	g := graphs["example.com/dispatch"]
	if g.Algorithm() != "rta" {
		t.Errorf("Algorithm() = %q, want rta", g.Algorithm())
	}
	const p = "example.com/dispatch."
	checkPaths(t, g, fn, map[string][]string{
		p + "main": {p + "main"},
		// Interface dispatch: Square is converted to Shape.
		"(" + p + "Square).Area": {p + "main", "(" + p + "Square).Area"},
		p + "leaf":               {p + "main", "(" + p + "Square).Area", p + "leaf"},
		// A closure called through a function value by another function.
		p + "deep": {p + "main", p + "apply", p + "main$1", p + "deep"},
		// Package initializers are roots too.
		p + "initOnly": {p + "init", p + "init#1", p + "initOnly"},
		// Never converted to an interface.
		"(*" + p + "Circle).Area": nil,
		p + "unused":              nil,
	})
}

func TestPathsDeterministic(t *testing.T) {
	graphs, fn := dispatch.load(t, "dispatch")
	g := graphs["example.com/dispatch"]
	// A fresh graph from a fresh RTA run must pick the same witness even
	// though RTA adds edges in map order.
	h := callgraph.NewGraph("again", g.Roots(), g.CallGraph())
	for _, name := range []string{"example.com/dispatch.deep", "example.com/dispatch.leaf"} {
		if a, b := callgraph.Names(g.Path(fn(name))), callgraph.Names(h.Path(fn(name))); !slices.Equal(a, b) {
			t.Errorf("%s: %v then %v", name, a, b)
		}
	}
}

func TestRootsOrder(t *testing.T) {
	graphs, _ := dispatch.load(t, "dispatch")
	g := graphs["example.com/dispatch"]
	if got, want := callgraph.Names(g.Roots()), []string{"example.com/dispatch.main", "example.com/dispatch.init"}; !slices.Equal(got, want) {
		t.Errorf("roots = %v, want %v", got, want)
	}
}

// TestReflection checks that methods callable only through reflection are
// reachable exactly when the program can look methods up.
func TestReflection(t *testing.T) {
	graphs, fn := reflection.load(t, "reflect")
	const calls, nocall = "example.com/reflect/calls", "example.com/reflect/nocall"
	checkPaths(t, graphs[calls], fn, map[string][]string{
		"(" + calls + ".T).Hello": {calls + ".main", "(reflect.Value).MethodByName", "(" + calls + ".T).Hello"},
		"(" + calls + ".U).Hello": nil,
	})
	checkPaths(t, graphs[nocall], fn, map[string][]string{
		"(" + nocall + ".T).Hello": nil,
	})
}
