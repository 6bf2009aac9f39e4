package ssaweave

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ssaweave/ssaweave/analysis"
)

// TestGoroutineSites plans testdata/goroutines, whose go statements are
// each followed by a comment saying "woven: name" or "pruned: name", and
// checks every site's status and reason, and the edits and binds of the
// woven ones.
func TestGoroutineSites(t *testing.T) {
	p := planOf(t, "goroutines")
	dir := filepath.Join("testdata", "goroutines")
	marks := map[string]string{} // "file:line" → "woven: name"
	markRE := regexp.MustCompile(`// ((?:woven|pruned): .*)$`)
	for _, f := range []string{"cmd/server/main.go", "cmd/tool/main.go", "work/work.go"} {
		src, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if m := markRE.FindStringSubmatch(line); m != nil {
				marks[f+":"+strconv.Itoa(i+1)] = m[1]
			}
		}
	}
	reasons := map[string]string{ // a substring of the reason, per case
		"direct":      "the goroutine reaches net/http.send (net/http.client) in ",
		"closure":     "inherits the trace context of ctx (context.Context)",
		"interface":   "the goroutine reaches net/http.send",
		"each":        "inherits the trace context of ctx (context.Context)",
		"Handle":      "inherits the trace context of r (*net/http.Request)",
		"quiet":       "reachable from main (rta) in example.com/gor/cmd/server, but nothing the goroutine may call makes spans",
		"receives":    "the goroutine receives a context: argument ctx (context.Context)",
		"unreachable": "not reachable from main or init (rta)",
		"no context":  "no traced context in scope",
		"tool":        "reachable from main (rta) in example.com/gor/cmd/tool, but no telemetry is woven into that program",
		"escaping":    "the context in scope, ctx, is outside the function literal holding the go statement, which does not capture it and escapes",
	}
	seen := map[string]bool{}
	for _, s := range p.Sites {
		if s.Rule != GoRule {
			continue
		}
		file, line, _ := strings.Cut(s.Pos, ":")
		line, _, _ = strings.Cut(line, ":")
		mark := marks[file+":"+line]
		if mark == "" {
			t.Errorf("site %s (%s) is not marked in the source", s.Pos, s.Function)
			continue
		}
		status, name, _ := strings.Cut(mark, ": ")
		seen[name] = true
		if s.Status != status {
			t.Errorf("%s: %s is %s (%s), want %s", name, s.Pos, s.Status, s.Reason, status)
		}
		if !strings.Contains(s.Reason, reasons[name]) {
			t.Errorf("%s: reason %q does not contain %q", name, s.Reason, reasons[name])
		}
		if status == StatusWoven && (len(s.Path) == 0 || !strings.HasPrefix(s.Path[len(s.Path)-1], s.Function) || !strings.HasSuffix(s.Path[0], ".main")) {
			t.Errorf("%s: path %v does not lead from main to %s", name, s.Path, s.Function)
		}
	}
	for name := range reasons {
		if !seen[name] {
			t.Errorf("case %s: no site", name)
		}
	}

	// The edits: one per woven statement, named after the function and
	// the statement's rank in it.
	type edit struct{ pkg, file, fn, hook, ctx string }
	var got []edit
	for _, pe := range p.Packages {
		for _, fe := range pe.Files {
			for _, e := range fe.Edits {
				if e.Kind != EditGo {
					continue
				}
				if e.Rule != GoRule || e.Line == 0 || e.Col == 0 {
					t.Errorf("edit %+v: bad rule or position", e)
				}
				rel, _ := filepath.Rel(p.Dir, fe.File)
				got = append(got, edit{pe.ImportPath, filepath.ToSlash(rel), e.Func, e.Hook, e.Ctx})
			}
		}
	}
	want := []edit{
		{"example.com/gor/cmd/server", "cmd/server/main.go", "each", "ssaweaveGo_each_1", "ctx"},
		{"example.com/gor/cmd/server", "cmd/server/main.go", "handler", "ssaweaveGo_handler_1", "r"},
		{"example.com/gor/cmd/server", "cmd/server/main.go", "handler", "ssaweaveGo_handler_4", "ctx"},
		{"example.com/gor/cmd/server", "cmd/server/main.go", "handler", "ssaweaveGo_handler_5", "ctx"},
		{"example.com/gor/work", "work/work.go", "Handle", "ssaweaveGo_Handle_1", "r"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("go edits:\n got %v\nwant %v", got, want)
	}

	// The server binds every hook; the tool, without telemetry, none.
	var binds []string
	for _, b := range p.Main("example.com/gor/cmd/server").Binds {
		if b.Func == BindGoContext {
			binds = append(binds, b.Package+"."+b.Var)
		}
	}
	wantBinds := []string{
		"example.com/gor/cmd/server.ssaweaveGo_each_1",
		"example.com/gor/cmd/server.ssaweaveGo_handler_1",
		"example.com/gor/cmd/server.ssaweaveGo_handler_4",
		"example.com/gor/cmd/server.ssaweaveGo_handler_5",
		"example.com/gor/work.ssaweaveGo_Handle_1",
	}
	if !slices.Equal(binds, wantBinds) {
		t.Errorf("server binds:\n got %v\nwant %v", binds, wantBinds)
	}
	if tool := p.Main("example.com/gor/cmd/tool"); len(tool.Binds) != 0 || len(tool.Hooks) != 0 {
		t.Errorf("tool: binds %v, hooks %v; want none", tool.Binds, tool.Hooks)
	}
	if _, ok := BindTypes[BindGoContext]; !ok {
		t.Error("no bind type for GoContext")
	}
	if analysis.EditGo != analysis.EditKind(EditGo) {
		t.Errorf("analysis kind %q is plan kind %q", analysis.EditGo, EditGo)
	}
}
