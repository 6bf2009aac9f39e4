package rewrite

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/ssaweave/ssaweave/ssaweave"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenCase is one golden test: testdata/<name>.input.go rewritten with
// edits gives testdata/<name>.golden.go, or the error in
// testdata/<name>.golden.err.
type goldenCase struct {
	name  string
	edits []ssaweave.Edit // a zero Line is filled in from the input
	// extra is another file of the package, for the build: it defines what
	// the backend would generate (deferred functions) or sets hooks.
	extra string
	// want, for a main package, is its expected output when run.
	want string
}

// virtualPath is the file name the golden cases are rewritten under: a
// fixed absolute path, so that the golden files do not depend on where the
// repository is checked out.
func virtualPath(name string) string { return "/ssaweave/testdata/" + name + ".go" }

func before(fn, hook string) ssaweave.Edit {
	return ssaweave.Edit{Kind: ssaweave.EditBefore, Func: fn, Hook: hook, Rule: "test.before"}
}

func around(fn, hook string) ssaweave.Edit {
	return ssaweave.Edit{Kind: ssaweave.EditAround, Func: fn, Hook: hook, Rule: "test.around"}
}

func filter(fn, hook string) ssaweave.Edit {
	return ssaweave.Edit{Kind: ssaweave.EditFilter, Func: fn, Hook: hook, Rule: "test.filter"}
}

func deferCall(fn, hook string) ssaweave.Edit {
	return ssaweave.Edit{Kind: ssaweave.EditDeferCall, Func: fn, Hook: hook, Rule: "test.defer"}
}

func at(e ssaweave.Edit, line int) ssaweave.Edit {
	e.Line = line
	return e
}

const atMainReturn = `package main

func ssaweave_atMainReturn() { println("atMainReturn") }
`

