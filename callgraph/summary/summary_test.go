package summary_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ssaweave/ssaweave/analysis"
	"github.com/ssaweave/ssaweave/callgraph"
	"github.com/ssaweave/ssaweave/callgraph/summary"
	"golang.org/x/tools/go/callgraph/rta"
	"golang.org/x/tools/go/ssa"
)

// TestSameAsRTA checks the solver against x/tools' RTA on real programs:
// from the summary alone (after a round trip through gob, as a cache
// would store it), it must find every function RTA finds reachable, and
// nothing more but for one documented difference: when x/tools first
// meets a named type through an alias (os.FileMode = fs.FileMode), it
// records the type and skips the pointer to it and its underlying type,
// so the methods of *N (and those its underlying struct promotes) that
// reflection could call are missing there; the solver always includes
// them. The programs cover interfaces, reflection, generics, closures,
// method values, goroutines, net/http, and gRPC with protobuf.
func TestSameAsRTA(t *testing.T) {
	type program struct{ dir, pattern string }
	programs := []program{
		{"../../testdata/httpserver", "./..."},
		{"../../testdata/grpcapp", "."},
		{"../../ssaweave/testdata/precision", "./..."},
		{"../testdata/reflect", "./..."},
		{"../testdata/dispatch", "./..."},
	}
	if dir := os.Getenv("SSAWEAVE_SUMMARY_DIR"); dir != "" {
		// Another program, as for BenchmarkSummary.
		programs = []program{{dir, os.Getenv("SSAWEAVE_SUMMARY_PATTERN")}}
	}
	for _, c := range programs {
		t.Run(filepath.Base(c.dir), func(t *testing.T) {
			prog, err := analysis.Load(context.Background(), analysis.Config{Dir: c.dir, Patterns: []string{c.pattern}})
			if err != nil {
				t.Fatal(err)
			}
			sum, ids := summary.Of(prog.SSA)
			// Named types that an alias names: x/tools may skip the
			// pointers to them and their underlying types.
			var aliased []types.Type
			for _, p := range prog.SSA.AllPackages() {
				for _, name := range p.Pkg.Scope().Names() {
					if tn, ok := p.Pkg.Scope().Lookup(name).(*types.TypeName); ok && tn.IsAlias() {
						if n, ok := types.Unalias(tn.Type()).(*types.Named); ok {
							aliased = append(aliased, n)
						}
					}
				}
			}
			fns := make(map[string]*ssa.Function, len(ids))
			for fn := range ids {
				fns[fn.String()] = fn
			}
			// explained reports whether the function named name is a
			// method of a type x/tools skips behind an alias.
			explained := func(name string) bool {
				fn := fns[name]
				if fn == nil || fn.Signature.Recv() == nil {
					return false
				}
				recv := fn.Signature.Recv().Type()
				return slices.ContainsFunc(aliased, func(n types.Type) bool {
					return types.Identical(recv, types.NewPointer(n)) || types.Identical(recv, n.Underlying())
				})
			}
			var buf bytes.Buffer
			if err := gob.NewEncoder(&buf).Encode(sum); err != nil {
				t.Fatal(err)
			}
			var read summary.Summary
			if err := gob.NewDecoder(&buf).Decode(&read); err != nil {
				t.Fatal(err)
			}
			for _, main := range prog.Mains {
				roots := callgraph.Roots(main)
				var want []string
				for fn := range rta.Analyze(roots, false).Reachable {
					want = append(want, fn.String())
				}
				var rootIDs []int32
				for _, r := range roots {
					rootIDs = append(rootIDs, ids[r])
				}
				var got []string
				for id, ok := range summary.Reachable(&read, rootIDs) {
					if ok {
						got = append(got, read.Names[id])
					}
				}
				slices.Sort(want)
				slices.Sort(got)
				missing, extra := diff(want, got), diff(got, want)
				extra = slices.DeleteFunc(extra, explained)
				if len(missing) > 0 || len(extra) > 0 {
					t.Errorf("%s: %d reachable, RTA %d; missing %d %v; unexplained extra %d %v", main.Pkg.Path(), len(got), len(want), len(missing), head(missing), len(extra), head(extra))
				}
				if len(want) < 5 {
					t.Errorf("%s: only %d functions reachable: the roots are wrong", main.Pkg.Path(), len(want))
				}
			}
		})
	}
}

// diff returns the elements of a (sorted) not in b (sorted).
func diff(a, b []string) []string {
	var out []string
	for _, s := range a {
		if _, found := slices.BinarySearch(b, s); !found {
			out = append(out, s)
		}
	}
	return out
}

func head(s []string) []string { return s[:min(len(s), 10)] }

// BenchmarkSummary measures the pieces of the incremental design on one
// program (default testdata/bench's cmd/server; SSAWEAVE_SUMMARY_DIR and
// SSAWEAVE_SUMMARY_PATTERN name another): how long summarising the whole
// program from SSA takes (done once per dependency version), how big the
// summary is and how long reading it back takes (what a re-plan reads),
// and how long the global solve takes (what a re-plan runs), against
// x/tools' RTA on the same SSA. Reported per run: summarize-s, gob-MB,
// decode-ms, solve-ms, rta-ms, functions, types.
func BenchmarkSummary(b *testing.B) {
	dir, pattern := os.Getenv("SSAWEAVE_SUMMARY_DIR"), os.Getenv("SSAWEAVE_SUMMARY_PATTERN")
	if dir == "" {
		dir, pattern = "../../testdata/bench", "./cmd/server"
	}
	prog, err := analysis.Load(context.Background(), analysis.Config{Dir: dir, Patterns: []string{pattern}})
	if err != nil {
		b.Fatal(err)
	}
	roots := callgraph.Roots(prog.Mains[0])
	b.ResetTimer()
	var summarize, decode, solve, xrta time.Duration
	var size int
	var sum *summary.Summary
	for range b.N {
		start := time.Now()
		s, ids := summary.Of(prog.SSA)
		summarize += time.Since(start)
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(s); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
		start = time.Now()
		sum = new(summary.Summary)
		if err := gob.NewDecoder(&buf).Decode(sum); err != nil {
			b.Fatal(err)
		}
		decode += time.Since(start)
		var rootIDs []int32
		for _, r := range roots {
			rootIDs = append(rootIDs, ids[r])
		}
		start = time.Now()
		summary.Reachable(sum, rootIDs)
		solve += time.Since(start)
		start = time.Now()
		rta.Analyze(roots, true)
		xrta += time.Since(start)
	}
	n := float64(b.N)
	b.ReportMetric(summarize.Seconds()/n, "summarize-s")
	b.ReportMetric(float64(size)/1e6, "gob-MB")
	b.ReportMetric(float64(decode.Milliseconds())/n, "decode-ms")
	b.ReportMetric(float64(solve.Milliseconds())/n, "solve-ms")
	b.ReportMetric(float64(xrta.Milliseconds())/n, "rta-ms")
	b.ReportMetric(float64(len(sum.Funcs)), "functions")
	b.ReportMetric(float64(len(sum.Types)), "types")
}
