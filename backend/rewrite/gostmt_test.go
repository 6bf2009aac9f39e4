package rewrite

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssaweave/ssaweave/ssaweave"
)

// goAt returns the EditGo for the go statement on the line of
// testdata/<name>.input.go that contains marker (the first go keyword on
// it), in function fn. It panics when the marker is missing: the cases are
// data, checked when the test binary starts.
func goAt(name, marker, fn, hook, ctx string) ssaweave.Edit {
	line, col := goPos(name, marker)
	return ssaweave.Edit{Kind: ssaweave.EditGo, Func: fn, Hook: hook, Rule: "test.go", Line: line, Col: col, Ctx: ctx}
}

// goPos returns the line and column of the go keyword on the line of
// testdata/<name>.input.go that contains marker.
func goPos(name, marker string) (line, col int) {
	src, err := os.ReadFile(filepath.Join("testdata", name+".input.go"))
	if err != nil {
		panic(err)
	}
	for i, l := range strings.Split(string(src), "\n") {
		if strings.Contains(l, marker) {
			c := strings.Index(l, "go ")
			if c < 0 {
				panic(fmt.Sprintf("%s: no go statement on the line of %q", name, marker))
			}
			return i + 1, c + 1
		}
	}
	panic(fmt.Sprintf("%s: no line contains %q", name, marker))
}

// goRunExtra binds the hooks of go_run as the runtime would, printing what
// they get and when restore runs.
const goRunExtra = `package main

import (
	"context"
	"fmt"
)

func init() {
	hook := func(ctx any) func() {
		fmt.Println("inherit", ctx.(context.Context).Value(key{}))
		return func() { fmt.Println("restore") }
	}
	ssaweaveGo_main_1 = hook
	ssaweaveGo_main_2 = hook
}
`

func init() {
	first, _ := goPos("go_run", `"first created at "`)
	second, _ := goPos("go_run", "// second")
	goldenCases = append(goldenCases,
		goldenCase{name: "go_nested", edits: []ssaweave.Edit{
			goAt("go_nested", "// in a loop", "Serve", "ssaweaveGo_Serve_1", "ctx"),
			goAt("go_nested", "// in a closure", "Serve", "ssaweaveGo_Serve_2", "ctx"),
			goAt("go_nested", "// locals named h and restore", "Serve", "ssaweaveGo_Serve_3", "ctx"),
			goAt("go_nested", "// method value call", "Serve", "ssaweaveGo_Serve_4", "ctx"),
			goAt("go_nested", "go f(4)", "Serve", "ssaweaveGo_Serve_5", "ctx"),
			goAt("go_nested", "go work(5)", "Serve", "ssaweaveGo_Serve_6", "ctx"),
			goAt("go_nested", "go work(6)", "Serve", "ssaweaveGo_Serve_7", "ctx"),
			goAt("go_nested", "go work(7)", "Serve", "ssaweaveGo_Serve_8", "ctx"),
			goAt("go_nested", "go work(8)", "Retry", "ssaweaveGo_Retry_1", "ctx"),
			goAt("go_nested", "// after goto", "Retry", "ssaweaveGo_Retry_2", "ctx"),
			goAt("go_nested", "go f(v)", "Generic", "ssaweaveGo_Generic_1", "ctx"),
			goAt("go_nested", "// outer", "Worker.Nested", "ssaweaveGo_Worker_Nested_1", "ctx"),
			goAt("go_nested", "go work(w.n)", "Worker.Nested", "ssaweaveGo_Worker_Nested_2", "ctx"),
		}},
		goldenCase{
			name: "go_run",
			edits: []ssaweave.Edit{
				goAt("go_run", `"first created at "`, "main", "ssaweaveGo_main_1", "ctx"),
				goAt("go_run", "// second", "main", "ssaweaveGo_main_2", "ctx"),
			},
			extra: goRunExtra,
			// Each goroutine's stack names the line of its go statement.
			want: fmt.Sprintf("inherit request-1\nrestore\ninherit request-1\nrestore\nfirst created at %d; second created at %d\n", first, second),
		},
	)
}

// TestGoErrors checks the errors of go edits that a stale or impossible
// plan gets.
func TestGoErrors(t *testing.T) {
	const src = `package p

import "context"

func work() {}

func F(ctx context.Context) {
	go work()
}

func G(ctx context.Context) {
	nil := 1
	_ = nil
	go work()
}

func H(ctx context.Context) {
	ssaweaveGo_H_1 := 1
	_ = ssaweaveGo_H_1
	go work()
}
`
	edit := func(fn, hook, ctx string, line, col int) ssaweave.Edit {
		return ssaweave.Edit{Kind: ssaweave.EditGo, Func: fn, Hook: hook, Rule: "test.go", Line: line, Col: col, Ctx: ctx}
	}
	for _, tt := range []struct {
		edit ssaweave.Edit
		want string
	}{
		{edit("F", "ssaweaveGo_F_1", "ctx", 8, 3), "/p.go:8: rule test.go: no go statement at 8:3 in function F (plan is stale?)"},
		{edit("F", "ssaweaveGo_F_1", "ctx", 7, 2), "no go statement at 7:2 in function F"},
		{edit("Missing", "ssaweaveGo_F_1", "ctx", 8, 2), "function Missing not found (plan is stale?)"},
		{edit("F", "ssaweaveGo_F_1", "ctx", 8, 0), "go edit in function F has no column"},
		{edit("F", "ssaweaveGo_F_1", "ctx.Err()", 8, 2), `context "ctx.Err()" is not an identifier`},
		{edit("G", "ssaweaveGo_G_1", "ctx", 14, 2), "it declares nil"},
		{edit("H", "ssaweaveGo_H_1", "ctx", 20, 2), "it declares ssaweaveGo_H_1"},
	} {
		_, err := File("/p.go", []byte(src), []ssaweave.Edit{tt.edit})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: got error %v, want one containing %q", tt.edit, err, tt.want)
		}
	}
	// The same function can have a go edit and other edits.
	out, err := File("/p.go", []byte(src), []ssaweave.Edit{
		edit("F", "ssaweaveGo_F_1", "ctx", 8, 2),
		at(before("F", "ssaweaveHook_F"), 7),
		at(around("F", "ssaweaveHook_F_around"), 7),
	})
	if err != nil {
		t.Fatal(err)
	}
	checkPositions(t, "/p.go", []byte(src), out, true)
	if !strings.Contains(string(out), "restore = h1(ctx)") && !strings.Contains(string(out), "restore = h(ctx)") {
		t.Errorf("no go rewrite in:\n%s", out)
	}
}