var goldenCases = []goldenCase{
	{name: "before", edits: []ssaweave.Edit{before("Exit", "ssaweaveHook_Exit")}},
	{name: "around_value", edits: []ssaweave.Edit{around("serverHandler.ServeHTTP", "ssaweaveHook_serverHandler_ServeHTTP")}},
	{name: "around_pointer", edits: []ssaweave.Edit{
		around("DB.Query", "ssaweaveHook_DB_Query"),
		around("DB.Exec", "ssaweaveHook_DB_Exec"),
	}},
	{name: "unnamed", edits: []ssaweave.Edit{
		around("T.M", "ssaweaveHook_T_M"),
		around("T.N", "ssaweaveHook_T_N"),
		before("F", "ssaweaveHook_F"),
	}},
	{name: "results", edits: []ssaweave.Edit{
		around("Named", "ssaweaveHook_Named"),
		around("Unnamed", "ssaweaveHook_Unnamed"),
		around("Grouped", "ssaweaveHook_Grouped"),
	}},
	{name: "variadic", edits: []ssaweave.Edit{
		around("Printf", "ssaweaveHook_Printf"),
		before("Println", "ssaweaveHook_Println"),
		around("Logger.Logf", "ssaweaveHook_Logger_Logf"),
	}},
	{
		name:  "defer_main",
		edits: []ssaweave.Edit{deferCall("main", "ssaweave_atMainReturn")},
		extra: atMainReturn,
		want:  "hello\n",
	},
	{name: "no_imports", edits: []ssaweave.Edit{around("Sum", "ssaweaveHook_Sum")}},
	{name: "has_unsafe", edits: []ssaweave.Edit{before("Size", "ssaweaveHook_Size")}},
	{name: "doc_comment", edits: []ssaweave.Edit{
		around("Greet", "ssaweaveHook_Greet"),
		around("Twice", "ssaweaveHook_Twice"),
	}},
	{name: "generic", edits: []ssaweave.Edit{
		around("List.Len", "ssaweaveHook_List_Len"),
		before("List.Reset", "ssaweaveHook_List_Reset"),
		around("List.Clear", "ssaweaveHook_List_Clear"),
		around("Sized", "ssaweaveHook_Sized"),
		around("Blank", "ssaweaveHook_Blank"),
	}},
	{name: "generic_refused", edits: []ssaweave.Edit{around("Map", "ssaweaveHook_Map")}},
	{name: "shadow", edits: []ssaweave.Edit{
		around("Handler.Serve", "ssaweaveHook_Handler_Serve"),
		before("Call", "ssaweaveHook_Call"),
	}},
	{
		name: "multi",
		edits: []ssaweave.Edit{
			deferCall("main", "ssaweave_atMainReturn"),
			deferCall("run", "ssaweave_runDone"),
			before("run", "ssaweaveHook_run_before"),
			around("run", "ssaweaveHook_run"),
			at(before("init", "ssaweaveHook_init"), 14),
		},
		extra: atMainReturn + "\nfunc ssaweave_runDone() { println(\"runDone\") }\n",
		want:  "[first init second init]\n",
	},
	{
		name: "hooks",
		edits: []ssaweave.Edit{
			before("Exit", "ssaweaveHook_Exit"),
			around("Join", "ssaweaveHook_Join"),
			around("Counter.Add", "ssaweaveHook_Counter_Add"),
			deferCall("main", "ssaweave_atMainReturn"),
		},
		extra: `package main

import "fmt"

func init() {
	ssaweaveHook_Exit = func(code int) { fmt.Println("before exit", code) }
	ssaweaveHook_Join = func(sep string, parts []string, next func(string, ...string) string) string {
		return "[" + next(sep, parts...) + "]"
	}
	ssaweaveHook_Counter_Add = func(d int, next func(int) int) int {
		fmt.Println("add", d)
		return next(d * 10)
	}
}

func ssaweave_atMainReturn() { fmt.Println("main returned") }
`,
		want: "before exit 3\nexit 3\n[a-b-c]\nadd 2\nadd 5\n70\nmain returned\n",
	},
	{
		name:  "panic",
		edits: []ssaweave.Edit{around("T.Fail", "ssaweaveHook_T_Fail"), deferCall("main", "ssaweave_atMainReturn")},
		extra: atMainReturn,
	},
	{
		name: "filter",
		edits: []ssaweave.Edit{
			filter("Logger.Log", "ssaweaveHook_Logger_Log"),
			filter("Open", "ssaweaveHook_Open"),
			deferCall("main", "ssaweave_atMainReturn"),
		},
		extra: `package main

func init() {
	ssaweaveHook_Logger_Log = func(l *Logger, msg string, args ...any) (string, []any) {
		return msg + " " + l.prefix, append(args, "trace")
	}
	ssaweaveHook_Open = func(s string, n int) (string, int) { return s, n * 10 }
}

func ssaweave_atMainReturn() { println("done") }
`,
		want: "> hello >  [1 2 trace] main\n40\n",
	},
	{name: "filter_refused", edits: []ssaweave.Edit{filter("F", "ssaweaveHook_F")}},
	{name: "span_context", edits: []ssaweave.Edit{
		span("Store.Get", "ssaweaveHook_Store_Get", "store.Get", "ctx", ssaweave.ParentContext),
		span("Store.Put", "ssaweaveHook_Store_Put", "store.Put", "ctx", ssaweave.ParentContext),
		span("Empty", "ssaweaveHook_Empty", "empty", "ctx", ssaweave.ParentContext),
	}},
	{name: "span_request", edits: []ssaweave.Edit{
		span("Hello", "ssaweaveHook_Hello", "hello", "r", ssaweave.ParentRequest),
		span("Blank", "ssaweaveHook_Blank", "blank", "#1", ssaweave.ParentRequest),
	}},
	{name: "span_noparent", edits: []ssaweave.Edit{
		span("Compute", "ssaweaveHook_Compute", "compute", "", ""),
		around("Compute", "ssaweaveHook_Compute_around"),
		span("Run", "ssaweaveHook_Run", "run", "", ""),
	}},
	{name: "span_unnamed", edits: []ssaweave.Edit{
		span("Triple", "ssaweaveHook_Triple", "triple", "ctx", ssaweave.ParentContext),
		span("Blank", "ssaweaveHook_Blank", "blank", "ctx", ssaweave.ParentContext),
		span("Unnamed", "ssaweaveHook_Unnamed", "unnamed", "#0", ssaweave.ParentContext),
		span("Two", "ssaweaveHook_Two", "two", "", ""),
	}},
	{name: "span_noerror", edits: []ssaweave.Edit{
		span("Log", "ssaweaveHook_Log", "log", "ctx", ssaweave.ParentContext),
		span("Count", "ssaweaveHook_Count", "count", "ctx", ssaweave.ParentContext),
		span("Variadic", "ssaweaveHook_Variadic", "variadic", "ctx", ssaweave.ParentContext),
	}},
	{name: "span_value", edits: []ssaweave.Edit{
		span("Config.Load", "ssaweaveHook_Config_Load", "config.Load", "ctx", ssaweave.ParentContext),
		span("List.Each", "ssaweaveHook_List_Each", "list.Each", "ctx", ssaweave.ParentContext),
	}},
	{name: "span_run", edits: spanRunEdits, extra: spanRunExtra, want: spanRunWant},
	{name: "span_refused", edits: []ssaweave.Edit{span("With", "ssaweaveHook_With", "with", "ctx", ssaweave.ParentContext)}},
	{name: "probe", edits: []ssaweave.Edit{{Kind: ssaweave.EditProbe, Func: "Exit", Hook: "ssaweaveProbe_Exit", Rule: "test.probe"}}},
	{name: "stale_line", edits: []ssaweave.Edit{at(around("F", "ssaweaveHook_F"), 7)}},
	{name: "missing_func", edits: []ssaweave.Edit{before("F", "ssaweaveHook_F")}},
}

