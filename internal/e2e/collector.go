package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ssaweave/ssaweave/internal/e2e/otelcol"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// Collector is a running OpenTelemetry Collector (built by package
// otelcol) that receives OTLP over HTTP and gRPC on loopback and writes
// every trace it receives to a file, which Spans reads.
type Collector struct {
	// HTTPAddr and GRPCAddr are the host:port of the OTLP/HTTP and
	// OTLP/gRPC receivers, for SDK options such as WithEndpoint.
	HTTPAddr, GRPCAddr string

	file   string // the file exporter's output, OTLP JSON lines
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan error
}

var (
	collectorOnce sync.Once
	collectorBin  string
	collectorErr  error
	collectorLog  syncBuffer
)

// collectorBinary builds the collector once per test binary (once per
// machine, thanks to the cache; the lock in otelcol.Build makes parallel
// test processes wait for one build).
func collectorBinary(t testing.TB) string {
	t.Helper()
	collectorOnce.Do(func() {
		t.Logf("e2e: locating or building the OpenTelemetry Collector (prebuild with `go run ./internal/e2e/otelcol/build`)")
		// A cold build takes minutes; the bound only stops a hung build
		// before the test binary's own timeout kills it without a word.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
		defer cancel()
		collectorBin, collectorErr = otelcol.Build(ctx, &collectorLog)
	})
	if collectorErr != nil {
		t.Fatalf("%v\nbuild log:\n%s", collectorErr, collectorLog.String())
	}
	return collectorBin
}

// StartCollector starts an OpenTelemetry Collector on free loopback ports,
// building it first if this machine has never built it, waits until both
// receivers accept connections, and stops it when the test ends.
func StartCollector(t testing.TB) *Collector {
	t.Helper()
	bin := collectorBinary(t)
	// The directory is registered before the collector's cleanup, so that
	// it is removed after the collector stopped writing into it.
	dir := t.TempDir()
	var last string
	// Free ports are only free a moment ago: another process can take one
	// before the collector binds it, so a collector that dies at start is
	// tried again on new ports.
	for attempt := 1; attempt <= 3; attempt++ {
		c, err := startCollector(t, bin, dir)
		if err == nil {
			return c
		}
		last = err.Error()
	}
	t.Fatalf("OpenTelemetry Collector did not start: %s", last)
	return nil
}

