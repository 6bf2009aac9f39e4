package inject

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ssaweave/ssaweave/ssaweave"
)

const rtPath = "github.com/ssaweave/ssaweave/rt"

// parseSource parses generated source, failing the test if it is not
// valid Go.
func parseSource(t *testing.T, name string, src []byte) *ast.File {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ParseComments)
	if err != nil {
		t.Fatalf("generated %s does not parse: %v\n%s", name, err, src)
	}
	return f
}

// funcDecl returns the top-level function named name, or nil.
func funcDecl(f *ast.File, name string) *ast.FuncDecl {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == name {
			return fd
		}
	}
	return nil
}

// isCallTo reports whether stmt is the expression statement pkg.fn(...),
// and returns the call.
func isCallTo(stmt ast.Stmt, pkg, fn string) (*ast.CallExpr, bool) {
	es, ok := stmt.(*ast.ExprStmt)
	if !ok {
		return nil, false
	}
	call, ok := es.X.(*ast.CallExpr)
	if !ok {
		return nil, false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return nil, false
	}
	id, ok := sel.X.(*ast.Ident)
	return call, ok && id.Name == pkg && sel.Sel.Name == fn
}

// TestMainFile proves that the generated main file is valid, generated-
// marked Go in package main that imports the runtime core under
// RuntimeAlias and every other hook package blank (once each, the core
// never blank), starts the runtime from init with the given PlanID and
// HandleSignals, and defines the AtMainReturn function only when the plan
// names one.
func TestMainFile(t *testing.T) {
	tests := []struct {
		name string
		main ssaweave.Main
		id   string
	}{
		{
			name: "hooks, signals and main return",
			main: ssaweave.Main{
				ImportPath:    "example.com/m/cmd/server",
				Hooks:         []string{rtPath, rtPath + "/nethttp", rtPath + "/grpc"},
				HandleSignals: true,
				AtMainReturn:  "ssaweaveAtMainReturn",
			},
			id: "0123456789abcdef",
		},
		{
			name: "no signals, no main return",
			main: ssaweave.Main{
				ImportPath: "example.com/m",
				Hooks:      []string{rtPath + "/nethttp"},
			},
			id: "plan-2",
		},
		{
			// The id is written as a Go string literal whatever it holds.
			name: "id needing quoting",
			main: ssaweave.Main{Hooks: []string{rtPath}, AtMainReturn: "atReturn"},
			id:   "a\"b\\c\nd",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := MainFile(&tt.main, tt.id)
			f := parseSource(t, MainFileName, src)
			if f.Name.Name != "main" {
				t.Errorf("package %s, want main", f.Name.Name)
			}
			if !ast.IsGenerated(f) {
				t.Errorf("file lacks the generated-code marker:\n%s", src)
			}

			// Imports: the core under the alias, other hooks blank.
			var blank []string
			rtImports := 0
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				name := ""
				if imp.Name != nil {
					name = imp.Name.Name
				}
				switch {
				case path == rtPath:
					rtImports++
					if name != RuntimeAlias {
						t.Errorf("runtime core imported as %q, want %q", name, RuntimeAlias)
					}
				case name == "_":
					blank = append(blank, path)
				default:
					t.Errorf("unexpected import %s %q", name, path)
				}
			}
			if rtImports != 1 {
				t.Errorf("runtime core imported %d times, want once", rtImports)
			}
			wantBlank := slices.DeleteFunc(slices.Clone(tt.main.Hooks), func(h string) bool { return h == rtPath })
			if !slices.Equal(blank, wantBlank) {
				t.Errorf("blank imports %q, want %q", blank, wantBlank)
			}

			// init() { ssaweavert.Start(ssaweavert.Config{PlanID: id, HandleSignals: b}) }
			initFn := funcDecl(f, "init")
			if initFn == nil || len(initFn.Body.List) != 1 {
				t.Fatalf("want an init function with one statement:\n%s", src)
			}
			call, ok := isCallTo(initFn.Body.List[0], RuntimeAlias, "Start")
			if !ok || len(call.Args) != 1 {
				t.Fatalf("init does not call %s.Start(config):\n%s", RuntimeAlias, src)
			}
			lit, ok := call.Args[0].(*ast.CompositeLit)
			if !ok {
				t.Fatalf("Start's argument is not a composite literal:\n%s", src)
			}
			if sel, ok := lit.Type.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Config" {
				t.Errorf("Start's argument is not a %s.Config literal:\n%s", RuntimeAlias, src)
			}
			fields := map[string]ast.Expr{}
			for _, e := range lit.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					fields[kv.Key.(*ast.Ident).Name] = kv.Value
				}
			}
			if bl, ok := fields["PlanID"].(*ast.BasicLit); !ok || bl.Kind != token.STRING {
				t.Errorf("PlanID is not a string literal:\n%s", src)
			} else if got, _ := strconv.Unquote(bl.Value); got != tt.id {
				t.Errorf("PlanID = %q, want %q", got, tt.id)
			}
			if id, ok := fields["HandleSignals"].(*ast.Ident); !ok || id.Name != strconv.FormatBool(tt.main.HandleSignals) {
				t.Errorf("HandleSignals is not %v:\n%s", tt.main.HandleSignals, src)
			}

			// The function the rewritten main.main defers.
			decls := 0
			for _, d := range f.Decls {
				if _, ok := d.(*ast.FuncDecl); ok {
					decls++
				}
			}
			if tt.main.AtMainReturn == "" {
				if decls != 1 {
					t.Errorf("%d functions without AtMainReturn, want only init:\n%s", decls, src)
				}
				if strings.Contains(string(src), "AtMainReturn") {
					t.Errorf("AtMainReturn mentioned although the plan names no function:\n%s", src)
				}
				return
			}
			fd := funcDecl(f, tt.main.AtMainReturn)
			if fd == nil || decls != 2 {
				t.Fatalf("want init and %s:\n%s", tt.main.AtMainReturn, src)
			}
			if fd.Type.Params.NumFields() != 0 || fd.Type.Results != nil || len(fd.Body.List) != 1 {
				t.Errorf("%s must be a func() with one statement:\n%s", tt.main.AtMainReturn, src)
			}
			if _, ok := isCallTo(fd.Body.List[0], RuntimeAlias, "AtMainReturn"); !ok {
				t.Errorf("%s does not call %s.AtMainReturn():\n%s", tt.main.AtMainReturn, RuntimeAlias, src)
			}
		})
	}
}

