package analysis

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestGoStatements checks, for every go statement of
// testdata/goroutines (each marked with a "// case: name" comment), how the
// goroutine receives a context and which context is in scope.
func TestGoStatements(t *testing.T) {
	prog, err := Load(context.Background(), Config{Dir: "testdata/goroutines", Patterns: []string{"."}})
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("testdata/goroutines/main.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	caseRE := regexp.MustCompile(`// case: (.*)$`)

	type want struct {
		decl     string
		index    int
		receives string // prefix
		ctx      string
		ctxType  string
		escaping string
	}
	wants := map[string]want{
		"generic":                  {decl: "generic", index: 1, ctx: "ctx", ctxType: "context.Context"},
		"package var":              {decl: ""},
		"request in scope":         {decl: "handler", index: 1, ctx: "r", ctxType: "*net/http.Request"},
		"ctx after request":        {decl: "handler", index: 2, ctx: "ctx", ctxType: "context.Context"},
		"argument":                 {decl: "handler", index: 3, receives: "argument ctx (context.Context)", ctx: "ctx", ctxType: "context.Context"},
		"request argument":         {decl: "handler", index: 4, receives: "argument r (*net/http.Request)", ctx: "ctx", ctxType: "context.Context"},
		"closure captures ctx":     {decl: "handler", index: 5, receives: "closure variable ctx (context.Context)", ctx: "ctx", ctxType: "context.Context"},
		"closure without context":  {decl: "handler", index: 6, ctx: "ctx", ctxType: "context.Context"},
		"shadowed by int":          {decl: "handler", index: 7, ctx: "r", ctxType: "*net/http.Request"},
		"loop closure":             {decl: "handler", index: 8, ctx: "ctx", ctxType: "context.Context"},
		"nested closure":           {decl: "handler", index: 9, ctx: "ctx", ctxType: "context.Context"},
		"receiver with context":    {decl: "handler", index: 10, receives: "receiver s (*example.com/goroutines.server)", ctx: "ctx", ctxType: "context.Context"},
		"receiver without context": {decl: "handler", index: 11, ctx: "ctx", ctxType: "context.Context"},
		"interface call":           {decl: "handler", index: 12, ctx: "ctx", ctxType: "context.Context"},
		"bound method value":       {decl: "handler", index: 13, receives: "receiver of method value f (*example.com/goroutines.server)", ctx: "ctx", ctxType: "context.Context"},
		"channel of requests":      {decl: "handler", index: 14, receives: "argument jobs (chan *net/http.Request)", ctx: "ctx", ctxType: "context.Context"},
		"before later ctx":         {decl: "handler", index: 15, ctx: "ctx", ctxType: "context.Context"},
		"no context":               {decl: "background", index: 1},
		"escaping literal":         {decl: "escaping", index: 1, escaping: "ctx"},
		"outer receives ctx":       {decl: "escaping", index: 2, receives: "closure variable ctx (context.Context)", ctx: "ctx", ctxType: "context.Context"},
		"literal captures ctx":     {decl: "escaping", index: 3, ctx: "ctx", ctxType: "context.Context"},
		"outer go literal":         {decl: "escaping", index: 4, ctx: "ctx", ctxType: "context.Context"},
		"go literal":               {decl: "escaping", index: 5, escaping: "ctx"},
		"deferred literal":         {decl: "escaping", index: 6, ctx: "ctx", ctxType: "context.Context"},
	}

	gos := GoStatements(prog)
	seen := map[string]bool{}
	for _, g := range gos {
		if filepath.Base(g.File) != "main.go" || g.Pos.Filename != g.File {
			t.Errorf("%v: File = %q, want the file itself", g.Pos, g.File)
		}
		m := caseRE.FindStringSubmatch(lines[g.Pos.Line-1])
		if m == nil {
			t.Errorf("%v: go statement without a case comment", g.Pos)
			continue
		}
		name := m[1]
		seen[name] = true
		w, ok := wants[name]
		if !ok {
			t.Errorf("%v: unknown case %q", g.Pos, name)
			continue
		}
		if g.Decl != w.decl || (w.decl != "" && g.Index != w.index) {
			t.Errorf("case %s: Decl, Index = %q, %d; want %q, %d", name, g.Decl, g.Index, w.decl, w.index)
		}
		if g.Receives != w.receives {
			t.Errorf("case %s: Receives = %q, want %q", name, g.Receives, w.receives)
		}
		if g.Ctx != w.ctx || g.CtxType != w.ctxType || g.Escaping != w.escaping {
			t.Errorf("case %s: Ctx = %q (%s), Escaping %q; want %q (%s), %q", name, g.Ctx, g.CtxType, g.Escaping, w.ctx, w.ctxType, w.escaping)
		}
		if g.Func == nil || g.Package == nil {
			t.Errorf("case %s: no function or package", name)
			continue
		}
		if col := strings.Index(lines[g.Pos.Line-1], "go "); g.Pos.Column != col+1 {
			t.Errorf("case %s: column %d, want %d (the go keyword)", name, g.Pos.Column, col+1)
		}
		if len(g.Instrs) == 0 {
			t.Errorf("case %s: no SSA instruction", name)
		}
	}
	for name := range wants {
		if !seen[name] {
			t.Errorf("case %s: not found", name)
		}
	}
}
