package callgraph_test

import (
	"context"
	"go/types"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ssaweave/ssaweave/analysis"
	"github.com/ssaweave/ssaweave/callgraph"
	"golang.org/x/tools/go/ssa"
)

// both is a testdata program with the RTA and VTA graphs of each main.
type both struct {
	once  sync.Once
	prog  *analysis.Program
	rta   map[string]*callgraph.Graph // by main package path
	vta   map[string]*callgraph.Graph
	funcs map[string]*ssa.Function // functions of the mains, closures included, by ssa name
	err   error
}

var (
	vtaProg      = &both{}
	dispatchBoth = &both{}
	reflectBoth  = &both{}
)

// load loads testdata/dir once and builds both graphs of each main.
func (b *both) load(t *testing.T, dir string) *both {
	t.Helper()
	b.once.Do(func() {
		b.prog, b.err = analysis.Load(context.Background(), analysis.Config{Dir: "testdata/" + dir, Patterns: []string{"./..."}})
		if b.err != nil {
			return
		}
		b.rta, b.vta, b.funcs = map[string]*callgraph.Graph{}, map[string]*callgraph.Graph{}, map[string]*ssa.Function{}
		var add func(fn *ssa.Function)
		add = func(fn *ssa.Function) {
			b.funcs[fn.String()] = fn
			for _, anon := range fn.AnonFuncs {
				add(anon)
			}
		}
		for _, m := range b.prog.Mains {
			roots := callgraph.Roots(m)
			if b.rta[m.Pkg.Path()], b.err = callgraph.RTA.Graph(b.prog.SSA, roots); b.err != nil {
				return
			}
			if b.vta[m.Pkg.Path()], b.err = callgraph.VTA.Graph(b.prog.SSA, roots); b.err != nil {
				return
			}
			for _, mem := range m.Members {
				switch mem := mem.(type) {
				case *ssa.Function:
					add(mem)
				case *ssa.Type:
					for _, t := range []types.Type{mem.Type(), types.NewPointer(mem.Type())} {
						mset := b.prog.SSA.MethodSets.MethodSet(t)
						for sel := range mset.Methods() {
							if fn := b.prog.SSA.MethodValue(sel); fn != nil && fn.Synthetic == "" {
								add(fn)
							}
						}
					}
				}
			}
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b
}

func (b *both) fn(t *testing.T, name string) *ssa.Function {
	t.Helper()
	fn := b.funcs[name]
	if fn == nil {
		t.Fatalf("no function %s", name)
	}
	return fn
}

// TestVTAPrecision checks, for every kind of dynamic call, that VTA keeps
// the callees that can flow to it (live...), drops the ones RTA adds only
// because their type or value exists elsewhere (dead...), and keeps the
// ones that flow where it cannot see (hidden...).
func TestVTAPrecision(t *testing.T) {
	b := vtaProg.load(t, "vta")
	const p = "example.com/vta."
	rg, vg := b.rta["example.com/vta"], b.vta["example.com/vta"]
	if vg.Algorithm() != "vta" || rg.Algorithm() != "rta" {
		t.Fatalf("algorithms %q, %q", rg.Algorithm(), vg.Algorithm())
	}
	var live, dead, hidden int
	for name, fn := range b.funcs {
		short := strings.TrimPrefix(name, p)
		switch {
		case strings.HasPrefix(short, "live"), strings.HasPrefix(short, "hidden"):
			if !rg.Reachable(fn) || !vg.Reachable(fn) {
				t.Errorf("%s: reachable by RTA %v, by VTA %v; want both", name, rg.Reachable(fn), vg.Reachable(fn))
			}
			if strings.HasPrefix(short, "live") {
				live++
			} else {
				hidden++
			}
		case strings.HasPrefix(short, "dead"):
			dead++
			if !rg.Reachable(fn) || vg.Reachable(fn) {
				t.Errorf("%s: reachable by RTA %v, by VTA %v (%v); want RTA only", name, rg.Reachable(fn), vg.Reachable(fn), callgraph.Names(vg.Path(fn)))
			}
		}
	}
	if live != 7 || dead != 6 || hidden != 6 {
		t.Errorf("%d live, %d dead, %d hidden functions; the test program has 7, 6 and 6", live, dead, hidden)
	}
	// Witnesses go through the construct that makes the call.
	checkPaths(t, vg, func(name string) *ssa.Function { return b.fn(t, name) }, map[string][]string{
		p + "liveNotify":   {p + "main", "(" + p + "console).notify", p + "liveNotify"},
		p + "liveAdd":      {p + "main", p + "apply", "(" + p + "counter).add$bound", "(" + p + "counter).add", p + "liveAdd"},
		p + "liveField":    {p + "main", "(*" + p + "server).fail", p + "liveField"},
		p + "liveGeneric":  {p + "main", p + "mapAll[string, rune]", p + "main$4", p + "liveGeneric"},
		p + "liveGo":       {p + "main", p + "run", p + "main$5", p + "liveGo"},
		p + "liveDefer":    {p + "main", p + "run", p + "liveDefer"},
		p + "hiddenTimer":  {p + "main", "time.AfterFunc", "time.goFunc", p + "heartbeat", p + "hiddenTimer"},
		p + "hiddenUnsafe": {p + "main", p + "callWord", p + "word", p + "hiddenUnsafe"},
		p + "hiddenAtomic": {p + "main", "(" + p + "host).ping", p + "hiddenAtomic"},
	})
}

// TestVTADispatch checks that VTA finds the paths RTA finds where there is
// nothing to refine.
func TestVTADispatch(t *testing.T) {
	b := dispatchBoth.load(t, "dispatch")
	const p = "example.com/dispatch."
	checkPaths(t, b.vta["example.com/dispatch"], func(name string) *ssa.Function { return b.fn(t, name) }, map[string][]string{
		"(" + p + "Square).Area":  {p + "main", "(" + p + "Square).Area"},
		p + "deep":                {p + "main", p + "apply", p + "main$1", p + "deep"},
		p + "initOnly":            {p + "init", p + "init#1", p + "initOnly"},
		"(*" + p + "Circle).Area": nil,
		p + "unused":              nil,
	})
}

// TestVTAReflection checks that VTA keeps RTA's reflection edges: methods
// callable only through reflection are reachable exactly when the program
// can look methods up.
func TestVTAReflection(t *testing.T) {
	b := reflectBoth.load(t, "reflect")
	const calls, nocall = "example.com/reflect/calls", "example.com/reflect/nocall"
	fn := func(name string) *ssa.Function { return b.fn(t, name) }
	checkPaths(t, b.vta[calls], fn, map[string][]string{
		"(" + calls + ".T).Hello": {calls + ".main", "(reflect.Value).MethodByName", "(" + calls + ".T).Hello"},
		"(" + calls + ".U).Hello": nil,
	})
	checkPaths(t, b.vta[nocall], fn, map[string][]string{
		"(" + nocall + ".T).Hello": nil,
	})
}

// TestVTADeterministic builds the VTA graph again, and again through
// StageRTA: the same functions are reachable, with the same witnesses.
func TestVTADeterministic(t *testing.T) {
	b := vtaProg.load(t, "vta")
	g := b.vta["example.com/vta"]
	s, err := callgraph.StageRTA(b.prog.SSA, g.Roots())
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.VTA()
	if err != nil {
		t.Fatal(err)
	}
	if s.RTA().Len() != b.rta["example.com/vta"].Len() {
		t.Errorf("StageRTA reaches %d functions, RTA %d", s.RTA().Len(), b.rta["example.com/vta"].Len())
	}
	if g.Len() != again.Len() {
		t.Fatalf("%d then %d functions reachable", g.Len(), again.Len())
	}
	fns := slices.Collect(g.All())
	for _, fn := range fns {
		if a, b := callgraph.Names(g.Path(fn)), callgraph.Names(again.Path(fn)); !slices.Equal(a, b) {
			t.Errorf("%s: path %v, then %v", fn, a, b)
		}
	}
}