// TestMainFileDeterministic proves that the same input gives the same
// bytes (the file is content-addressed in the cache and compiled into the
// program) and that a different plan ID gives different bytes.
func TestMainFileDeterministic(t *testing.T) {
	m := &ssaweave.Main{Hooks: []string{rtPath, rtPath + "/nethttp"}, AtMainReturn: "f"}
	a, b := MainFile(m, "id1"), MainFile(m, "id1")
	if string(a) != string(b) {
		t.Errorf("MainFile not deterministic:\n%s\n---\n%s", a, b)
	}
	if c := MainFile(m, "id2"); string(c) == string(a) {
		t.Error("MainFile ignores the plan ID")
	}
}

// TestKeyFile proves that a key file is valid generated Go in the given
// package, declares nothing, and carries the key (so that a different key
// changes the package's inputs).
func TestKeyFile(t *testing.T) {
	for _, pkg := range []string{"main", "http", "foo_test"} {
		src := KeyFile(pkg, "key-"+pkg)
		f := parseSource(t, KeyFileName, src)
		if f.Name.Name != pkg {
			t.Errorf("KeyFile(%q): package %s", pkg, f.Name.Name)
		}
		if !ast.IsGenerated(f) {
			t.Errorf("KeyFile(%q) lacks the generated-code marker:\n%s", pkg, src)
		}
		if len(f.Decls) != 0 || len(f.Imports) != 0 {
			t.Errorf("KeyFile(%q) declares or imports something:\n%s", pkg, src)
		}
		if !strings.Contains(string(src), "key-"+pkg) {
			t.Errorf("KeyFile(%q) does not carry its key:\n%s", pkg, src)
		}
	}
	if string(KeyFile("p", "k1")) == string(KeyFile("p", "k2")) {
		t.Error("different keys give the same key file")
	}
}

