package analysis

import (
	"context"
	"encoding/json"
	"errors"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/tools/go/packages"
)

// small is testdata/small, loaded once per test binary.
var small struct {
	once sync.Once
	prog *Program
	err  error
}

func loadSmall(t *testing.T) *Program {
	t.Helper()
	small.once.Do(func() {
		small.prog, small.err = Load(context.Background(), Config{Dir: "testdata/small", Patterns: []string{"."}})
	})
	if small.err != nil {
		t.Fatal(small.err)
	}
	return small.prog
}

func TestLoad(t *testing.T) {
	p := loadSmall(t)
	if !filepath.IsAbs(p.Dir) {
		t.Errorf("Dir = %q, not absolute", p.Dir)
	}
	if len(p.Mains) != 1 || p.Mains[0].Pkg.Path() != "example.com/small" {
		t.Fatalf("mains = %v", p.Mains)
	}
	// Bodies are built: the graph needs them.
	if fn := p.Mains[0].Func("main"); fn == nil || len(fn.Blocks) == 0 {
		t.Errorf("main has no body: %v", fn)
	}
}

func TestLoadTwoMains(t *testing.T) {
	p, err := Load(context.Background(), Config{Dir: "testdata/twomains", Patterns: []string{"./..."}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range p.Mains {
		got = append(got, m.Pkg.Path())
	}
	if want := []string{"example.com/twomains/a", "example.com/twomains/b"}; !slices.Equal(got, want) {
		t.Errorf("mains = %v, want %v", got, want)
	}
}

func TestLoadErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		dir, pattern string
		want         string // the error message contains it
	}{
		{"typeerr", ".", "\n\tmain.go:5:14: cannot use \"not a number\" (untyped string constant) as int value in variable declaration"},
		{"nomainfunc", ".", "example.com/nomainfunc: function main is undeclared in the main package"},
		{"small", "./nosuchdir", "nosuchdir"},
	} {
		_, err := Load(ctx, Config{Dir: "testdata/" + tc.dir, Patterns: []string{tc.pattern}})
		var le *LoadError
		if !errors.As(err, &le) {
			t.Errorf("%s: err = %v, want a *LoadError", tc.dir, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %q, want it to contain %q", tc.dir, err, tc.want)
		}
	}

	_, err := Load(ctx, Config{Dir: "testdata/nomain", Patterns: []string{"./..."}})
	if !errors.Is(err, ErrNoMain) {
		t.Fatalf("nomain: err = %v, want ErrNoMain", err)
	}
	if want := "no main package in [./...]: ssaweave instruments programs; name a main package (e.g. ./cmd/server)"; err.Error() != want {
		t.Errorf("nomain: err = %q, want %q", err, want)
	}
}

func TestLoadErrorLimit(t *testing.T) {
	le := &LoadError{}
	for range maxErrors + 3 {
		le.Errors = append(le.Errors, PackageError{Package: "p", Pos: "a.go:1:1", Msg: "bad"})
	}
	if msg := le.Error(); strings.Count(msg, "a.go:1:1: bad") != maxErrors || !strings.HasSuffix(msg, "... and 3 more errors") {
		t.Errorf("message:\n%s", msg)
	}
}

func TestOverlay(t *testing.T) {
	dir, err := filepath.Abs("testdata/small")
	if err != nil {
		t.Fatal(err)
	}
	ov := filepath.Join(t.TempDir(), "overlay.json")
	data, _ := json.Marshal(map[string]any{"Replace": map[string]string{
		filepath.Join(dir, "main.go"): filepath.Join(dir, "overlay.go.txt"),
	}})
	if err := os.WriteFile(ov, data, 0o666); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ flags, rest []string }{
		{[]string{"-overlay=" + ov}, nil},
		{[]string{"-tags", "x", "--overlay", ov}, []string{"-tags", "x"}},
	} {
		files, rest, err := Overlay(dir, tc.flags)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != 1 || files[filepath.Join(dir, "main.go")] == nil {
			t.Errorf("%v: files = %v", tc.flags, files)
		}
		if !slices.Equal(rest, tc.rest) {
			t.Errorf("%v: rest = %q, want %q", tc.flags, rest, tc.rest)
		}
	}

	p, err := Load(context.Background(), Config{Dir: dir, Patterns: []string{"."}, BuildFlags: []string{"-overlay=" + ov}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Mains[0].Func("Overlaid") == nil {
		t.Error("the overlay's contents were not loaded")
	}

	os.WriteFile(ov, []byte(`{"Replace":{"main.go":""}}`), 0o666)
	if _, _, err := Overlay(dir, []string{"-overlay=" + ov}); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("deleting overlay: err = %v", err)
	}
}

func TestMatchByType(t *testing.T) {
	p := loadSmall(t)
	rule := func(fn, hook string) []Rule {
		return []Rule{{Name: "test", Role: Telemetry, SpanKind: "internal", Package: MainPackage, Funcs: []string{fn}, Kind: EditBefore, Hook: hook, HookPackage: RuntimePackage}}
	}
	for _, tc := range []struct {
		fn, hook      string
		ssa, wantHook string
		line          int
	}{
		{"T.Value", "ssaweave_free", "(example.com/small.T).Value", "ssaweave_free", 10},
		{"T.Pointer", "ssaweave_free", "(*example.com/small.T).Pointer", "ssaweave_free", 13},
		{"Plain", "ssaweave_free", "example.com/small.Plain", "ssaweave_free", 19},
		// The generated function must not collide with declarations or
		// imports of the main package.
		{"main", "ssaweave_taken", "example.com/small.main", "ssaweave_taken_2", 27},
		{"main", "ssaweave_imported", "example.com/small.main", "ssaweave_imported_2", 27},
	} {
		ms, _, err := MatchRules(p, rule(tc.fn, tc.hook))
		if err != nil {
			t.Errorf("%s: %v", tc.fn, err)
			continue
		}
		if len(ms) != 1 {
			t.Errorf("%s: %d matches", tc.fn, len(ms))
			continue
		}
		m := ms[0]
		if m.Func.String() != tc.ssa || m.Hook != tc.wantHook || m.Decl.Line != tc.line || m.Decl.Column != 1 || m.Name != tc.fn ||
			filepath.Base(m.Decl.Filename) != "main.go" || m.Package != p.Mains[0] {
			t.Errorf("%s: match %s hook %s at %s, want %s hook %s at line %d", tc.fn, m.Func, m.Hook, m.Decl, tc.ssa, tc.wantHook, tc.line)
		}
	}

	for fn, want := range map[string]string{
		"Outer.Value": "declares no method Value", // promoted, not declared
		"T.Missing":   "declares no method Missing",
		"Missing":     "declares no function Missing",
		"Generic":     "generic functions are not supported",
		"Nope.M":      "has no named type Nope",
	} {
		if _, _, err := MatchRules(p, rule(fn, "h")); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", fn, err, want)
		}
	}
}

