package benchmarks

import (
	"bufio"
	"bytes"
	"path/filepath"
	"regexp"
	"slices"
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
// BenchmarkCall benchmarks of testdata/bench/cmd/calls and cmd/callsoff
// (the same lookup unwoven, woven through //ssaweave:span, and with the
// same span written by hand) run in the woven test binaries (`ssaweave go
// test -c`) and in the plain ones (`go test -c`), as child processes. The
// tracing states:
//
//   - off: cmd/callsoff with OTEL_TRACES_EXPORTER=none. That program never
//     installs a TracerProvider, so the woven hook is left unbound.
//   - never: cmd/callsoff with an exporter and OTEL_TRACES_SAMPLER=always_off:
//     the runtime's SDK is installed and samples nothing; the hook is left
//     unbound too.
//   - offbound: cmd/calls with OTEL_TRACES_EXPORTER=none. That program
//     installs a provider later, so the hook stays bound and checks for
//     one on every call.
//   - unsampled, sampled: cmd/calls with its own provider, whose sampler
//     drops or keeps every span.
//
// Metrics, per build, state and variant: ns/op, B/op, allocs/op (plain
// builds: only the woven variant, whose span is not woven there: the
// control); and, from the woven build, what the span adds to a call (woven
// minus plain, per state) and woven against manual. The child's
// -test.benchtime is SSAWEAVE_BENCH_CALLTIME (default 2000x).
func BenchmarkCalls(b *testing.B) {
	tool := ssaweaveTool(b)
	work := b.TempDir()
	dir := filepath.Join(work, "bench")
	if err := copyTree(filepath.Join(repoRoot(b), "testdata", "bench"), dir); err != nil {
		b.Fatal(err)
	}
	env := withEnv("SSAWEAVE_CACHE=" + filepath.Join(work, "ssaweave-cache"))
	// One child run: a test binary of a package, in an environment, and
	// the states it reports.
	type run struct {
		pkg    string
		env    []string
		states []string
	}
	runs := []run{
		{"calls", withEnv("OTEL_TRACES_EXPORTER=none"), []string{"offbound", "unsampled", "sampled"}},
		{"callsoff", withEnv("OTEL_TRACES_EXPORTER=none"), []string{"off"}},
		{"callsoff", withEnv("OTEL_TRACES_EXPORTER=console", "OTEL_TRACES_SAMPLER=always_off"), []string{"never"}},
	}
	bin := func(build, pkg string) string { return filepath.Join(work, build+"-"+pkg+".test") }
	for _, pkg := range []string{"calls", "callsoff"} {
		mustRun(b, dir, env, tool, "go", "test", "-c", "-o", bin("woven", pkg), "./cmd/"+pkg)
		mustRun(b, dir, env, "go", "test", "-c", "-o", bin("plain", pkg), "./cmd/"+pkg)
	}
	benchtime := envOr(envBenchCallTime, "2000x")

	b.ResetTimer()
	sums := map[string]float64{}
	var states []string
	for _, r := range runs {
		states = append(states, r.states...)
	}
	for range b.N {
		order := []string{"plain", "woven"}
		if callsRounds%2 == 1 {
			order = []string{"woven", "plain"}
		}
		callsRounds++
		ns := map[string]float64{} // build/state/variant
		for _, r := range runs {
			for _, build := range order {
				out := mustRun(b, dir, r.env, bin(build, r.pkg), "-test.run=^$", "-test.bench=^BenchmarkCall$", "-test.benchmem", "-test.benchtime="+benchtime)
				n := 0
				sc := bufio.NewScanner(bytes.NewReader(out))
				for sc.Scan() {
					m := callLine.FindStringSubmatch(sc.Text())
					if m == nil || !slices.Contains(r.states, m[1]) {
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
				if want := 3 * len(r.states); n != want {
					b.Fatalf("%s test binary of %s in %v: want %d BenchmarkCall results (%v, 3 variants each), got %d:\n%s", build, r.pkg, r.env[len(r.env)-1], want, r.states, n, out)
				}
			}
		}
		for _, state := range states {
			w := ns["woven/"+state+"/woven"]
			sums["span-"+state+"-ns"] += w - ns["woven/"+state+"/plain"]
			sums["woven/manual-"+state+"-x"] += w / ns["woven/"+state+"/manual"]
		}
	}
	for k, v := range sums {
		b.ReportMetric(v/float64(b.N), k)
	}
}
