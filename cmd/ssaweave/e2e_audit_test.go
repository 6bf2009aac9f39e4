package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ssaweave/ssaweave/internal/e2e"
	"github.com/ssaweave/ssaweave/internal/headless"
	"github.com/ssaweave/ssaweave/ssaweave"
	"github.com/ssaweave/ssaweave/ssaweave/audithtml"
)

// TestAudit runs ssaweave audit on testdata/auditapp end to end, once
// with everything measured (sizes of both builds, the benchmark run plain
// and woven, JSON, a span budget the program exceeds), and checks the
// HTML page of that audit in headless Chromium.
func TestAudit(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "auditapp")
	env := e2e.Env("OTEL_TRACES_EXPORTER=none")

	cmd := exec.Command(bin, "audit", "-format", "json", "-bench", "-count", "4", "-benchtime", "200x", "-max-spans", "4", "-max-overhead", "1000%", ".")
	cmd.Dir, cmd.Env = dir, env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitBudget {
		t.Fatalf("audit -max-spans 4: %v, want exit code %d\n%s", err, exitBudget, stderr.String())
	}
	want := regexp.MustCompile(`budget exceeded: GET /orders/\{id\} \(example.com/auditapp, registered at main.go:\d+:\d+\) makes 5 spans per request, more than -max-spans 4`)
	if !want.MatchString(stderr.String()) || strings.Count(stderr.String(), "budget exceeded") != 1 {
		t.Errorf("stderr should name the one entry point over budget:\n%s", stderr.String())
	}
	if strings.ContainsAny(stderr.String(), "\r\x1b") {
		t.Errorf("progress shown on a standard error that is not a terminal:\n%q", stderr.String())
	}
	var a ssaweave.Audit
	if err := json.Unmarshal(out, &a); err != nil {
		t.Fatalf("audit JSON: %v\n%s", err, out)
	}
	if len(a.Sizes) != 1 || a.Sizes[0].Main != "example.com/auditapp" || a.Sizes[0].Plain <= 0 || a.Sizes[0].Woven <= a.Sizes[0].Plain {
		t.Errorf("sizes %+v: want the woven binary larger than the plain one", a.Sizes)
	}
	units := map[string]bool{}
	if a.Bench == nil {
		t.Fatal("no benchmark results")
	}
	for _, r := range a.Bench.Rows {
		if !strings.HasPrefix(r.Name, "GetOrder") || r.Plain.N != 4 || r.Woven.N != 4 || r.Plain.Center <= 0 && r.Unit == "sec/op" {
			t.Errorf("benchmark row %+v", r)
		}
		units[r.Unit] = true
	}
	if !units["sec/op"] || !units["B/op"] || !units["allocs/op"] {
		t.Errorf("benchmark units %v, want sec/op, B/op and allocs/op", units)
	}
	if a.Totals.MaxSpans != 5 || len(a.Entries) != 5 || a.Plan == nil || len(a.Sites) != len(a.Plan.Sites) {
		t.Errorf("audit: totals %+v, %d entries, %d sites", a.Totals, len(a.Entries), len(a.Sites))
	}

	// The page of the same audit (the command writes it with the same
	// function), in headless Chromium.
	page := filepath.Join(t.TempDir(), "audit.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := audithtml.Write(f, &a); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	dom := headless.DOM(t, page, "")
	if !strings.Contains(dom, `data-loaded="yes"`) || !strings.Contains(dom, `data-errors="[]"`) {
		t.Errorf("the page did not load cleanly: %s", regexp.MustCompile(`<pre id="audit-status"[^>]*>`).FindString(dom))
	}
	for _, s := range a.Sites {
		if !strings.Contains(dom, `data-pos="`+s.Pos+`"`) {
			t.Errorf("the page lacks site %s", s.Pos)
		}
	}
	for _, e := range a.Entries {
		if !strings.Contains(dom, `data-entry="`+e.Name+`"`) {
			t.Errorf("the page lacks entry point %s", e.Name)
		}
	}
}

// TestExplainUsage checks that explain refuses what is not FILE:LINE
// before analysing anything.
func TestExplainUsage(t *testing.T) {
	for _, arg := range []string{"main.go", "main.go:x", "main.go:0"} {
		var stdout, stderr strings.Builder
		if code := run([]string{"explain", arg}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "is not FILE:LINE") {
			t.Errorf("explain %s: exit %d, stderr %q", arg, code, stderr.String())
		}
	}
}