// funcLine returns the line of the declaration of fn ("Name" or
// "Type.Name") in src, or 0.
func funcLine(t *testing.T, src []byte, fn string) int {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	recv, name, isMethod := strings.Cut(fn, ".")
	if !isMethod {
		recv, name = "", recv
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Name.Name != name || (fd.Recv != nil) != isMethod {
			continue
		}
		if isMethod {
			typ := fd.Recv.List[0].Type
			for {
				switch x := typ.(type) {
				case *ast.StarExpr:
					typ = x.X
					continue
				case *ast.IndexExpr:
					typ = x.X
					continue
				case *ast.IndexListExpr:
					typ = x.X
					continue
				}
				break
			}
			if id, ok := typ.(*ast.Ident); !ok || id.Name != recv {
				continue
			}
		}
		return fset.Position(fd.Pos()).Line
	}
	return 0
}

// load reads the input of c and fills in the lines of its edits.
func (c goldenCase) load(t *testing.T) ([]byte, []ssaweave.Edit) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", c.name+".input.go"))
	if err != nil {
		t.Fatal(err)
	}
	edits := slices.Clone(c.edits)
	for i := range edits {
		if edits[i].Line == 0 {
			edits[i].Line = funcLine(t, src, edits[i].Func)
			if edits[i].Line == 0 {
				// The missing-function case: any line will do.
				edits[i].Line = 3
			}
		}
	}
	return src, edits
}

// checkGolden compares got with the golden file, or rewrites it.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o666); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run go test -update after checking the change):\n%s", path, got)
	}
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			src, edits := c.load(t)
			out, unresolved, err := rewriteFile(virtualPath(c.name), src, edits)
			errPath := filepath.Join("testdata", c.name+".golden.err")
			goPath := filepath.Join("testdata", c.name+".golden.go")
			if err != nil {
				if _, statErr := os.Stat(goPath); statErr == nil && !*update {
					t.Fatalf("unexpected error: %v", err)
				}
				checkGolden(t, errPath, []byte(err.Error()+"\n"))
				return
			}
			if _, statErr := os.Stat(errPath); statErr == nil && !*update {
				t.Fatalf("want the error in %s, got output:\n%s", errPath, out)
			}
			if unresolved != 0 {
				t.Errorf("%d original nodes are off their line", unresolved)
			}
			checkGolden(t, goPath, out)

			again, err := File(virtualPath(c.name), src, edits)
			if err != nil || !bytes.Equal(again, out) {
				t.Errorf("second rewrite differs (err %v)", err)
			}
			checkPositions(t, virtualPath(c.name), src, out, true)
		})
	}
}

