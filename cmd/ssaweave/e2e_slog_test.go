package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ssaweave/ssaweave/internal/e2e"
)

// slogMarkLine returns the line of file holding the comment marker.
func slogMarkLine(t *testing.T, file, marker string) int {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(src), "\n") {
		if strings.Contains(line, marker) {
			return i + 1
		}
	}
	t.Fatalf("%s has no %q", file, marker)
	return 0
}

// slogRecord is one JSON log line of testdata/slogapp.
type slogRecord struct {
	Msg     string `json:"msg"`
	Level   string `json:"level"`
	Name    string `json:"name"`
	TraceID string `json:"trace_id"`
	SpanID  string `json:"span_id"`
	Comp    string `json:"component"`
	Source  struct {
		Function string `json:"function"`
		File     string `json:"file"`
		Line     int    `json:"line"`
	} `json:"source"`
	raw string
}

// TestSlogCorrelation weaves testdata/slogapp, a service that logs with
// log/slog, and checks that the records logged with a request's context
// carry the request's server span IDs as trace_id and span_id, through a
// JSON handler the program builds (with source locations, which must still
// be the program's calls), a logger from With, LogAttrs and slog.Default
// (text through the log package); that records without a traced context,
// inside or outside a request, are unchanged; and that disabled levels stay
// silent.
func TestSlogCorrelation(t *testing.T) {
	t.Parallel()
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "slogapp")
	plan := e2e.Run(t, dir, e2e.Env(), bin, "plan", "-json", ".")
	var p struct {
		Sites []struct{ Rule, Status string }
	}
	if err := json.Unmarshal([]byte(plan), &p); err != nil {
		t.Fatal(err)
	}
	woven := map[string]bool{}
	for _, s := range p.Sites {
		woven[s.Rule] = s.Status == "woven"
	}
	if !woven["log/slog.log"] || !woven["log/slog.logAttrs"] || !woven["net/http.server"] {
		t.Errorf("plan: %+v; want log/slog.log, log/slog.logAttrs and net/http.server woven", p.Sites)
	}

	out := filepath.Join(t.TempDir(), "slogapp")
	e2e.Run(t, dir, e2e.Env(), bin, "go", "build", "-o", out, ".")
	srv := e2e.Start(t, out, e2e.Env("OTEL_TRACES_EXPORTER=console"))
	for _, name := range []string{"ada", "bob"} {
		if code := srv.Do(t, "GET", "/hello/"+name, nil); code != 200 {
			t.Fatalf("GET /hello/%s = %d", name, code)
		}
	}
	srv.Stop(t, syscall.SIGTERM)

	// The server span of each request, by the name it greeted.
	spans := map[string]e2e.Span{}
	for _, s := range e2e.ConsoleSpans(t, srv.Stdout()) {
		if s.Kind == "server" {
			spans[strings.TrimPrefix(s.Attributes["url.path"], "/hello/")] = s
		}
	}
	if len(spans) != 2 {
		t.Fatalf("server spans %+v, want one for each request", spans)
	}

	var records []slogRecord
	var defaults []string
	for _, line := range e2e.Lines(srv.Stderr()) {
		if strings.HasPrefix(line, "{") {
			r := slogRecord{raw: line}
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("bad JSON log line: %v\n%s", err, line)
			}
			records = append(records, r)
		} else if strings.Contains(line, " INFO ") {
			defaults = append(defaults, line)
		}
	}

	mainFile := filepath.Join(dir, "main.go")
	jsonLine, defaultLine := slogMarkLine(t, mainFile, "mark:json"), slogMarkLine(t, mainFile, "mark:default")
	traced := map[string]bool{"hello": true, "from a With logger": true, "attrs": true}
	seen := map[string]int{}
	for _, r := range records {
		seen[r.Msg]++
		switch {
		case traced[r.Msg]:
			s, ok := spans[r.Name]
			if !ok || r.TraceID != s.TraceID || r.SpanID != s.SpanID {
				t.Errorf("record %q for %q has trace_id %q span_id %q, want its server span's %s %s", r.Msg, r.Name, r.TraceID, r.SpanID, s.TraceID, s.SpanID)
			}
		case r.TraceID != "" || r.SpanID != "" || strings.Contains(r.raw, "trace_id"):
			t.Errorf("record %q has no traced context but got trace IDs: %s", r.Msg, r.raw)
		}
		if r.Msg == "hello" && (filepath.Base(r.Source.File) != "main.go" || r.Source.Line != jsonLine || !strings.HasPrefix(r.Source.Function, "main.main")) {
			t.Errorf("record %q source %+v, want the program's call at main.go:%d", r.Msg, r.Source, jsonLine)
		}
		if r.Msg == "from a With logger" && r.Comp != "greeter" {
			t.Errorf("the With logger's attribute is lost: %s", r.raw)
		}
		if r.Msg == "debug is disabled" {
			t.Errorf("a disabled level was logged: %s", r.raw)
		}
	}
	for msg, n := range map[string]int{"starting": 1, "hello": 2, "from a With logger": 2, "attrs": 2, "no context": 2} {
		if seen[msg] != n {
			t.Errorf("%d JSON records %q, want %d; stderr:\n%s", seen[msg], msg, n, srv.Stderr())
		}
	}

	// slog.Default writes through the log package, whose Lshortfile flag
	// prints the record's source too.
	var defaultTraced int
	for _, line := range defaults {
		switch {
		case strings.Contains(line, "INFO default "):
			name := line[strings.LastIndex(line, "name=")+len("name="):]
			s := spans[name]
			want := fmt.Sprintf("main.go:%d: INFO default trace_id=%s span_id=%s name=%s", defaultLine, s.TraceID, s.SpanID, name)
			if line != want {
				t.Errorf("default logger wrote\n %q, want\n %q", line, want)
			}
			defaultTraced++
		case strings.Contains(line, "trace_id"):
			t.Errorf("untraced default record got trace IDs: %s", line)
		}
	}
	if defaultTraced != 2 || len(defaults) != 3 {
		t.Errorf("default logger lines %q, want the startup line and one per request", defaults)
	}
}
