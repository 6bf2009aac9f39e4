package analysis

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestCallSites checks, for every call of a context-free API in
// testdata/callsites (each marked with a "// case: name" comment), the
// context in scope and the form of the rewrite, or why it is refused; and
// that calls made by go and defer statements are not call sites.
func TestCallSites(t *testing.T) {
	prog, err := Load(context.Background(), Config{Dir: "testdata/callsites", Patterns: []string{"."}})
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("testdata/callsites/main.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	caseRE := regexp.MustCompile(`// case: (.*)$`)

	type want struct {
		owner, callee string
		decl          string
		index         int
		ctx           string
		escaping      string
		form          string
		refused       string // prefix
	}
	wants := map[string]want{
		"assignment":       {"net/http.client", "net/http.Get", "handler", 1, "r", "", CallBracket, ""},
		"if leaves":        {"database/sql", "(database/sql.DB).Exec", "handler", 2, "ctx", "", CallDefer, ""},
		"loop":             {"database/sql", "(database/sql.DB).Ping", "handler", 3, "ctx", "", CallBracket, ""},
		"loop leaves":      {"net/http.client", "net/http.Head", "handler", 4, "ctx", "", "", "the call is in a loop"},
		"break leaves":     {"database/sql", "(database/sql.DB).Query", "handler", 5, "ctx", "", "", "the call is in a loop"},
		"loop header":      {"database/sql", "(database/sql.DB).Query", "handler", 6, "ctx", "", CallBracket, ""},
		"method in switch": {"net/http.client", "(net/http.Client).Get", "handler", 7, "ctx", "", CallBracket, ""},
		"literal":          {"net/http.client", "net/http.Post", "handler", 8, "ctx", "", CallBracket, ""},
		"escaping literal": {"database/sql", "(database/sql.DB).Exec", "handler", 9, "", "ctx", CallBracket, ""},
		"return":           {"database/sql", "(database/sql.DB).QueryRow", "query", 1, "ctx", "", CallDefer, ""},
		"no context":       {"database/sql", "(database/sql.DB).Ping", "background", 1, "", "", CallBracket, ""},
		"goto":             {"database/sql", "(database/sql.DB).Ping", "jumps", 1, "ctx", "", "", "the function uses goto"},
	}
	got := map[string]CallSite{}
	for _, cs := range CallSites(prog, Rules, nil) {
		m := caseRE.FindStringSubmatch(lines[cs.Pos.Line-1])
		if m == nil {
			t.Errorf("%v: a call site on a line without a case: %q", cs.Pos, lines[cs.Pos.Line-1])
			continue
		}
		if _, dup := got[m[1]]; dup {
			t.Errorf("case %q: two call sites", m[1])
		}
		got[m[1]] = cs
	}
	for name, w := range wants {
		cs, ok := got[name]
		if !ok {
			t.Errorf("case %q: no call site", name)
			continue
		}
		if cs.Owner != w.owner || cs.Callee.String() != w.callee || cs.Decl != w.decl || cs.Index != w.index ||
			cs.Ctx != w.ctx || cs.Escaping != w.escaping || cs.Form != w.form || !strings.HasPrefix(cs.Refused, w.refused) || (w.refused == "") != (cs.Refused == "") {
			t.Errorf("case %q: got owner %q callee %s decl %q #%d ctx %q escaping %q form %q refused %q\nwant %+v",
				name, cs.Owner, cs.Callee, cs.Decl, cs.Index, cs.Ctx, cs.Escaping, cs.Form, cs.Refused, w)
		}
		if cs.Func == nil {
			t.Errorf("case %q: no SSA function", name)
		}
	}
	for name := range got {
		if _, ok := wants[name]; !ok {
			t.Errorf("unexpected case %q", name)
		}
	}
}
