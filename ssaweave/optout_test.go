package ssaweave

import (
	"slices"
	"strings"
	"testing"
)

// The functions of testdata/optout the opt-out tests name.
const (
	optoutMod    = "example.com/optout"
	optoutFetch  = optoutMod + "/fetch.Fetch" // in fetch/ignored.go, marked //ssaweave:ignore before its package clause
	optoutPing   = optoutMod + "/legacy.Ping" // in a package exclude.packages names
	optoutClient = "net/http.send"
	optoutOpenDB = "database/sql.OpenDB"
	sqlPkg       = "github.com/ssaweave/ssaweave/rt/sql"
)

// TestOptOutPrunes plans testdata/optout's cmd/optout, whose only path to
// the HTTP client goes through a file marked //ssaweave:ignore and whose
// only path to database/sql goes through a package ssaweave.yaml
// excludes: both rules are pruned, each naming the excluded root and why,
// with a path through it, and neither library is rewritten. The ignore is
// the file's: every function of the file is excluded (its span directive
// is void), a function of another file of the package is not, but is
// pruned when only the ignored file reaches it.
func TestOptOutPrunes(t *testing.T) {
	p := planPatterns(t, "optout", "./cmd/optout")
	for _, c := range []struct {
		rule, fn, root, reason string
	}{
		{"net/http.client", optoutClient, optoutFetch,
			"reachable only through " + optoutFetch + ", which is excluded: the file is marked //ssaweave:ignore (fetch/ignored.go:4)"},
		{"database/sql", optoutOpenDB, optoutPing,
			"reachable only through " + optoutPing + ", which is excluded: package " + optoutMod + "/legacy is excluded by ssaweave.yaml:4"},
	} {
		s := siteOf(t, p, c.rule, c.fn)
		if s.Status != StatusPruned || s.Reason != c.reason {
			t.Errorf("%s: %s %q, want pruned %q", c.rule, s.Status, s.Reason, c.reason)
		}
		// The path shows how the excluded root leads there.
		if len(s.Path) < 3 || s.Path[0] != optoutMod+"/cmd/optout.main" || s.Path[1] != c.root || s.Path[len(s.Path)-1] != c.fn {
			t.Errorf("%s: path %q, want main → %s → ... → %s", c.rule, s.Path, c.root, c.fn)
		}
	}
	for _, pkg := range []string{"net/http", "database/sql"} {
		if pe := p.Edits(pkg); pe != nil {
			t.Errorf("%s is rewritten although only excluded code reaches it: %+v", pkg, pe)
		}
	}
	m := p.Main(optoutMod + "/cmd/optout")
	if m == nil || slices.Contains(m.Hooks, nethttpPkg) || slices.Contains(m.Hooks, sqlPkg) {
		t.Errorf("main = %+v, want neither %s nor %s linked", m, nethttpPkg, sqlPkg)
	}

	// Function spans: decode, in a file of the package that is not
	// ignored (status.go, after ignored.go, so that an ignore leaking into
	// the next file would show), is reached only from Fetch; Status, in
	// the same file, from main.
	decode := siteOf(t, p, FuncSpanRule, optoutMod+"/fetch.decode")
	if want := "selected by //ssaweave:span at fetch/status.go:9, but reachable only through " + optoutFetch +
		", which is excluded: the file is marked //ssaweave:ignore (fetch/ignored.go:4)"; decode.Status != StatusPruned || decode.Reason != want {
		t.Errorf("decode: %s %q, want pruned %q", decode.Status, decode.Reason, want)
	}
	status := siteOf(t, p, FuncSpanRule, optoutMod+"/fetch.Status")
	if want := "selected by //ssaweave:span at fetch/status.go:18; reachable from main (rta)"; status.Status != StatusWoven || status.Reason != want {
		t.Errorf("Status: %s %q, want woven %q", status.Status, status.Reason, want)
	}
	// Report, in the ignored file, asks for a span: the file's ignore
	// wins, so it is no candidate at all.
	for _, s := range p.Sites {
		if s.Function == optoutMod+"/fetch.Report" {
			t.Errorf("site %+v: a function of an ignored file is a candidate", s)
		}
	}
}

// TestOptOutControl plans testdata/optout's cmd/control, which calls the
// same excluded functions and also sends a request and opens a database
// itself: an exclusion prunes only what is reachable only through it, so
// both rules are woven, along paths that avoid the excluded roots. The
// ignored file's own code still gets no edit of any kind.
func TestOptOutControl(t *testing.T) {
	p := planPatterns(t, "optout", "./cmd/control")
	for _, c := range []struct{ rule, fn string }{
		{"net/http.client", optoutClient},
		{"database/sql", optoutOpenDB},
	} {
		s := siteOf(t, p, c.rule, c.fn)
		if s.Status != StatusWoven || s.Reason != "reachable from main (rta)" {
			t.Errorf("%s: %s %q, want woven, reachable from main (rta)", c.rule, s.Status, s.Reason)
		}
		if len(s.Path) < 2 || s.Path[0] != optoutMod+"/cmd/control.main" || slices.ContainsFunc(s.Path, func(f string) bool {
			return f == optoutFetch || f == optoutPing
		}) {
			t.Errorf("%s: path %q, want one from main that avoids %s and %s", c.rule, s.Path, optoutFetch, optoutPing)
		}
	}
	for _, pkg := range []string{"net/http", "database/sql"} {
		if p.Edits(pkg) == nil {
			t.Errorf("%s is not rewritten", pkg)
		}
	}
	// What only the excluded code reaches stays pruned in this program too.
	if s := siteOf(t, p, FuncSpanRule, optoutMod+"/fetch.decode"); s.Status != StatusPruned || !strings.Contains(s.Reason, "reachable only through "+optoutFetch) {
		t.Errorf("decode: %s %q, want pruned, reachable only through %s", s.Status, s.Reason, optoutFetch)
	}
	// The ignored file's Head has a context in scope, and this program
	// weaves the HTTP client: its go statement and its call of http.Head
	// would be woven anywhere else, but the file is ignored.
	const head = optoutMod + "/fetch.Head"
	for _, rule := range []string{GoRule, CallRule} {
		want := "reachable only through " + head + ", which is excluded: the file is marked //ssaweave:ignore (fetch/ignored.go:4)"
		if s := siteOf(t, p, rule, head); s.Status != StatusPruned || s.Reason != want {
			t.Errorf("%s in Head: %s %q, want pruned %q", rule, s.Status, s.Reason, want)
		}
	}
	// Fetch's calls of http.Get and of decode (spanned, no context
	// parameter) have no context in scope, but the reason to give is the
	// ignore: reachability is decided first.
	want := "reachable only through " + optoutFetch + ", which is excluded: the file is marked //ssaweave:ignore (fetch/ignored.go:4)"
	n := 0
	for _, s := range p.Sites {
		if s.Rule == CallRule && s.Function == optoutFetch {
			n++
			if s.Status != StatusPruned || s.Reason != want {
				t.Errorf("call at %s in Fetch: %s %q, want pruned %q", s.Pos, s.Status, s.Reason, want)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d call sites in Fetch, want 2 (http.Get, decode)", n)
	}
	if pe := p.Edits(optoutMod + "/fetch"); pe != nil {
		t.Errorf("the ignored file's package is rewritten: %+v", pe)
	}
}