// TestErrors checks the errors a stale or impossible plan gets.
func TestErrors(t *testing.T) {
	const src = `package p

type List[T any] []T

func (l *List[T]) Push(v T) { *l = append(*l, v) }

func F(nil int) {}

func init() {}

func init() {}

func Asm(x int)

func guard(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%v", r)
	}
}
`
	tests := []struct {
		edit ssaweave.Edit
		want string
	}{
		{at(around("G", "ssaweaveHook_G"), 5), "/p.go:5: rule test.around: function G not found (plan is stale?)"},
		{at(around("List.Push", "ssaweaveHook_G"), 4), "/p.go:4: rule test.around: function List.Push expected at this line, but it is declared at line 5 (plan is stale?)"},
		{at(before("init", "ssaweaveHook_G"), 10), "/p.go:10: rule test.before: function init expected at this line, but it is declared at lines 9, 11 (plan is stale?)"},
		{at(before("List.Push", "ssaweaveHook_G"), 5), "cannot apply the before edit to generic function List.Push: its signature uses type parameter T"},
		{at(before("F", "ssaweaveHook_G"), 7), "its signature declares or uses nil"},
		{at(before("Asm", "ssaweaveHook_G"), 13), "function Asm has no body"},
		{at(before("F", "not an identifier"), 7), `hook "not an identifier" is not an identifier`},
		{at(ssaweave.Edit{Kind: "sideways", Func: "F", Hook: "h"}, 7), `unknown edit kind "sideways"`},
		{at(around("guard", "ssaweaveHook_G"), 15), "it calls recover"},
	}
	for _, tt := range tests {
		_, err := File("/p.go", []byte(src), []ssaweave.Edit{tt.edit})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: got error %v, want one containing %q", tt.edit, err, tt.want)
		}
	}
	for _, tt := range []struct {
		edits []ssaweave.Edit
		want  string
	}{
		{[]ssaweave.Edit{at(before("init", "h"), 9), at(before("init", "h"), 9)}, "duplicate before edit of function init"},
		{[]ssaweave.Edit{at(around("init", "h"), 9), at(around("init", "h2"), 9)}, "duplicate around edit of function init"},
		{[]ssaweave.Edit{at(before("init", "h"), 9), at(around("init", "h"), 11)}, "hook h of the around edit of function init is also the hook of the before edit of function init"},
	} {
		_, err := File("/p.go", []byte(src), tt.edits)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: got %v, want an error containing %q", tt.edits, err, tt.want)
		}
	}
}

// TestOriginalDirectives rewrites a file that has line directives of its
// own, like the output of goyacc, and checks that positions stay those the
// directives give, relative file names included.
func TestOriginalDirectives(t *testing.T) {
	src := []byte(`package p

import "fmt"

//line expr.y:100
func Eval(x int) int {
	if x > 0 {
		fmt.Println(x)
	}
	return x
}

/*line expr.y:200:1*/ func Print(x int) {
	fmt.Println(x)
}
`)
	name := "/ssaweave/testdata/y.go"
	edits := []ssaweave.Edit{
		at(around("Eval", "ssaweaveHook_Eval"), 100),
		at(before("Print", "ssaweaveHook_Print"), 200),
	}
	out, unresolved, err := rewriteFile(name, src, edits)
	if err != nil {
		t.Fatal(err)
	}
	if unresolved != 0 {
		t.Errorf("%d nodes off their line in\n%s", unresolved, out)
	}
	if !bytes.Contains(out, []byte("/*line expr.y:103*/")) {
		t.Errorf("the moved body is not positioned in expr.y, as the compiler reads it:\n%s", out)
	}
	checkPositions(t, name, src, out, true)
}

// TestParseError checks that a syntax error names the file.
func TestParseError(t *testing.T) {
	_, err := File("/src/p.go", []byte("package p\n\nfunc {"), []ssaweave.Edit{at(before("F", "h"), 3)})
	if err == nil || !strings.Contains(err.Error(), "/src/p.go:3:6") {
		t.Errorf("got %v, want a syntax error at /src/p.go:3:6", err)
	}
}

// TestNoEdits checks that a file without edits is returned as is.
func TestNoEdits(t *testing.T) {
	src := []byte("package p\n\n\n\nfunc F() {   }\n")
	out, err := File("/p.go", src, nil)
	if err != nil || !bytes.Equal(out, src) {
		t.Errorf("File without edits = %q, %v", out, err)
	}
}

// TestUnformatted rewrites a file gofmt would change, which the printer
// does not reproduce line for line, and checks that the repair rounds
// restore every position.
func TestUnformatted(t *testing.T) {
	src := []byte(`package p
import "fmt"
var (
	a = 1


	b = 2
)
func F(n int) int {


	x := n; y := 2



	if x > y {   fmt.Println(x)
	}
	switch x {
	case 1:


		x++
	}


	return x + a + b


}
func G() { fmt.Println( "g" ) }
type T struct{ a int
}
func (T) M() {}
`)
	name := "/ssaweave/testdata/unformatted.go"
	edits := []ssaweave.Edit{
		at(before("F", "ssaweaveHook_F"), 9),
		at(around("T.M", "ssaweaveHook_T_M"), 33),
	}
	out, unresolved, err := rewriteFile(name, src, edits)
	if err != nil {
		t.Fatal(err)
	}
	if unresolved != 0 {
		t.Errorf("%d nodes off their line in\n%s", unresolved, out)
	} else if testing.Verbose() {
		t.Logf("rewritten:\n%s", out)
	}
	checkPositions(t, name, src, out, false)
}

