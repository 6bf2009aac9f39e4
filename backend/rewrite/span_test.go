package rewrite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/printer"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ssaweave/ssaweave/ssaweave"
)

// span returns a span edit of fn named name, with its parent in parameter
// parent of the given kind ("" for none).
func span(fn, hook, name, parent, kind string) ssaweave.Edit {
	return ssaweave.Edit{Kind: ssaweave.EditSpan, Func: fn, Hook: hook, Rule: "test.span", Span: name, Parent: parent, ParentKind: kind}
}

// spanRunExtra sets the hooks of the span_run golden case to a stand-in
// for the runtime's FuncSpan that prints what it is given and what its end
// function records, and passes the span name down in the context.
const spanRunExtra = `package main

import (
	"context"
	"fmt"
	"net/http"
)

func init() {
	ssaweaveHook_Find = funcSpan
	ssaweaveHook_Load = funcSpan
	ssaweaveHook_Serve = funcSpan
	ssaweaveHook_Recovered = funcSpan
	ssaweaveHook_IsNil = funcSpan
	ssaweaveHook_Fail = funcSpan
	ssaweaveHook_main = funcSpan
}

func ssaweave_atMainReturn() { fmt.Println("flush") }

func funcSpan(parent any, name string) (any, func(*error)) {
	end := func(err *error) {
		switch {
		case err == nil:
			fmt.Printf("end %s: no error result\n", name)
		case *err == nil:
			fmt.Printf("end %s: ok\n", name)
		default:
			fmt.Printf("end %s: error %q\n", name, *err)
		}
	}
	switch p := parent.(type) {
	case context.Context:
		fmt.Printf("start %s in %v\n", name, p.Value(key{}))
		return context.WithValue(p, key{}, name), end
	case *http.Request:
		fmt.Printf("start %s for %s\n", name, p.URL.Path)
		return p.WithContext(context.WithValue(p.Context(), key{}, name)), end
	}
	fmt.Printf("start %s without parent (%v)\n", name, parent)
	return parent, end
}
`

// spanRunWant is what the span_run golden case prints: the hook sees each
// parent, the function runs in the context the hook returned, and end sees
// the error the function returned, however it returned it. The span of main
// ends before the flush deferred at its return.
const spanRunWant = `start main without parent (<nil>)
start find in main
Find runs in find
end find: ok
user 7 <nil>
start find in main
Find runs in find
end find: error "empty id"
 empty id
start load in main
end load: error "negative"
true negative
start serve for /users
Serve runs in serve
end serve: no error result
start recovered without parent (<nil>)
end recovered: error "recovered inner"
recovered inner
start isnil without parent (<nil>)
end isnil: no error result
true
start fail without parent (<nil>)
end fail: ok
<nil>
end main: no error result
flush
`

// spanRunEdits are the edits of the span_run golden case.
var spanRunEdits = []ssaweave.Edit{
	span("Find", "ssaweaveHook_Find", "find", "ctx", ssaweave.ParentContext),
	span("Load", "ssaweaveHook_Load", "load", "ctx", ssaweave.ParentContext),
	span("Serve", "ssaweaveHook_Serve", "serve", "r", ssaweave.ParentRequest),
	span("Recovered", "ssaweaveHook_Recovered", "recovered", "", ""),
	span("IsNil", "ssaweaveHook_IsNil", "isnil", "ctx", ssaweave.ParentContext),
	span("Fail", "ssaweaveHook_Fail", "fail", "", ""),
	span("main", "ssaweaveHook_main", "main", "", ""),
	deferCall("main", "ssaweave_atMainReturn"),
}

// TestSpanErrors checks what a span edit refuses.
func TestSpanErrors(t *testing.T) {
	const src = `package p

import "context"

func F(ctx context.Context, xs ...context.Context) error { return nil }

func G[C context.Context](ctx C) error { return nil }

type error interface{ Error() string }

func H() error { return nil }

func Asm(ctx context.Context) error
`
	tests := []struct {
		edit ssaweave.Edit
		want string
	}{
		{at(span("F", "h", "", "ctx", ssaweave.ParentContext), 5), "/p.go:5: rule test.span: span edit of function F has no span name"},
		{at(span("F", "h", "f", "", ssaweave.ParentContext), 5), `parent kind "context" without a parent parameter`},
		{at(span("F", "h", "f", "ctx", "channel"), 5), `unknown parent kind "channel" for parameter ctx`},
		{at(span("F", "h", "f", "cx", ssaweave.ParentContext), 5), "no parameter cx (plan is stale?)"},
		{at(span("F", "h", "f", "#2", ssaweave.ParentContext), 5), "parent parameter #2 does not exist (the function has 2 parameters)"},
		{at(span("F", "h", "f", "_", ssaweave.ParentContext), 5), "a blank parent parameter must be given by index"},
		{at(span("F", "h", "f", "xs", ssaweave.ParentContext), 5), "parent parameter xs is variadic"},
		{at(span("F", "ctx", "f", "ctx", ssaweave.ParentContext), 5), "its signature declares or uses ctx"},
		{at(span("G", "h", "g", "ctx", ssaweave.ParentContext), 7), "cannot apply the span edit to generic function G: the type of parent parameter ctx uses type parameter C"},
		{at(span("H", "h", "h", "", ""), 11), "the file declares error at package level"},
		{at(span("Asm", "h", "asm", "ctx", ssaweave.ParentContext), 13), "function Asm has no body"},
	}
	for _, tt := range tests {
		_, err := File("/p.go", []byte(src), []ssaweave.Edit{tt.edit})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: got error %v, want one containing %q", tt.edit, err, tt.want)
		}
	}
}