func TestMatchRules(t *testing.T) {
	p := loadSmall(t)
	// Only the main rule applies: the program links neither net/http,
	// os nor os/signal.
	ms, _, err := MatchRules(p, Rules)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Rule.Name != "main.return" || ms[0].Hook != "ssaweave_atMainReturn" || ms[0].Rule.Kind != EditDefer {
		t.Errorf("matches = %+v", ms)
	}
}

func TestRulesWellFormed(t *testing.T) {
	names := map[string]bool{}
	for i := range Rules {
		r := &Rules[i]
		if err := r.check(); err != nil {
			t.Error(err)
		}
		if names[r.Name] {
			t.Errorf("rule %s twice", r.Name)
		}
		names[r.Name] = true
		if r.Doc == "" || !strings.HasPrefix(r.HookPackage, RuntimeModule) {
			t.Errorf("rule %s: doc %q, hook package %q", r.Name, r.Doc, r.HookPackage)
		}
	}
	// Hook variables are bound by //go:linkname in the rule's hook
	// package of the runtime module: check that each one is, with the
	// rule's package and hook name, so that a renamed hook or a missing
	// hook package cannot go unnoticed.
	for _, r := range Rules {
		if r.Kind == EditNone || r.Kind == EditDefer {
			continue
		}
		dir := filepath.Join("..", "rt", strings.TrimPrefix(strings.TrimPrefix(r.HookPackage, RuntimeModule), "/"))
		want := regexp.MustCompile(`(?m)^//go:linkname \w+ ` + regexp.QuoteMeta(r.Package+"."+r.Hook) + `$`)
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		found := false
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			found = found || want.Match(data)
		}
		if !found {
			t.Errorf("rule %s: no file of %s binds %s.%s with //go:linkname", r.Name, dir, r.Package, r.Hook)
		}
	}
}