// TestPackageName proves that the package clause is read past comments,
// build constraints and package docs, that only the clause is parsed (a
// syntax error further down does not matter), and that a missing file or
// a file without a package clause is an error.
func TestPackageName(t *testing.T) {
	tests := []struct {
		name, src, want string
		wantErr         bool
	}{
		{name: "plain", src: "package foo\n\nfunc F() {}\n", want: "foo"},
		{name: "constraint and doc", src: "//go:build linux\n\n// Package bar does things.\npackage bar // import \"example.com/bar\"\n", want: "bar"},
		{name: "test package", src: "package bar_test\n", want: "bar_test"},
		{name: "error after clause", src: "package main\n\nfunc {{{ broken\n", want: "main"},
		{name: "no clause", src: "// just a comment\nfunc F() {}\n", wantErr: true},
		{name: "empty", src: "", wantErr: true},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strconv.Itoa(i)+".go")
			if err := os.WriteFile(path, []byte(tt.src), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := PackageName(path)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("PackageName = %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
	if _, err := PackageName(filepath.Join(dir, "missing.go")); err == nil {
		t.Error("PackageName of a missing file: no error")
	}
}

// TestTestFile checks that a test binary's runtime file joins the external
// test package (the hook packages may import the package under test, an
// import cycle from inside it), binding the package under test's hook
// variables by name like any other package's, and the external test
// package's own directly.
func TestTestFile(t *testing.T) {
	for _, tc := range []struct {
		name, pkg string // m.Test
		wantName  string
	}{
		{"sql", "database/sql", "sql_test"},           // in-package tests
		{"sql_test", "database/sql_test", "sql_test"}, // only external tests
	} {
		m := &ssaweave.Main{
			ImportPath: "database/sql.test",
			Hooks:      []string{rtPath, rtPath + "/sql"},
			Binds: []ssaweave.Bind{
				{Package: "database/sql", Var: "ssaweaveSpan_a", Func: ssaweave.BindFuncSpan},
				{Package: "database/sql_test", Var: "ssaweaveSpan_b", Func: ssaweave.BindFuncSpan},
			},
			Test: &ssaweave.TestOf{Package: tc.pkg, Name: tc.name, Dir: "/src/database/sql"},
		}
		src := TestFile(m, "id")
		f := parseSource(t, TestFileName, src)
		if f.Name.Name != tc.wantName {
			t.Errorf("Test %s: package %s, want %s", tc.name, f.Name.Name, tc.wantName)
		}
		if !strings.Contains(string(src), "//go:linkname ssaweaveBind0 database/sql.ssaweaveSpan_a\n") ||
			!strings.Contains(string(src), "\tssaweaveSpan_b = ssaweavert.FuncSpan\n") {
			t.Errorf("Test %s: want the package under test's variable linknamed and the external test package's assigned:\n%s", tc.name, src)
		}
	}
}

// TestBindConditions checks how the generated file binds the program's hook
// variables: function spans only if rt.MayRecord, contexts only if
// rt.Active, probes always, and everything always when the program
// installs a TracerProvider of its own (Main.BindAlways).
func TestBindConditions(t *testing.T) {
	binds := []ssaweave.Bind{
		{Package: "example.com/app", Var: "ssaweaveSpan_f", Func: ssaweave.BindFuncSpan},
		{Package: "example.com/app", Var: "ssaweaveGo_g", Func: ssaweave.BindGoContext},
		{Package: "example.com/app", Var: "ssaweaveProbe_1", Func: ssaweave.BindProbe, Site: 1},
	}
	for _, tc := range []struct {
		always bool
		want   []string
	}{
		{false, []string{
			"\tif ssaweavert.MayRecord() {\n\t\tssaweaveSpan_f = ssaweavert.FuncSpan\n\t}\n",
			"\tif ssaweavert.Active() {\n\t\tssaweaveGo_g = ssaweavert.GoContext\n\t}\n",
			"\n\tssaweaveProbe_1 = func() { ssaweavert.Probe(1) }\n",
		}},
		{true, []string{
			"\n\tssaweaveSpan_f = ssaweavert.FuncSpan\n",
			"\n\tssaweaveGo_g = ssaweavert.GoContext\n",
			"\n\tssaweaveProbe_1 = func() { ssaweavert.Probe(1) }\n",
		}},
	} {
		m := &ssaweave.Main{ImportPath: "example.com/app", Hooks: []string{rtPath}, Binds: binds, BindAlways: tc.always, AtMainReturn: "ssaweave_atMainReturn"}
		src := string(MainFile(m, "id"))
		parseSource(t, MainFileName, []byte(src))
		for _, w := range tc.want {
			if !strings.Contains(src, w) {
				t.Errorf("BindAlways %v: generated file lacks %q:\n%s", tc.always, w, src)
			}
		}
	}
}