// TestBindType checks that the hook type is the one the plan gives,
// printed back.
func TestBindType(t *testing.T) {
	src := []byte("package p\n\nfunc F() {}\n")
	out, err := File("/p.go", src, []ssaweave.Edit{at(span("F", "ssaweaveHook_F", "f", "", ""), 3)})
	if err != nil {
		t.Fatal(err)
	}
	want := "var ssaweaveHook_F " + ssaweave.BindTypes[ssaweave.BindFuncSpan] + "\n"
	if !bytes.Contains(out, []byte(want)) {
		t.Errorf("the output lacks %q:\n%s", want, out)
	}
	if _, err := bindType("NoSuch"); err == nil {
		t.Error("bindType accepted an unknown bind")
	}
}

// TestFuncSpanBindType checks that the runtime's FuncSpan, in the rt
// module, has the type the plan gives hook variables: the linker would not
// notice a difference, and the generated file that assigns it is only
// compiled in woven builds.
func TestFuncSpanBindType(t *testing.T) {
	path := filepath.Join("..", "..", "rt", "funcspan.go")
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var got string
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == ssaweave.BindFuncSpan {
			var b strings.Builder
			if err := printer.Fprint(&b, fset, fd.Type); err != nil {
				t.Fatal(err)
			}
			got = b.String()
		}
	}
	if got == "" {
		t.Fatalf("%s declares no function %s", path, ssaweave.BindFuncSpan)
	}
	want := ssaweave.BindTypes[ssaweave.BindFuncSpan]
	gt, err := types.Eval(token.NewFileSet(), nil, token.NoPos, got)
	if err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	wt, err := types.Eval(token.NewFileSet(), nil, token.NoPos, want)
	if err != nil {
		t.Fatalf("%s: %v", want, err)
	}
	if !types.Identical(gt.Type, wt.Type) {
		t.Errorf("rt.%s has type %s, but hook variables are declared %s", ssaweave.BindFuncSpan, got, want)
	}
}

