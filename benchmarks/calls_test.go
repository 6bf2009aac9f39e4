package benchmarks

import (
	"bufio"
	"bytes"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// callLine matches a result line of testdata/bench's BenchmarkCall run
// with -benchmem: state, variant, ns/op, B/op, allocs/op.
var callLine = regexp.MustCompile(`^BenchmarkCall/(\w+)/(\w+)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op\s+(\d+) B/op\s+(\d+) allocs/op`)

// callsRounds counts BenchmarkCalls' rounds in this process; the two test
// binaries take turns at running first.
var callsRounds int

// BenchmarkCalls measures the per-call cost of a function span: the
// BenchmarkCall benchmarks of testdata/bench/cmd/calls (the same lookup
// unwoven, woven through //ssaweave:span, and with the same span written
// by hand; tracing off, unsampled and sampled) run in the woven test
// binary (`ssaweave go test -c`) and in the plain one (`go test -c`), as
// child processes with OTEL_TRACES_EXPORTER=none so that "off" means no
// SDK. Metrics, per build, state and variant: ns/op, B/op, allocs/op
// (plain builds: only the woven variant, whose span is not woven there:
// the control); and, from the woven build, what the span adds to a call
// (woven minus plain, per state) and woven against manual. The child's
// -test.benchtime is SSAWEAVE_BENCH_CALLTIME (default 2000x).
func BenchmarkCalls(b *testing.B) {
	tool := ssaweaveTool(b)
	work := b.TempDir()
	dir := filepath.Join(work, "bench")
	if err := copyTree(filepath.Join(repoRoot(b), "testdata", "bench"), dir); err != nil {
		b.Fatal(err)
	}
	env := withEnv("SSAWEAVE_CACHE=" + filepath.Join(work, "ssaweave-cache"))
	bins := map[string]string{"woven": filepath.Join(work, "woven.test"), "plain": filepath.Join(work, "plain.test")}
	mustRun(b, dir, env, tool, "go", "test", "-c", "-o", bins["woven"], "./cmd/calls")
	mustRun(b, dir, env, "go", "test", "-c", "-o", bins["plain"], "./cmd/calls")
	benchtime := envOr(envBenchCallTime, "2000x")
	runEnv := withEnv("OTEL_TRACES_EXPORTER=none")

	b.ResetTimer()
	sums := map[string]float64{}
	for range b.N {
		order := []string{"plain", "woven"}
		if callsRounds%2 == 1 {
			order = []string{"woven", "plain"}
		}
		callsRounds++
		ns := map[string]float64{} // build/state/variant
		for _, build := range order {
			out := mustRun(b, dir, runEnv, bins[build], "-test.run=^$", "-test.bench=^BenchmarkCall$", "-test.benchmem", "-test.benchtime="+benchtime)
			n := 0
			sc := bufio.NewScanner(bytes.NewReader(out))
			for sc.Scan() {
				m := callLine.FindStringSubmatch(sc.Text())
				if m == nil {
					continue
				}
				n++
				state, variant := m[1], m[2]
				ns[build+"/"+state+"/"+variant], _ = strconv.ParseFloat(m[3], 64)
				if build == "plain" && variant != "woven" {
					continue
				}
				key := build + "-" + state + "-" + variant
				sums[key+"-ns"] += ns[build+"/"+state+"/"+variant]
				bytesOp, _ := strconv.ParseFloat(m[4], 64)
				allocs, _ := strconv.ParseFloat(m[5], 64)
				sums[key+"-B"] += bytesOp
				sums[key+"-allocs"] += allocs
			}
			if n != 9 {
				b.Fatalf("%s test binary: want 9 BenchmarkCall results (3 states, 3 variants), got %d:\n%s", build, n, out)
			}
		}
		for _, state := range []string{"off", "unsampled", "sampled"} {
			w := ns["woven/"+state+"/woven"]
			sums["span-"+state+"-ns"] += w - ns["woven/"+state+"/plain"]
			sums["woven/manual-"+state+"-x"] += w / ns["woven/"+state+"/manual"]
		}
	}
	for k, v := range sums {
		b.ReportMetric(v/float64(b.N), k)
	}
}
