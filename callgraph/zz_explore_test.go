package callgraph_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ssaweave/ssaweave/analysis"
	"github.com/ssaweave/ssaweave/callgraph"
	"golang.org/x/tools/go/ssa"
)

func TestExplore(t *testing.T) {
	dir := os.Getenv("EXPLORE_DIR")
	if dir == "" {
		t.Skip()
	}
	t0 := time.Now()
	prog, err := analysis.Load(context.Background(), analysis.Config{Dir: dir, Patterns: strings.Fields(os.Getenv("EXPLORE_PAT"))})
	if err != nil {
		t.Fatal(err)
	}
	nf := 0
	for fn := range allFuncs(prog.SSA) {
		_ = fn
		nf++
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	fmt.Printf("load %v funcs %d heap %dMB\n", time.Since(t0), nf, ms.HeapAlloc>>20)
	for _, m := range prog.Mains {
		var gs []*callgraph.Graph
		for _, alg := range []callgraph.Algorithm{callgraph.RTA, callgraph.VTA} {
			t1 := time.Now()
			g, err := alg.Graph(prog.SSA, callgraph.Roots(m))
			if err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&ms)
			n := 0
			for fn := range allFuncs(prog.SSA) {
				if g.Reachable(fn) {
					n++
				}
			}
			fmt.Printf("%s %s: %v reachable %d heap %dMB\n", m.Pkg.Path(), alg.Name(), time.Since(t1), n, ms.HeapAlloc>>20)
			gs = append(gs, g)
		}
		for _, target := range strings.Fields(os.Getenv("EXPLORE_TARGETS")) {
			for fn := range allFuncs(prog.SSA) {
				if fn.String() == target {
					for _, g := range gs {
						fmt.Printf("  %s %s: %s\n", g.Algorithm(), target, strings.Join(callgraph.Names(g.Path(fn)), "\n      -> "))
					}
				}
			}
		}
	}
}

func allFuncs(prog *ssa.Program) map[*ssa.Function]bool {
	return ssautilAll(prog)
}