func startCollector(t testing.TB, bin, dir string) (*Collector, error) {
	c := &Collector{
		HTTPAddr: FreeAddr(t),
		GRPCAddr: FreeAddr(t),
		file:     filepath.Join(dir, "traces.jsonl"),
		stderr:   &syncBuffer{},
		done:     make(chan error, 1),
	}
	os.Remove(c.file) // a previous attempt's
	config := filepath.Join(dir, "otelcol.yaml")
	if err := os.WriteFile(config, []byte(c.config()), 0o600); err != nil {
		t.Fatal(err)
	}
	c.cmd = exec.Command(bin, "--config=file:"+config)
	c.cmd.Stdout, c.cmd.Stderr = c.stderr, c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.done <- c.cmd.Wait() }()

	deadline := time.Now().Add(30 * time.Second)
	for _, addr := range []string{c.HTTPAddr, c.GRPCAddr} {
		for {
			conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
			if err == nil {
				conn.Close()
				break
			}
			select {
			case err := <-c.done:
				return nil, fmt.Errorf("exited early (%v)\ncollector output:\n%s", err, c.stderr.String())
			default:
			}
			if time.Now().After(deadline) {
				c.stop()
				return nil, fmt.Errorf("not listening on %s after 30s\ncollector output:\n%s", addr, c.stderr.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Cleanup(c.stop)
	return c, nil
}

// config is the collector's configuration. The file exporter flushes every
// 100ms (default 1s) so that Spans sees spans soon after they arrive; the
// collector's own metrics are off because their default endpoint, a fixed
// port (8888), would collide between collectors running in parallel.
func (c *Collector) config() string {
	return fmt.Sprintf(`receivers:
  otlp:
    protocols:
      grpc:
        endpoint: %q
      http:
        endpoint: %q
exporters:
  file:
    path: %q
    format: json
    flush_interval: 100ms
service:
  telemetry:
    metrics:
      level: none
    logs:
      level: info
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file]
`, c.GRPCAddr, c.HTTPAddr, filepath.ToSlash(c.file))
}

// stop asks the collector to shut down (it then flushes the file exporter)
// and kills it if it does not within 10 seconds.
func (c *Collector) stop() {
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		c.cmd.Process.Kill() // no SIGTERM (Windows) or already gone
	}
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		<-c.done
	}
}

// HTTPEndpoint returns the OTLP/HTTP endpoint as a URL, the form of
// OTEL_EXPORTER_OTLP_ENDPOINT (traces go to its /v1/traces).
func (c *Collector) HTTPEndpoint() string { return "http://" + c.HTTPAddr }

// GRPCEndpoint returns the OTLP/gRPC endpoint as a URL, the form of
// OTEL_EXPORTER_OTLP_ENDPOINT with OTEL_EXPORTER_OTLP_PROTOCOL=grpc (the
// http scheme means no TLS).
func (c *Collector) GRPCEndpoint() string { return "http://" + c.GRPCAddr }

// Output returns what the collector logged so far, for failure messages.
func (c *Collector) Output() string { return c.stderr.String() }

// Spans waits until the collector has written at least wantAtLeast spans,
// or until timeout, and returns every span it wrote, sorted by name (as
// Receiver.Spans). On timeout the test fails with what did arrive and the
// collector's log.
func (c *Collector) Spans(t testing.TB, wantAtLeast int, timeout time.Duration) []Span {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		spans, err := c.readSpans()
		if err != nil {
			t.Fatalf("reading the collector's output %s: %v", c.file, err)
		}
		if len(spans) >= wantAtLeast {
			return spans
		}
		if time.Now().After(deadline) {
			t.Fatalf("collector wrote %d spans in %s, want at least %d: %+v\ncollector output:\n%s",
				len(spans), timeout, wantAtLeast, spans, c.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// readSpans decodes the complete lines of the file exporter's output; the
// last line may be half written (the exporter flushes a buffer, not lines).
func (c *Collector) readSpans() ([]Span, error) {
	data, err := os.ReadFile(c.file)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
		data = data[:i+1]
	} else {
		data = nil
	}
	var spans []Span
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 64<<20) // one line holds a whole export request
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		msg, err := decodeOTLPJSON(line)
		if err != nil {
			return nil, err
		}
		spans = append(spans, spansOf(msg)...)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].Name < spans[j].Name })
	return spans, nil
}

// decodeOTLPJSON decodes one line of the file exporter's output: the OTLP
// JSON encoding of TracesData (the same shape as ExportTraceServiceRequest).
// OTLP JSON is protobuf's JSON mapping with one exception: trace and span
// ids are hex, not base64. They are rewritten to base64 first, so that
// protojson, and then the decoding the in-process Receiver uses, apply.
func decodeOTLPJSON(line []byte) (*tracepb.TracesData, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber() // keep 64-bit integers exact through the round trip
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("OTLP JSON line: %v", err)
	}
	if err := hexIDsToBase64(v); err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var msg tracepb.TracesData
	// Fields newer than the vendored OTLP protos are not an error.
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, &msg); err != nil {
		return nil, fmt.Errorf("OTLP JSON line: %v", err)
	}
	return &msg, nil
}

// hexIDsToBase64 rewrites, in place, the id fields of spans and links.
// Attributes cannot be mistaken for them: OTLP JSON encodes attributes as
// lists of {"key", "value"} objects, never as object keys.
func hexIDsToBase64(v any) error {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok && (k == "traceId" || k == "spanId" || k == "parentSpanId") {
				b, err := hex.DecodeString(s)
				if err != nil {
					return fmt.Errorf("OTLP JSON: %s %q is not hex: %v", k, s, err)
				}
				x[k] = base64.StdEncoding.EncodeToString(b)
				continue
			}
			if err := hexIDsToBase64(val); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range x {
			if err := hexIDsToBase64(e); err != nil {
				return err
			}
		}
	}
	return nil
}