// checkPositions checks, independently of the rewrite's own check, that the
// rewritten file puts what comes from the original where the original had
// it: every node and every closing brace of a block at its original line,
// in the original file, and with columns set, every statement, declaration
// and spec also at its original column. Injected code may add nodes at
// the positions of declarations, so the check counts: the output must have
// at least as many nodes of each kind at each place as the original.
//
// It also checks that no node of the output is positioned in the rewritten
// file itself.
func checkPositions(t *testing.T, filename string, src, out []byte, columns bool) {
	t.Helper()
	// Both files are parsed under a name without a directory, so that
	// relative names in line directives stay as written, as the compiler
	// reads them; positions outside any directive are then in name.
	count := func(name string, b []byte) (map[string]int, map[string]bool, *token.FileSet, *ast.File) {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "", b, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		position := func(p token.Pos) token.Position {
			pos := fset.Position(p)
			if pos.Filename == "" {
				pos.Filename = name
			}
			return pos
		}
		// Function bodies start on the line of their declaration, but a
		// moved body follows a longer name.
		bodies := map[ast.Node]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			if fd, ok := n.(*ast.FuncDecl); ok && fd.Body != nil {
				bodies[fd.Body] = true
			}
			return true
		})
		m, files := map[string]int{}, map[string]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n.(type) {
			case nil, *ast.Comment, *ast.CommentGroup:
				return false
			}
			if !n.Pos().IsValid() {
				return true
			}
			p := position(n.Pos())
			files[p.Filename] = true
			typ := reflect.TypeOf(n).Elem().Name()
			_, stmt := n.(ast.Stmt)
			_, decl := n.(ast.Decl)
			_, spec := n.(ast.Spec)
			if (stmt || decl || spec) && !bodies[n] && columns {
				m[fmt.Sprintf("%s %s:%d:%d", typ, p.Filename, p.Line, p.Column)]++
			} else {
				m[fmt.Sprintf("%s %s:%d", typ, p.Filename, p.Line)]++
			}
			if b, ok := n.(*ast.BlockStmt); ok {
				p := position(b.Rbrace)
				m[fmt.Sprintf("} %s:%d", p.Filename, p.Line)]++
			}
			return true
		})
		return m, files, fset, f
	}
	want, wantFiles, _, _ := count(filename, src)
	got, gotFiles, _, _ := count("rewritten.go", out)
	var missing []string
	for k, n := range want {
		if got[k] < n {
			missing = append(missing, fmt.Sprintf("%s (%d, want %d)", k, got[k], n))
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("%d original nodes are not at their original position:\n\t%s", len(missing), strings.Join(missing, "\n\t"))
	}
	for f := range gotFiles {
		if !wantFiles[f] {
			t.Errorf("nodes of the rewritten file are positioned in %s, which the original does not name", f)
		}
	}
}

// goTool returns the go command, or skips the test.
func goTool(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds packages: skipped in short mode")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	return goCmd
}

// goEnv returns an environment for go commands run on a module of the
// test's own.
func goEnv(dir string) []string {
	return append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local", "PWD="+dir)
}