// TestGoBlockForm rewrites a go statement spanning lines in a function with
// a goto, where the injected statements go in a block: lines stay, and the
// go keyword keeps its column, but what follows it on other lines is one
// tab deeper.
func TestGoBlockForm(t *testing.T) {
	src := []byte(`package p

import "context"

func work(int) {}

func Retry(ctx context.Context, n int) {
again:
	n--
	go func() {
		work(n)
	}()
	if n > 0 {
		goto again
	}
	work(n)
}
`)
	e := ssaweave.Edit{Kind: ssaweave.EditGo, Func: "Retry", Hook: "ssaweaveGo_Retry_1", Rule: "test.go", Line: 10, Col: 2, Ctx: "ctx"}
	out, unresolved, err := rewriteFile("/p.go", src, []ssaweave.Edit{e})
	if err != nil {
		t.Fatal(err)
	}
	if unresolved != 0 {
		t.Errorf("%d nodes off their line in\n%s", unresolved, out)
	}
	checkPositions(t, "/p.go", src, out, false)
	if !strings.Contains(string(out), "/*line /p.go:10:1*/ go func() {") {
		t.Errorf("the go keyword is not kept at 10:2:\n%s", out)
	}
	if !strings.Contains(string(out), "\t{ /*line") {
		t.Errorf("the statements are not in a block:\n%s", out)
	}
}

// callAt returns the EditCall for the call on the line of
// testdata/<name>.input.go that contains marker (the first "fetch(" on
// it), in function fn.
func callAt(name, marker, fn, hook, ctx, form string) ssaweave.Edit {
	src, err := os.ReadFile(filepath.Join("testdata", name+".input.go"))
	if err != nil {
		panic(err)
	}
	for i, l := range strings.Split(string(src), "\n") {
		if strings.Contains(l, marker) {
			c := strings.Index(l, "fetch(")
			if c < 0 {
				panic(fmt.Sprintf("%s: no call of fetch on the line of %q", name, marker))
			}
			return ssaweave.Edit{Kind: ssaweave.EditCall, Func: fn, Hook: hook, Rule: "test.call", Line: i + 1, Col: c + len("fetch("), Ctx: ctx, Form: form}
		}
	}
	panic(fmt.Sprintf("%s: no line contains %q", name, marker))
}

// callRunExtra binds the hooks of call_run as the runtime would, printing
// what they get and when restore runs.
const callRunExtra = `package main

import (
	"context"
	"fmt"
)

func init() {
	hook := func(ctx any) func() {
		fmt.Println("set", ctx.(context.Context).Value(key{}))
		return func() { fmt.Println("restore") }
	}
	ssaweaveCall_bracketed_1 = hook
	ssaweaveCall_returned_1 = hook
	ssaweaveCall_deferred_1 = hook
	ssaweaveCall_looped_1 = hook
	ssaweaveCall_looped_2 = hook
}
`

func init() {
	goldenCases = append(goldenCases, goldenCase{
		name: "call_run",
		edits: []ssaweave.Edit{
			callAt("call_run", "// site: bracket", "bracketed", "ssaweaveCall_bracketed_1", "ctx", "bracket"),
			callAt("call_run", "// site: return", "returned", "ssaweaveCall_returned_1", "ctx", "defer"),
			callAt("call_run", "// site: leaves", "deferred", "ssaweaveCall_deferred_1", "ctx", "defer"),
			callAt("call_run", "// site: in a loop", "looped", "ssaweaveCall_looped_1", "ctx", "bracket"),
			callAt("call_run", "// site: spread", "looped", "ssaweaveCall_looped_2", "ctx", "bracket"),
		},
		extra: callRunExtra,
		// The context is set for the call and restored after its
		// statement, or when the function returns.
		want: "set request-1\nfetch a\nrestore\ngot a\n" +
			"before return\nset request-1\nfetch b\nrestore\ngot b <nil>\n" +
			"set request-1\nfetch \nerror: nothing to fetch\nrestore\n" +
			"set request-1\nfetch c\nrestore\ngot c\nset request-1\nfetch d\nrestore\ngot d\n" +
			"set request-1\nfetch e\ngot e<nil>\nrestore\n",
	})
}
