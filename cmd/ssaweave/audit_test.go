package main

import (
	"io"
	"os"
	"strings"
	"testing"

	"github.com/ssaweave/ssaweave/ssaweave"
)

func TestParseAuditFlags(t *testing.T) {
	f, err := parseAuditFlags([]string{"-format=json", "-size=false", "-bench", "-count", "4", "-max-overhead", "5%", "-max-spans=7", "-tags", "x", "./cmd/a"})
	if err != nil {
		t.Fatal(err)
	}
	if f.format != "json" || f.size || f.bench != "." || f.count != 4 || f.maxOverhead != 0.05 || f.maxSpans != 7 || strings.Join(f.rest, " ") != "-tags x ./cmd/a" {
		t.Errorf("flags %+v", f)
	}
	for _, bad := range [][]string{
		{"-format", "xml"},
		{"-format", "html"},                              // needs -o
		{"-max-overhead", "5%"},                          // needs -bench
		{"-bench", "-count", "1"},                        // no interval from one run
		{"-bench", "-count", "3", "-max-overhead", "5%"}, // the gate could never fail
		{"-max-spans", "many"},
		{"-bench=("},
	} {
		if _, err := parseAuditFlags(bad); err == nil {
			t.Errorf("parseAuditFlags(%q) accepted", bad)
		}
	}
}

func TestBudget(t *testing.T) {
	a := &ssaweave.Audit{
		Entries: []ssaweave.Entry{
			{Main: "m", Name: "GET /a", Pos: "main.go:3:2", Total: 3, Spans: []ssaweave.SpanCount{{Kind: "server", Count: 1}, {Kind: "database", Count: 2}}},
			{Main: "m", Name: "GET /b", Pos: "main.go:4:2", Total: 1, Spans: []ssaweave.SpanCount{{Kind: "server", Count: 1}}},
		},
		Bench: &ssaweave.Bench{Rows: []ssaweave.BenchRow{
			{Name: "Get-2", Unit: "sec/op", Delta: 0.08, P: 0.002, Significant: true, Plain: ssaweave.BenchSummary{Center: 1e-6}, Woven: ssaweave.BenchSummary{Center: 1.08e-6}},
			{Name: "Noisy-2", Unit: "sec/op", Delta: 0.5, P: 0.3},                // not significant
			{Name: "Get-2", Unit: "B/op", Delta: 2, P: 0.002, Significant: true}, // not time
		}},
	}
	tests := []struct {
		spans    int
		overhead float64
		code     int
		messages []string
	}{
		{3, 0.10, 0, nil},
		{2, -1, exitBudget, []string{"GET /a (m, registered at main.go:3:2) makes 3 spans per request, more than -max-spans 2: 1 server span, 2 database spans"}},
		{-1, 0.05, exitBudget, []string{"Get-2 time/op grows +8.0% woven", "more than -max-overhead 5.0%"}},
		{0, 0.05, exitBudget, []string{"GET /a", "GET /b", "Get-2 time/op"}},
	}
	for _, tt := range tests {
		var stderr strings.Builder
		code := budget(a, &auditFlags{maxSpans: tt.spans, maxOverhead: tt.overhead}, &stderr)
		if code != tt.code {
			t.Errorf("-max-spans %d -max-overhead %v: exit %d, want %d\n%s", tt.spans, tt.overhead, code, tt.code, stderr.String())
		}
		for _, m := range tt.messages {
			if !strings.Contains(stderr.String(), m) {
				t.Errorf("-max-spans %d -max-overhead %v: message lacks %q:\n%s", tt.spans, tt.overhead, m, stderr.String())
			}
		}
		if tt.code == 0 && stderr.Len() > 0 {
			t.Errorf("within budget, but: %s", stderr.String())
		}
		if strings.Contains(stderr.String(), "Noisy") || strings.Contains(stderr.String(), "B/op") {
			t.Errorf("gated on a change that is not significant or not time: %s", stderr.String())
		}
	}
}

// TestProgressQuiet checks that progress stays off when its output is
// not a terminal: a pipe (CI logs) or a buffer.
func TestProgressQuiet(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var buf strings.Builder
	for _, out := range []io.Writer{w, &buf} {
		p := newProgress(out)
		p.phase("loading packages")
		p.done()
	}
	w.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 0 || buf.Len() > 0 {
		t.Errorf("progress written to a pipe (%q) or a buffer (%q)", data, buf.String())
	}
}
