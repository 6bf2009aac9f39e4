package main

import (
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ssaweave/ssaweave/internal/e2e"
)

// TestExportToCollector builds testdata/httpserver woven and exports its
// spans over OTLP, HTTP then gRPC, to a real OpenTelemetry Collector (built
// with the official collector builder: otlp receiver, file exporter), and
// checks what the collector wrote.
func TestExportToCollector(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "httpserver")
	out := filepath.Join(t.TempDir(), "server")
	e2e.Run(t, dir, e2e.Env(), bin, "go", "build", "-o", out, "./cmd/server")

	for _, proto := range []string{"http/protobuf", "grpc"} {
		t.Run(proto, func(t *testing.T) {
			col := e2e.StartCollector(t)
			endpoint := col.HTTPEndpoint()
			if proto == "grpc" {
				endpoint = col.GRPCEndpoint()
			}
			srv := e2e.Start(t, out, e2e.Env(
				"OTEL_EXPORTER_OTLP_ENDPOINT="+endpoint,
				"OTEL_EXPORTER_OTLP_PROTOCOL="+proto,
				"OTEL_SERVICE_NAME=collector-e2e",
			))
			if code := srv.Do(t, "GET", "/users/42", map[string]string{"traceparent": traceparent}); code != 200 {
				t.Fatalf("GET /users/42 = %d", code)
			}
			srv.Do(t, "GET", "/health", nil)
			srv.Stop(t, syscall.SIGTERM)
			spans := col.Spans(t, 2, 30*time.Second)
			checkServerSpans(t, spans)
			for _, s := range spans {
				if s.Attributes["resource.service.name"] != "collector-e2e" {
					t.Errorf("span %s: service.name %q", s.Name, s.Attributes["resource.service.name"])
				}
			}
		})
	}
}

// TestCollectorDownOrHung checks that exporting never blocks the program:
// with the collector down (connection refused) or hung (a listener that
// accepts and never answers), requests are served as fast as ever, and the
// program still exits on SIGTERM within the export timeout. What was lost
// is reported on stderr at exit: with the collector hung, the small export
// queue fills and spans are dropped; with it down, every export fails.
func TestCollectorDownOrHung(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "httpserver")
	out := filepath.Join(t.TempDir(), "server")
	e2e.Run(t, dir, e2e.Env(), bin, "go", "build", "-o", out, "./cmd/server")

	hung, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hung.Close()
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := hung.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never answered
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}()

	for name, tc := range map[string]struct {
		endpoint string
		// report matches rt's report at exit; its first group is a
		// count of lost spans, which must be positive.
		report *regexp.Regexp
	}{
		// Refused connections fail each export at once (the exporter does
		// not retry them), so the queue keeps up but nothing arrives.
		"down": {"http://" + e2e.FreeAddr(t), regexp.MustCompile(`ssaweave: otlp exporter: .*?(\d+) spans failed to export: .*connection refused[^\n]*`)},
		// Each export hangs for the whole OTLP timeout: the queue fills
		// within a few requests and the batch processor drops the rest.
		// Whether the flush on SIGTERM timed out too decides the wording.
		"hung": {"http://" + hung.Addr().String(), regexp.MustCompile(`ssaweave: otlp exporter: (\d+) of \d+ spans were (?:not exported: )?dropped because the export queue was full \(OTEL_BSP_MAX_QUEUE_SIZE=32\)[^\n]*`)},
	} {
		t.Run(name, func(t *testing.T) {
			srv := e2e.Start(t, out, e2e.Env(
				"OTEL_EXPORTER_OTLP_ENDPOINT="+tc.endpoint,
				// Small batches, exported often: the exporter is busy
				// (failing or hanging) while the requests are served.
				"OTEL_BSP_MAX_EXPORT_BATCH_SIZE=8",
				"OTEL_BSP_SCHEDULE_DELAY=10",
				"OTEL_BSP_EXPORT_TIMEOUT=1000",
				"OTEL_EXPORTER_OTLP_TIMEOUT=1000",
				// A queue far smaller than the requests' spans.
				"OTEL_BSP_MAX_QUEUE_SIZE=32",
			))
			// The bound is generous: it is not a speed goal but the
			// difference between "never blocks" and "blocks on the
			// exporter", which would take seconds per batch.
			start := time.Now()
			for range 300 {
				if code := srv.Do(t, "GET", "/users/42", nil); code != 200 {
					t.Fatalf("GET /users/42 = %d", code)
				}
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("300 requests took %v with the collector %s: exporting blocks requests", d, name)
			}
			stopped := time.Now()
			err := srv.Stop(t, syscall.SIGTERM)
			if err == nil {
				t.Errorf("the program should die of SIGTERM after flushing")
			}
			if d := time.Since(stopped); d > 15*time.Second {
				t.Errorf("exit took %v with the collector %s: the flush is not bounded by the export timeout", d, name)
			}
			stderr := srv.Stderr()
			m := tc.report.FindStringSubmatch(stderr)
			if m == nil {
				t.Fatalf("no report of lost spans matching %q on stderr:\n%s", tc.report, stderr)
			}
			if n, err := strconv.Atoi(m[1]); err != nil || n <= 0 {
				t.Errorf("report of lost spans with count %q: %s", m[1], m[0])
			}
			if c := strings.Count(stderr, "ssaweave: otlp exporter:"); c != 1 {
				t.Errorf("%d reports of lost spans, want 1:\n%s", c, stderr)
			}
			t.Logf("report: %s", m[0])
		})
	}
}