// TestGoldenBuilds builds the rewritten files of all golden cases, each as a
// package of a temporary module, runs the main packages and checks their
// output, and checks that a panic in a rewritten function reports original
// positions.
func TestGoldenBuilds(t *testing.T) {
	goCmd := goTool(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/golden\n\ngo 1.26\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	var built []goldenCase
	for _, c := range goldenCases {
		src, edits := c.load(t)
		out, err := File(virtualPath(c.name), src, edits)
		if err != nil {
			continue // error cases have nothing to build
		}
		pkg := filepath.Join(dir, c.name)
		if err := os.Mkdir(pkg, 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(pkg, c.name+".go"), out, 0o666); err != nil {
			t.Fatal(err)
		}
		if c.extra != "" {
			if err := os.WriteFile(filepath.Join(pkg, "extra.go"), []byte(c.extra), 0o666); err != nil {
				t.Fatal(err)
			}
		}
		built = append(built, c)
	}
	bin := filepath.Join(dir, "bin")
	cmd := exec.Command(goCmd, "build", "-o", bin+string(filepath.Separator), "./...")
	cmd.Dir, cmd.Env = dir, goEnv(dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd = exec.Command(goCmd, "vet", "./...")
	cmd.Dir, cmd.Env = dir, goEnv(dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("go vet: %v\n%s", err, out)
	}

	for _, c := range built {
		if c.want == "" {
			continue
		}
		exe := filepath.Join(bin, c.name)
		if runtime.GOOS == "windows" {
			exe += ".exe"
		}
		out, err := exec.Command(exe).Output()
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if string(out) != c.want {
			t.Errorf("%s printed %q, want %q", c.name, out, c.want)
		}
	}

	t.Run("panic", func(t *testing.T) {
		src, err := os.ReadFile(filepath.Join("testdata", "panic.input.go"))
		if err != nil {
			t.Fatal(err)
		}
		exe := filepath.Join(bin, "panic")
		if runtime.GOOS == "windows" {
			exe += ".exe"
		}
		var stderr bytes.Buffer
		cmd := exec.Command(exe)
		cmd.Stderr = &stderr
		err = cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("the program did not fail: %v", err)
		}
		trace := stderr.String()
		name := virtualPath("panic")
		// The panic itself, in the moved body; the wrapper, at the line of
		// the declaration; the call in main; and the deferred call.
		panicLine := lineOf(t, src, `panic(fmt.Sprintf`)
		for _, want := range []string{
			"panic: t: boom 1",
			"main.T.ssaweaveOrig_Fail(",
			fmt.Sprintf("%s:%d", name, panicLine),
			"main.T.Fail(",
			fmt.Sprintf("%s:%d", name, funcLine(t, src, "T.Fail")),
			fmt.Sprintf("%s:%d", name, lineOf(t, src, `fmt.Println(t.Fail(1))`)),
		} {
			if !strings.Contains(trace, want) {
				t.Errorf("the trace lacks %q:\n%s", want, trace)
			}
		}
		if !strings.HasPrefix(trace, "atMainReturn\n") {
			t.Errorf("the deferred call did not run first:\n%s", trace)
		}
	})
}

// lineOf returns the line of the first occurrence of s in src.
func lineOf(t *testing.T, src []byte, s string) int {
	t.Helper()
	i := bytes.Index(src, []byte(s))
	if i < 0 {
		t.Fatalf("%q not in source", s)
	}
	return bytes.Count(src[:i], []byte("\n")) + 1
}

// TestStandardLibrary rewrites the two standard library files the built-in
// rules edit, checks their positions, and builds the standard library
// packages with the rewritten files in place of the originals.
func TestStandardLibrary(t *testing.T) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	goroot := strings.TrimSpace(string(out))
	files := []struct {
		path string
		edit ssaweave.Edit
	}{
		{filepath.Join(goroot, "src", "net", "http", "server.go"),
			ssaweave.Edit{Kind: ssaweave.EditAround, Func: "serverHandler.ServeHTTP", Hook: "ssaweaveHook_serverHandler_ServeHTTP", Rule: "net/http.server"}},
		{filepath.Join(goroot, "src", "os", "proc.go"),
			ssaweave.Edit{Kind: ssaweave.EditBefore, Func: "Exit", Hook: "ssaweaveHook_Exit", Rule: "os.exit"}},
	}
	overlay := map[string]string{}
	dir := t.TempDir()
	for _, f := range files {
		src, err := os.ReadFile(f.path)
		if err != nil {
			t.Skipf("no standard library source: %v", err)
		}
		f.edit.Line = funcLine(t, src, f.edit.Func)
		if f.edit.Line == 0 {
			t.Fatalf("%s: no %s", f.path, f.edit.Func)
		}
		out, unresolved, err := rewriteFile(f.path, src, []ssaweave.Edit{f.edit})
		if err != nil {
			t.Fatal(err)
		}
		if unresolved != 0 {
			t.Errorf("%s: %d nodes off their line", f.path, unresolved)
		}
		checkPositions(t, f.path, src, out, true)

		// The edit's error for a stale plan names the standard library file.
		stale := f.edit
		stale.Line++
		if _, err := File(f.path, src, []ssaweave.Edit{stale}); err == nil || !strings.Contains(err.Error(), "plan is stale") {
			t.Errorf("stale edit: got %v", err)
		}

		rewritten := filepath.Join(dir, filepath.Base(f.path))
		if err := os.WriteFile(rewritten, out, 0o666); err != nil {
			t.Fatal(err)
		}
		overlay[f.path] = rewritten
	}

	goCmd := goTool(t)
	var js strings.Builder
	js.WriteString(`{"Replace": {`)
	i := 0
	for _, f := range files {
		if i > 0 {
			js.WriteString(",")
		}
		fmt.Fprintf(&js, "%q: %q", f.path, overlay[f.path])
		i++
	}
	js.WriteString("}}")
	overlayFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayFile, []byte(js.String()), 0o666); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goCmd, "build", "-overlay="+overlayFile, "os", "net/http")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build with the rewritten files: %v\n%s", err, out)
	}
}