func TestRulesCheck(t *testing.T) {
	good := Rule{Name: "x", Role: Telemetry, SpanKind: "client", Package: "p", Funcs: []string{"F"}, Kind: EditBefore, Hook: "h", HookPackage: RuntimePackage}
	for name, mutate := range map[string]func(*Rule){
		"no name":      func(r *Rule) { r.Name = "" },
		"two funcs":    func(r *Rule) { r.Funcs = []string{"F", "G"} },
		"no hook":      func(r *Rule) { r.Hook = "" },
		"no hook pkg":  func(r *Rule) { r.HookPackage = "" },
		"unknown role": func(r *Rule) { r.Role = 0 },
		// The audit takes a span's kind from its rule, so a telemetry
		// rule must declare one, and a rule that makes no spans must not.
		"telemetry, no span kind":   func(r *Rule) { r.SpanKind = "" },
		"correlates with span kind": func(r *Rule) { r.Role = Correlates },
	} {
		r := good
		mutate(&r)
		if r.check() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := good.check(); err != nil {
		t.Error(err)
	}
}

// TestRulesDocumented keeps docs/rules.md in step with the rule set.
func TestRulesDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "rules.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Rules {
		if !strings.Contains(string(doc), "| `"+r.Name+"` |") {
			t.Errorf("docs/rules.md does not list rule %s in its table", r.Name)
		}
	}
}

// TestLoadReleasesDependencies checks what Load keeps after building SSA:
// the main module's syntax (with its comments, which directives live in)
// and type-checker facts, but neither for the standard library, whose
// files are parsed without comments in the first place.
func TestLoadReleasesDependencies(t *testing.T) {
	p, err := Load(context.Background(), Config{Dir: "testdata/callsites", Patterns: []string{"."}})
	if err != nil {
		t.Fatal(err)
	}
	var own, http *packages.Package
	packages.Visit(p.Packages, nil, func(pkg *packages.Package) {
		switch {
		case pkg.PkgPath == "net/http":
			http = pkg
		case pkg.Module != nil && pkg.Module.Main:
			own = pkg
		}
	})
	if own == nil || http == nil {
		t.Fatalf("no main-module package or no net/http among %d packages", len(p.Packages))
	}
	if len(own.Syntax) == 0 || own.TypesInfo == nil || len(own.Syntax[0].Comments) == 0 {
		t.Errorf("the main module's package lost its syntax, comments or facts")
	}
	if http.Syntax != nil || http.TypesInfo != nil {
		t.Errorf("net/http's syntax and facts are kept after its SSA was built")
	}
	if fn := p.SSA.Package(http.Types).Func("Get"); fn == nil || len(fn.Blocks) == 0 {
		t.Errorf("net/http.Get has no SSA body")
	}

	parse := parseFunc([]string{"/goroot/"})
	for file, want := range map[string]int{"/goroot/src/x/x.go": 0, "/work/x.go": 1} {
		f, err := parse(token.NewFileSet(), file, []byte("// Package x.\npackage x\n"))
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Comments) != want {
			t.Errorf("%s: %d comment groups, want %d", file, len(f.Comments), want)
		}
	}
}
