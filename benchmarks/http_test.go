package benchmarks

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ssaweave/ssaweave/internal/e2e"
)

// httpConfig is one service configuration BenchmarkHTTP loads.
type httpConfig struct {
	name  string
	build string   // "plain", "woven" or "manual"
	env   []string // OTEL_* settings
}

// httpConfigs are the configurations of testdata/bench/cmd/server that
// BenchmarkHTTP compares: plain; woven with tracing off (no exporter: the
// runtime then installs no SDK) and with OTEL_SDK_DISABLED=true (nothing at
// all, not even a propagator); woven and hand-instrumented with an SDK that samples
// nothing and with one that samples every request, exporting over
// OTLP/HTTP to a sink that accepts and discards.
var httpConfigs = []httpConfig{
	{"plain", "plain", nil},
	{"woven-off", "woven", []string{"OTEL_TRACES_EXPORTER=none"}},
	{"woven-disabled", "woven", []string{"OTEL_SDK_DISABLED=true"}},
	{"woven-unsampled", "woven", []string{"OTEL_TRACES_SAMPLER=always_off"}},
	{"manual-unsampled", "manual", []string{"OTEL_TRACES_SAMPLER=always_off"}},
	{"woven-sampled", "woven", []string{"OTEL_TRACES_SAMPLER=always_on"}},
	{"manual-sampled", "manual", []string{"OTEL_TRACES_SAMPLER=always_on"}},
}

// httpRatios are the throughput and latency ratios BenchmarkHTTP reports
// for each round: numerator and denominator configurations.
var httpRatios = [][2]string{
	{"woven-off", "plain"},
	{"woven-disabled", "plain"},
	{"woven-unsampled", "manual-unsampled"},
	{"woven-sampled", "manual-sampled"},
	{"woven-sampled", "plain"},
	{"manual-sampled", "plain"},
}

// httpRounds counts BenchmarkHTTP's rounds in this process; each starts
// with the next configuration.
var httpRounds int

// loadResult is the JSON line benchmarks/loadgen prints.
type loadResult struct {
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	RPS      float64 `json:"rps"`
	P50us    float64 `json:"p50_us"`
	P99us    float64 `json:"p99_us"`
}

// BenchmarkHTTP measures the throughput and latency of the testdata/bench
// service built plainly, woven (`ssaweave go build`) and instrumented by
// hand (build tag manual), each configuration in a process of its own,
// loaded by benchmarks/loadgen, another process, on 127.0.0.1 only, for a
// bounded time (SSAWEAVE_BENCH_HTTP_DURATION, default 300ms after 100ms of
// warm-up, from SSAWEAVE_BENCH_HTTP_CONNS connections, default 8). One
// round loads every configuration once, starting with a different one each
// round; the ratios compare configurations of the same round. Sampled
// services export to a sink in this process that discards what it gets;
// export-B/req is how much they sent per request, which shows that both
// really exported their spans.
func BenchmarkHTTP(b *testing.B) {
	dur, err := time.ParseDuration(envOr(envBenchHTTPTime, "300ms"))
	if err != nil || dur <= 0 {
		b.Fatalf("%s: want a positive Go duration (5s)", envBenchHTTPTime)
	}
	warmup := min(dur/3, time.Second)
	conns, err := strconv.Atoi(envOr(envBenchHTTPConns, "8"))
	if err != nil || conns < 1 {
		b.Fatalf("%s: want a positive number of connections", envBenchHTTPConns)
	}
	tool := ssaweaveTool(b)
	work := b.TempDir()
	dir := filepath.Join(work, "bench")
	if err := copyTree(filepath.Join(repoRoot(b), "testdata", "bench"), dir); err != nil {
		b.Fatal(err)
	}
	env := withEnv("SSAWEAVE_CACHE=" + filepath.Join(work, "ssaweave-cache"))
	bins := map[string]string{}
	for build, argv := range map[string][]string{
		"plain":  {"go", "build", "-o", filepath.Join(work, "plain"), "./cmd/server"},
		"woven":  {tool, "go", "build", "-o", filepath.Join(work, "woven"), "./cmd/server"},
		"manual": {"go", "build", "-tags", "manual", "-o", filepath.Join(work, "manual"), "./cmd/server"},
	} {
		mustRun(b, dir, env, argv...)
		bins[build] = argv[len(argv)-2]
	}
	loadgen := filepath.Join(work, "loadgen")
	mustRun(b, repoRoot(b), os.Environ(), "go", "build", "-o", loadgen, "./benchmarks/loadgen")

	sink := startSink(b)
	b.ResetTimer()
	sums := map[string]float64{}
	for range b.N {
		shift := httpRounds % len(httpConfigs)
		httpRounds++
		round := map[string]loadResult{}
		for _, c := range append(httpConfigs[shift:], httpConfigs[:shift]...) {
			before := sink.bytes.Load()
			srv := e2e.Start(b, bins[c.build], withEnv(append([]string{
				"OTEL_EXPORTER_OTLP_ENDPOINT=" + sink.url,
				"OTEL_SERVICE_NAME=bench-" + c.name,
			}, c.env...)...))
			out, err := exec.Command(loadgen, "-url", "http://"+srv.Addr+"/users/42",
				"-c", strconv.Itoa(conns), "-d", dur.String(), "-warmup", warmup.String()).Output()
			if err != nil {
				b.Fatalf("%s: loadgen: %v\n%s", c.name, err, stderrOf(err))
			}
			// The service flushes its spans when stopped.
			srv.Stop(b, syscall.SIGTERM)
			var r loadResult
			if err := json.Unmarshal(out, &r); err != nil {
				b.Fatalf("%s: loadgen printed %q: %v", c.name, out, err)
			}
			round[c.name] = r
			sums[c.name+"-rps"] += r.RPS
			sums[c.name+"-p50-us"] += r.P50us
			sums[c.name+"-p99-us"] += r.P99us
			sums[c.name+"-errors"] += float64(r.Errors)
			sums[c.name+"-export-B/req"] += float64(sink.bytes.Load()-before) / float64(r.Requests)
		}
		for _, q := range httpRatios {
			n, d := round[q[0]], round[q[1]]
			sums[q[0]+"/"+q[1]+"-rps-x"] += n.RPS / d.RPS
			sums[q[0]+"/"+q[1]+"-p50-x"] += n.P50us / d.P50us
			sums[q[0]+"/"+q[1]+"-p99-x"] += n.P99us / d.P99us
		}
	}
	for k, v := range sums {
		b.ReportMetric(v/float64(b.N), k)
	}
}

// sink is an OTLP/HTTP endpoint that accepts every export and discards it.
type sink struct {
	url   string
	bytes atomic.Int64 // request bytes received
}

// startSink starts a sink on 127.0.0.1 for the duration of b.
func startSink(b *testing.B) *sink {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := &sink{url: "http://" + l.Addr().String()}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		s.bytes.Add(n)
		// An empty body is an empty ExportTraceServiceResponse: all
		// spans accepted.
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	})}
	go srv.Serve(l)
	b.Cleanup(func() { srv.Close() })
	return s
}

// envOr returns the value of the environment variable key, or def when it
// is empty.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// stderrOf returns what a failed command printed on stderr, if known.
func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
