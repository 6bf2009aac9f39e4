package audithtml

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ssaweave/ssaweave/internal/headless"
	"github.com/ssaweave/ssaweave/ssaweave"
)

// sampleAudit is an audit with many sites, and text that must be escaped
// (source lines with markup and quotes).
func sampleAudit() *ssaweave.Audit {
	a := &ssaweave.Audit{Schema: ssaweave.AuditSchemaVersion, Algorithm: "rta", Dir: "/src/app", Patterns: []string{"./cmd/app"}}
	for i := range 25 {
		status := ssaweave.StatusWoven
		if i%3 == 0 {
			status = ssaweave.StatusPruned
		}
		s := ssaweave.AuditSite{
			Site: ssaweave.Site{
				Pos: fmt.Sprintf("cmd/app/file%d.go:%d:%d", i%4, 100-3*i, 1+i%5), Package: "example.com/app", Function: fmt.Sprintf("example.com/app.f%d", i),
				Rule: []string{"database/sql", "net/http.client", "function.span"}[i%3], Status: status, Reason: "reachable from main (rta)",
				Path: []string{"example.com/app.main", fmt.Sprintf("example.com/app.f%d", i)},
			},
			LoopDepth: i % 3,
			Source:    fmt.Sprintf(`x := "</script><b>%d</b>" // & 'quote'`, i),
		}
		if i%2 == 0 {
			s.Samples = &ssaweave.Samples{Value: int64(i), Share: float64(i) / 100}
			s.Calls = []ssaweave.SpanCall{{Pos: "cmd/app/main.go:10:2", Kind: "database", LoopDepth: 1, Entries: []string{"GET /x"}}}
		}
		a.Sites = append(a.Sites, s)
	}
	a.Entries = []ssaweave.Entry{{
		Main: "example.com/app", Kind: "net/http", Name: "GET /orders/{id}", Pos: "cmd/app/main.go:30:2", Server: "net/http.server",
		Calls: []ssaweave.SpanCall{{Pos: "cmd/app/main.go:10:2", Function: "example.com/app.get", Callee: "(*database/sql.DB).QueryContext", Kind: "database", LoopDepth: 1,
			Path: []string{"example.com/app.get", "(*database/sql.DB).QueryContext"}, Source: "rows, err := db.QueryContext(ctx, q)"}},
		Spans: []ssaweave.SpanCount{{Kind: "server", Count: 1}, {Kind: "database", Count: 1, InLoops: 1}}, Total: 2, InLoops: 1,
	}}
	a.Sizes = []ssaweave.Size{{Main: "example.com/app", Plain: 8 << 20, Woven: 13 << 20}}
	a.Bench = &ssaweave.Bench{Count: 6, Confidence: 0.95, Alpha: 0.05, Rows: []ssaweave.BenchRow{{Name: "Get-2", Unit: "sec/op", Plain: ssaweave.BenchSummary{Center: 1e-6, Lo: ptr(0.9e-6), Hi: ptr(1.1e-6), N: 6}, Woven: ssaweave.BenchSummary{Center: 1.2e-6, N: 2}, Delta: 0.2, P: 0.002, Significant: true}}}
	a.Totals = ssaweave.Totals{Sites: 25, Woven: 16, Pruned: 9, Entries: 1, SpanCalls: 1, InLoops: 1, MaxSpans: 2, MaxSpansEntry: "GET /orders/{id} (example.com/app)"}
	return a
}

// checkPage loads the audit page file in headless Chromium and checks
// that it loads without errors, lists every site of a and sorts its
// table by every column both ways (the page's #selftest).
func checkPage(t *testing.T, file string, a *ssaweave.Audit) {
	t.Helper()
	dom := headless.DOM(t, file, "selftest")
	status := regexp.MustCompile(`<pre id="audit-status"[^>]*>`).FindString(dom)
	attr := func(name string) string {
		m := regexp.MustCompile(name + `="([^"]*)"`).FindStringSubmatch(status)
		if m == nil {
			return ""
		}
		return strings.ReplaceAll(m[1], "&quot;", `"`)
	}
	if attr("data-loaded") != "yes" {
		t.Fatalf("the page did not finish loading; status element: %q", status)
	}
	if e := attr("data-errors"); e != "[]" {
		t.Errorf("the page reported errors: %s", e)
	}
	if got, want := attr("data-rows"), fmt.Sprint(len(a.Sites)); got != want {
		t.Errorf("the page shows %s site rows, want %s", got, want)
	}
	if s := attr("data-selftest"); s != "ok" {
		t.Errorf("sorting the site table: %s", s)
	}
	for _, s := range a.Sites {
		if !strings.Contains(dom, `data-pos="`+s.Pos+`"`) {
			t.Errorf("the page lacks site %s", s.Pos)
		}
	}
}

func TestPage(t *testing.T) {
	a := sampleAudit()
	file := filepath.Join(t.TempDir(), "audit.html")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(f, a); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// Self-contained: nothing to fetch.
	if m := regexp.MustCompile(`(?i)(src|href)=|@import|url\(`).FindString(string(page)); m != "" {
		t.Errorf("the page refers to an external asset: %q", m)
	}
	if strings.Contains(string(page), `"</script><b>`) {
		t.Error("a source line is not escaped")
	}
	checkPage(t, file, a)
}

func ptr(f float64) *float64 { return &f }
