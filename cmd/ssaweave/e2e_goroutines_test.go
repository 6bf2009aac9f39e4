package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ssaweave/ssaweave/internal/e2e"
)

// TestGoroutines builds testdata/goroutines, whose handlers start
// goroutines without giving them a context (in package main and in package
// api), one with the request's context, and whose main starts one outside
// any request. It checks the plan's decisions, that the woven goroutines'
// client spans are children of the server span of the request that
// started them (and the downstream server spans theirs, through the
// propagated header), that the others are as without weaving, and, under a
// few thousand requests, that the service's heap stays bounded.
func TestGoroutines(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "goroutines")

	plan := e2e.Run(t, dir, e2e.Env(), bin, "plan", ".")
	for pos, want := range map[string][]string{
		"main.go:79:3":    {"woven", "example.com/goroutines.work", "reaches net/http.send (net/http.client)", "inherits the trace context of r (*net/http.Request)"},
		"api/api.go:17:3": {"woven", "example.com/goroutines/api.Handler$1", "inherits the trace context of r (*net/http.Request)"},
		"main.go:88:2":    {"pruned", "the goroutine receives a context: argument r.Context() (context.Context)"},
		"main.go:122:2":   {"pruned", "no traced context in scope"},
	} {
		line := ""
		for _, l := range strings.Split(plan, "\n") {
			if strings.Contains(l, "goroutine.context") && strings.Contains(l, " "+pos+" ") {
				line = l
			}
		}
		for _, w := range want {
			if !strings.Contains(line, w) {
				t.Errorf("plan line of the go statement at %s lacks %q: %q\n%s", pos, w, line, plan)
			}
		}
	}

	out := filepath.Join(t.TempDir(), "goroutines")
	e2e.Run(t, dir, e2e.Env(), bin, "go", "build", "-o", out, ".")

	t.Run("traces", func(t *testing.T) {
		srv := e2e.Start(t, out, e2e.Env("OTEL_TRACES_EXPORTER=console"))
		for _, path := range []string{"/work?n=3", "/sub", "/explicit"} {
			if code := srv.Do(t, "GET", path, map[string]string{"traceparent": traceparent}); code != 200 {
				t.Errorf("GET %s = %d", path, code)
			}
		}
		srv.Stop(t, syscall.SIGTERM)
		checkGoroutineSpans(t, e2e.ConsoleSpans(t, srv.Stdout()))
	})

	t.Run("load", func(t *testing.T) {
		recv := e2e.NewReceiver(t)
		srv := e2e.Start(t, out, e2e.Env(
			"OTEL_EXPORTER_OTLP_ENDPOINT="+recv.URL,
			"OTEL_BSP_SCHEDULE_DELAY=50",
		))
		defer srv.Stop(t, syscall.SIGTERM)
		measured := loadHeap(t, srv.Addr)
		t.Logf("heap in use: %d bytes after %d requests, %d after %d more (%+d bytes)",
			measured.before, warmup, measured.after, load, int64(measured.after)-int64(measured.before))
		// Each request starts two goroutines through the woven go
		// statement. Keeping the request's context per goroutine (about a
		// kilobyte with the request) would grow the heap by megabytes;
		// keeping even the inherited labels (about 170 bytes) by one.
		const bound = 1 << 20
		if measured.after > measured.before+bound {
			t.Errorf("the heap grew by %d bytes over %d requests (%d goroutines started without a context), bound %d",
				measured.after-measured.before, load, 2*load, bound)
		}
		if n := len(recv.Spans()); n < 5*load/2 {
			t.Errorf("the receiver got %d spans for %d requests: the load was not traced", n, load)
		}
	})
}

// The requests of the load test: warmup before the first measure, load
// between the two.
const (
	warmup = 500
	load   = 3000
)

// heapMeasure is the heap in use before and after the load.
type heapMeasure struct{ before, after uint64 }