// TestStandardLibraryEveryFunction rewrites every function of a few
// standard library packages, in turn with an around, a before and a defer
// edit, checks the positions of the results, builds the packages with the
// rewritten files, and runs the tests of some of them, whose behaviour must
// not change while no hook is set. (Tests that count allocations or stack
// frames would fail: hooked arguments escape, and a wrapper adds a frame.)
func TestStandardLibraryEveryFunction(t *testing.T) {
	pkgs := []string{"strings", "strconv", "bufio", "sort", "net/url", "text/template", "encoding/json"}
	tested := []string{"sort", "net/url", "encoding/json", "text/template"}
	dir := t.TempDir()
	overlay := map[string]string{}
	for _, ip := range pkgs {
		bp, err := build.Import(ip, "", 0)
		if err != nil {
			t.Skipf("no standard library source: %v", err)
		}
		deferDefined := false
		for _, name := range bp.GoFiles {
			path := filepath.Join(bp.Dir, name)
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			edits := everyFunction(t, path, src, strings.TrimSuffix(name, ".go"))
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
			if !deferDefined {
				out = append(out, "\nfunc ssaweaveTestDefer() {}\n"...)
				deferDefined = true
			}
			rewritten := filepath.Join(dir, strings.ReplaceAll(ip, "/", "_")+"_"+name)
			if err := os.WriteFile(rewritten, out, 0o666); err != nil {
				t.Fatal(err)
			}
			overlay[path] = rewritten
		}
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
		append([]string{"test", "-overlay=" + overlayFile}, tested...),
	} {
		cmd := exec.Command(goCmd, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s with the rewritten files: %v\n%s", args[0], err, out)
		}
	}
}

// everyFunction returns an edit for every function of src that can take
// one: around, before and defer in turn, leaving out the edits File refuses
// (around on a function that calls recover, hooks whose type would need a
// type parameter).
func everyFunction(t *testing.T, path string, src []byte, prefix string) []ssaweave.Edit {
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
		generic := fd.Type.TypeParams != nil
		if fd.Recv != nil {
			typ := fd.Recv.List[0].Type
			if s, ok := typ.(*ast.StarExpr); ok {
				typ = s.X
			}
			switch x := typ.(type) {
			case *ast.IndexExpr:
				typ, generic = x.X, true
			case *ast.IndexListExpr:
				typ, generic = x.X, true
			}
			name = typ.(*ast.Ident).Name + "." + name
		}
		kind := []ssaweave.EditKind{ssaweave.EditAround, ssaweave.EditBefore, ssaweave.EditDeferCall}[i%3]
		if kind == ssaweave.EditAround && bytes.Contains(src[fset.Position(fd.Pos()).Offset:fset.Position(fd.End()).Offset], []byte("recover()")) {
			kind = ssaweave.EditBefore
		}
		if generic && kind != ssaweave.EditDeferCall {
			continue
		}
		hook := fmt.Sprintf("ssaweaveHook_%s_%d", prefix, i)
		if kind == ssaweave.EditDeferCall {
			hook = "ssaweaveTestDefer"
		}
		edits = append(edits, ssaweave.Edit{Kind: kind, Func: name, Hook: hook, Rule: "test.every", Line: fset.Position(fd.Pos()).Line})
	}
	return edits
}