// TestSpanPanic builds the span_run golden case and makes its spanned
// function panic: the trace must point at the original lines, and the
// span's end must have run (without an error: the function did not
// return one).
func TestSpanPanic(t *testing.T) {
	goCmd := goTool(t)
	var c goldenCase
	for _, gc := range goldenCases {
		if gc.name == "span_run" {
			c = gc
		}
	}
	if c.name == "" {
		t.Fatal("no span_run golden case")
	}
	src, edits := c.load(t)
	out, err := File(virtualPath(c.name), src, edits)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, content := range map[string]string{
		"go.mod":   "module example.com/spanpanic\n\ngo 1.26\n",
		"main.go":  string(out),
		"extra.go": c.extra,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	exe := filepath.Join(dir, "spanpanic")
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	cmd := exec.Command(goCmd, "build", "-o", exe, ".")
	cmd.Dir, cmd.Env = dir, goEnv(dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	var stdout, stderr bytes.Buffer
	cmd = exec.Command(exe, "panic")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("the program did not fail: %v", err)
	}
	if !strings.HasSuffix(stdout.String(), "start fail without parent (<nil>)\nend fail: ok\nend main: no error result\nflush\n") {
		t.Errorf("the spans did not end, then flush, before the crash:\n%s", stdout.String())
	}
	trace := stderr.String()
	name := virtualPath(c.name)
	for _, want := range []string{
		"panic: fail 1",
		"main.Fail(",
		fmt.Sprintf("%s:%d", name, lineOf(t, src, `panic(fmt.Sprintf("fail`)),
		"main.main(",
		fmt.Sprintf("%s:%d", name, lineOf(t, src, `fmt.Println(Fail(`)),
	} {
		if !strings.Contains(trace, want) {
			t.Errorf("the trace lacks %q:\n%s", want, trace)
		}
	}
}

// TestSpanEveryFunction gives every function of a few standard library
// packages a span edit, with the first context.Context or *http.Request
// parameter as the parent, checks that every original node keeps its
// position, builds the packages with the rewritten files, and runs the
// tests of some of them with no hook set: naming results and parameters
// must change nothing.
func TestSpanEveryFunction(t *testing.T) {
	pkgs := []string{"strconv", "net/url", "database/sql", "net/http/httputil"}
	tested := []string{"strconv", "net/url", "database/sql"}
	dir := t.TempDir()
	overlay := map[string]string{}
	counts := map[string]int{}
	for _, ip := range pkgs {
		bp, err := build.Import(ip, "", 0)
		if err != nil {
			t.Skipf("no standard library source: %v", err)
		}
		for _, name := range bp.GoFiles {
			path := filepath.Join(bp.Dir, name)
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			edits := spanEveryFunction(t, path, src, strings.TrimSuffix(name, ".go"), counts)
			if len(edits) == 0 {
				continue
			}
			out, unresolved, err := rewriteFile(path, src, edits)
			if err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			if unresolved != 0 {
				t.Errorf("%s: %d nodes off their line", path, unresolved)
			}
			checkPositions(t, path, src, out, true)
			rewritten := filepath.Join(dir, strings.ReplaceAll(ip, "/", "_")+"_"+name)
			if err := os.WriteFile(rewritten, out, 0o666); err != nil {
				t.Fatal(err)
			}
			overlay[path] = rewritten
		}
	}
	t.Logf("span edits: %v", counts)
	if counts[ssaweave.ParentContext] == 0 || counts[ssaweave.ParentRequest] == 0 || counts["error"] == 0 {
		t.Errorf("the packages did not exercise every kind of parent and an error result: %v", counts)
	}

	goCmd := goTool(t)
	js, err := json.Marshal(map[string]any{"Replace": overlay})
	if err != nil {
		t.Fatal(err)
	}
	overlayFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayFile, js, 0o666); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		append([]string{"build", "-overlay=" + overlayFile}, pkgs...),
		append([]string{"test", "-short", "-overlay=" + overlayFile}, tested...),
	} {
		cmd := exec.Command(goCmd, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s with the rewritten files: %v\n%s", args[0], err, out)
		}
	}
}

// spanEveryFunction returns a span edit for every function of src but
// those whose parent would be a type parameter, taking the first
// parameter of type context.Context or *http.Request (by index when it is
// blank or unnamed) as the parent. It counts the parent kinds and the
// functions with an error result in counts.
func spanEveryFunction(t *testing.T, path string, src []byte, prefix string, counts map[string]int) []ssaweave.Edit {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var edits []ssaweave.Edit
	for i, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil || fd.Name.Name == "_" {
			continue
		}
		name := fd.Name.Name
		if fd.Recv != nil {
			typ := fd.Recv.List[0].Type
			if s, ok := typ.(*ast.StarExpr); ok {
				typ = s.X
			}
			switch x := typ.(type) {
			case *ast.IndexExpr:
				typ = x.X
			case *ast.IndexListExpr:
				typ = x.X
			}
			name = typ.(*ast.Ident).Name + "." + name
		}
		e := ssaweave.Edit{Kind: ssaweave.EditSpan, Func: name, Hook: fmt.Sprintf("ssaweaveHook_%s_%d", prefix, i), Rule: "test.every", Line: fset.Position(fd.Pos()).Line, Span: name}
		n := 0
		for _, field := range fd.Type.Params.List {
			kind := ""
			switch typeString(field.Type) {
			case "context.Context":
				kind = ssaweave.ParentContext
			case "*http.Request":
				kind = ssaweave.ParentRequest
			}
			names := field.Names
			if len(names) == 0 {
				names = []*ast.Ident{nil}
			}
			for _, id := range names {
				if kind != "" && e.Parent == "" {
					e.Parent, e.ParentKind = fmt.Sprintf("#%d", n), kind
					if id != nil && id.Name != "_" {
						e.Parent = id.Name
					}
				}
				n++
			}
		}
		if fd.Type.Results != nil {
			for _, r := range fd.Type.Results.List {
				if id, ok := r.Type.(*ast.Ident); ok && id.Name == "error" {
					counts["error"]++
					break
				}
			}
		}
		counts[e.ParentKind]++
		edits = append(edits, e)
	}
	return edits
}

// typeString renders the type expressions spanEveryFunction looks for.
func typeString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return "*" + typeString(x.X)
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok {
			return id.Name + "." + x.Sel.Name
		}
	}
	return ""
}