// loadHeap sends warmup then load requests GET /work?n=2 to the service at
// addr, 8 at a time, within a minute, and returns its heap in use (after a
// garbage collection, once the exporter has had time to send what it
// queued) after each.
func loadHeap(t *testing.T, addr string) heapMeasure {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	get := func(path string) (string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
		if err != nil {
			return "", err
		}
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return strings.TrimSpace(string(b)), err
	}
	send := func(n int) {
		var wg sync.WaitGroup
		reqs := make(chan struct{})
		for range 8 {
			wg.Go(func() {
				for range reqs {
					if body, err := get("/work?n=2"); err != nil || body != "2 workers done" {
						t.Errorf("GET /work?n=2: %q, %v", body, err)
					}
				}
			})
		}
		for range n {
			select {
			case reqs <- struct{}{}:
			case <-ctx.Done():
			}
		}
		close(reqs)
		wg.Wait()
		if ctx.Err() != nil {
			t.Fatalf("the load did not finish within its time: %v", ctx.Err())
		}
	}
	heap := func() uint64 {
		// Let the batch span processor (50 ms delay) empty its queue.
		time.Sleep(500 * time.Millisecond)
		body, err := get("/debug/heap")
		if err != nil {
			t.Fatal(err)
		}
		n, err := strconv.ParseUint(body, 10, 64)
		if err != nil {
			t.Fatalf("GET /debug/heap = %q", body)
		}
		return n
	}
	send(warmup)
	before := heap()
	send(load)
	return heapMeasure{before: before, after: heap()}
}

// checkGoroutineSpans checks the traces of GET /work?n=3, /sub and
// /explicit (all with traceparent) and of the janitor's request.
func checkGoroutineSpans(t *testing.T, spans []e2e.Span) {
	t.Helper()
	byID := map[string]e2e.Span{}
	for _, s := range spans {
		byID[s.SpanID] = s
	}
	server := func(name string) e2e.Span {
		t.Helper()
		for _, s := range spans {
			if s.Name == name && s.Kind == "server" {
				return s
			}
		}
		t.Fatalf("no server span %q in %+v", name, spans)
		return e2e.Span{}
	}
	// The client spans, by what they asked for.
	clients := map[string][]e2e.Span{}
	for _, s := range spans {
		if s.Kind != "client" {
			continue
		}
		url := s.Attributes["url.full"]
		_, query, _ := strings.Cut(url, "?")
		key := query
		if strings.HasPrefix(query, "id=") {
			key = "work"
		}
		clients[key] = append(clients[key], s)
	}

	for _, tc := range []struct {
		client, server string
		n              int
	}{
		{"work", "GET /work", 3},
		{"from=api", "GET /sub", 1},
		{"from=explicit", "GET /explicit", 1},
	} {
		srv := server(tc.server)
		if srv.TraceID != parentTraceID || srv.ParentSpanID != parentSpanID {
			t.Errorf("%s: trace/parent %s/%s, want %s/%s from traceparent", tc.server, srv.TraceID, srv.ParentSpanID, parentTraceID, parentSpanID)
		}
		if got := len(clients[tc.client]); got != tc.n {
			t.Errorf("%d client spans for %s, want %d", got, tc.client, tc.n)
		}
		for _, c := range clients[tc.client] {
			if c.TraceID != srv.TraceID || c.ParentSpanID != srv.SpanID {
				t.Errorf("client span %s (%s): trace/parent %s/%s, want %s/%s: the span of the request that started the goroutine",
					c.Name, c.Attributes["url.full"], c.TraceID, c.ParentSpanID, srv.TraceID, srv.SpanID)
			}
			// The downstream request carries the client span as its
			// parent, through the traceparent header the client injected.
			found := false
			for _, s := range spans {
				if s.Kind == "server" && s.ParentSpanID == c.SpanID {
					found = s.TraceID == c.TraceID
				}
			}
			if !found {
				t.Errorf("no downstream server span under client span %s (%s)", c.SpanID, c.Attributes["url.full"])
			}
		}
	}
	// The janitor runs outside any request: its client span starts a
	// trace of its own.
	if j := clients["from=janitor"]; len(j) != 1 || j[0].ParentSpanID != "" {
		t.Errorf("janitor client spans = %+v, want one without a parent", j)
	}
}
