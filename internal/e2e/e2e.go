// Package e2e holds the helpers of ssaweave's end-to-end tests: build the
// ssaweave command, copy a testdata program, run a woven binary, send it
// requests and collect the spans it exports (from the console exporter,
// over OTLP/HTTP to an in-process receiver, or through a real OpenTelemetry
// Collector: StartCollector), and start other real peers (Redis).
package e2e

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// RepoRoot returns the repository root (the directory of the main go.mod).
func RepoRoot(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// SSAWeave builds the ssaweave command once per test binary and returns
// its path.
func SSAWeave(t testing.TB) string {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ssaweave-e2e-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "ssaweave")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/ssaweave")
		cmd.Dir = RepoRoot(t)
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("building ssaweave: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// CopyProgram copies testdata/<name> into a fresh temporary directory and
// returns it, so tests can build in it without touching the repository.
func CopyProgram(t testing.TB, name string) string {
	return CopyDir(t, filepath.Join(RepoRoot(t), "testdata", name))
}

// CopyDir copies the tree at src, but for .git directories, into a fresh
// temporary directory under the base name of src, and returns the copy:
// files are writable there even when src is read-only (the module cache).
func CopyDir(t testing.TB, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TreeHash hashes every file name and content under dir.
func TreeHash(t testing.TB, dir string) string {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		fmt.Fprintf(h, "%s %d\n", rel, len(data))
		h.Write(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

var (
	cacheOnce sync.Once
	cacheDir  string
)

// Env returns the environment for builds in tests: the test's own, plus
// extra, with ssaweave's cache in a directory private to this test binary
// (shared by its tests, so that the runtime module is prepared once), never
// the user's, and without plan servers.
func Env(extra ...string) []string {
	cacheOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ssaweave-e2e-cache-")
		if err != nil {
			panic(err)
		}
		cacheDir = dir
	})
	// No plan servers unless a test asks for one (and stops it): a
	// server outlives the build that started it, for minutes.
	env := append(os.Environ(), "SSAWEAVE_CACHE="+cacheDir, "SSAWEAVE_PLAN_SERVER=off")
	return append(env, extra...)
}

// Run runs a command in dir and returns its combined output; it fails the
// test if the command fails.
func Run(t testing.TB, dir string, env []string, name string, args ...string) string {
	t.Helper()
	out, err := RunErr(dir, env, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// RunErr runs a command in dir and returns its combined output and error.
func RunErr(dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// FreeAddr returns a loopback address with a port that was free a moment ago.
func FreeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Server is a running program under test.
type Server struct {
	Addr   string
	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Start runs bin with env plus ADDR, and waits until it accepts connections.
func Start(t testing.TB, bin string, env []string) *Server {
	t.Helper()
	s := &Server{Addr: FreeAddr(t), stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan error, 1)}
	s.cmd = exec.Command(bin)
	s.cmd.Env = append(env, "ADDR="+s.Addr)
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() { s.cmd.Process.Kill() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return s
		}
		select {
		case err := <-s.done:
			t.Fatalf("%s exited early: %v\nstderr:\n%s", bin, err, s.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not listen on %s\nstderr:\n%s", bin, s.Addr, s.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Get sends a GET request with optional headers and returns the status.
func (s *Server) Do(t testing.TB, method, path string, header map[string]string) int {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+s.Addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if method == http.MethodPost && strings.HasSuffix(path, "/quit") {
			return 0 // the program exits while answering
		}
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// Stop sends sig and waits for the program to exit; it returns the exit
// error (nil for status 0).
func (s *Server) Stop(t testing.TB, sig os.Signal) error {
	t.Helper()
	if sig != nil {
		s.cmd.Process.Signal(sig)
	}
	return s.Wait(t)
}

// Wait waits for the program to exit by itself.
func (s *Server) Wait(t testing.TB) error {
	t.Helper()
	select {
	case err := <-s.done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("program did not exit\nstderr:\n%s", s.stderr.String())
		return nil
	}
}

// Stdout returns what the program printed on standard output.
func (s *Server) Stdout() string { return s.stdout.String() }

// Stderr returns what the program printed on standard error.
func (s *Server) Stderr() string { return s.stderr.String() }

// Span is the part of an exported span the tests check.
type Span struct {
	Name         string
	Kind         string // "server", "client", "internal", ...
	TraceID      string
	SpanID       string
	ParentSpanID string
	Attributes   map[string]string
	// Status is "unset", "error" or "ok"; StatusMessage its description.
	Status        string
	StatusMessage string
	// Events are the names of the span's events ("exception" for a
	// recorded error), in order.
	Events []string
	// Scope is the instrumentation scope (the tracer name).
	Scope string
}

// ConsoleSpans parses the output of the stdout exporter, one JSON object
// per line, and ignores the lines that are not spans (logs, test output).
func ConsoleSpans(t testing.TB, out string) []Span {
	t.Helper()
	var spans []Span
	for _, line := range Lines(out) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var raw struct {
			Name        string
			SpanKind    int
			SpanContext struct{ TraceID, SpanID string }
			Parent      struct{ TraceID, SpanID string }
			Status      struct{ Code, Description string }
			Events      []struct{ Name string }
			Scope       struct{ Name string } `json:"InstrumentationScope"`
			Attributes  []struct {
				Key   string
				Value struct {
					Type  string
					Value any
				}
			}
		}
		if err := json.Unmarshal([]byte(line), &raw); err != nil || raw.SpanContext.SpanID == "" {
			continue
		}
		s := Span{Name: raw.Name, Kind: kindName(raw.SpanKind), TraceID: raw.SpanContext.TraceID, SpanID: raw.SpanContext.SpanID, Attributes: map[string]string{},
			Status: strings.ToLower(cmp.Or(raw.Status.Code, "Unset")), StatusMessage: raw.Status.Description, Scope: raw.Scope.Name}
		for _, e := range raw.Events {
			s.Events = append(s.Events, e.Name)
		}
		if raw.Parent.SpanID != "0000000000000000" {
			s.ParentSpanID = raw.Parent.SpanID
		}
		for _, a := range raw.Attributes {
			s.Attributes[a.Key] = fmt.Sprint(a.Value.Value)
		}
		spans = append(spans, s)
	}
	return spans
}

// statusName names an OTLP status code as the console exporter does, in
// lower case.
func statusName(c tracepb.Status_StatusCode) string {
	switch c {
	case tracepb.Status_STATUS_CODE_ERROR:
		return "error"
	case tracepb.Status_STATUS_CODE_OK:
		return "ok"
	}
	return "unset"
}

func kindName(k int) string {
	// Both trace.SpanKind (stdout exporter) and the OTLP enum number kinds
	// from 1 = internal; OTLP has 0 = unspecified.
	switch k {
	case 1:
		return "internal"
	case 2:
		return "server"
	case 3:
		return "client"
	case 4:
		return "producer"
	case 5:
		return "consumer"
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Receiver is an in-process OTLP/HTTP trace receiver.
type Receiver struct {
	URL   string
	mu    sync.Mutex
	spans []Span
}

// NewReceiver starts an OTLP/HTTP receiver on 127.0.0.1.
func NewReceiver(t testing.TB) *Receiver {
	r := &Receiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/v1/traces" {
			http.NotFound(w, req)
			return
		}
		body, _ := io.ReadAll(req.Body)
		// An ExportTraceServiceRequest has the wire form of TracesData
		// (field 1: repeated ResourceSpans); decoding it as TracesData keeps
		// gRPC out of the test's dependencies.
		var msg tracepb.TracesData
		if err := proto.Unmarshal(body, &msg); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.spans = append(r.spans, spansOf(&msg)...)
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		// An empty body is an empty ExportTraceServiceResponse: full success.
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

// spansOf flattens OTLP trace data into Spans; resource attributes are
// copied into each span's Attributes as "resource.<key>", so that tests can
// check the service name without a second structure.
func spansOf(msg *tracepb.TracesData) []Span {
	var spans []Span
	for _, rs := range msg.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				s := Span{Name: sp.Name, Kind: kindName(int(sp.Kind)), TraceID: hex.EncodeToString(sp.TraceId), SpanID: hex.EncodeToString(sp.SpanId), Attributes: map[string]string{},
					Status: statusName(sp.GetStatus().GetCode()), StatusMessage: sp.GetStatus().GetMessage(), Scope: ss.GetScope().GetName()}
				for _, e := range sp.Events {
					s.Events = append(s.Events, e.Name)
				}
				if len(sp.ParentSpanId) > 0 {
					s.ParentSpanID = hex.EncodeToString(sp.ParentSpanId)
				}
				for _, kv := range sp.Attributes {
					s.Attributes[kv.Key] = anyValue(kv.Value)
				}
				for _, kv := range rs.Resource.GetAttributes() {
					s.Attributes["resource."+kv.Key] = anyValue(kv.Value)
				}
				spans = append(spans, s)
			}
		}
	}
	return spans
}

func anyValue(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return fmt.Sprint(x.IntValue)
	case *commonpb.AnyValue_BoolValue:
		return fmt.Sprint(x.BoolValue)
	case *commonpb.AnyValue_DoubleValue:
		return fmt.Sprint(x.DoubleValue)
	}
	return v.String()
}

// Spans returns the spans received so far.
func (r *Receiver) Spans() []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]Span(nil), r.spans...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// WaitFor polls until cond holds or the context ends.
func WaitFor(ctx context.Context, cond func() bool) bool {
	for {
		if cond() {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Lines splits output into lines for error messages.
func Lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// Cleanup removes what the helpers created for the whole test binary (the
// ssaweave binary and the private cache); call it from TestMain.
func Cleanup() {
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	if cacheDir != "" {
		os.RemoveAll(cacheDir)
	}
}
