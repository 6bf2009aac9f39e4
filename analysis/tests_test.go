package analysis

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestLoadTests loads a module's test binaries (Config.Tests): every
// package with test files has a test main among Mains, described by the
// package its runtime file can join (the test variant, or the external
// test package when there are no in-package tests); plain programs and
// packages without tests have none.
func TestLoadTests(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{
		"go.mod":                 "module example.com/t\n\ngo 1.22\n",
		"lib/lib.go":             "package lib\n\nfunc F() int { return 1 }\n",
		"lib/lib_test.go":        "package lib\n\nimport \"testing\"\n\nfunc TestF(t *testing.T) { F() }\n",
		"xonly/x.go":             "package xonly\n\nfunc G() int { return 2 }\n",
		"xonly/x_test.go":        "package xonly_test\n\nimport (\n\t\"testing\"\n\n\t\"example.com/t/xonly\"\n)\n\nfunc TestG(t *testing.T) { xonly.G() }\n",
		"notests/n.go":           "package notests\n",
		"cmd/app/main.go":        "package main\n\nfunc main() {}\n",
		"cmd/app/main_test.go":   "package main\n\nimport \"testing\"\n\nfunc TestMain(m *testing.M) { m.Run() }\n",
		"cmd/plain/main.go":      "package main\n\nfunc main() {}\n",
		"onlytests/only_test.go": "package onlytests\n\nimport \"testing\"\n\nfunc TestO(t *testing.T) {}\n",
	} {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := Load(context.Background(), Config{Dir: dir, Patterns: []string{"./..."}, Tests: true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]TestOf{
		"example.com/t/cmd/app.test":   {Package: "example.com/t/cmd/app", Name: "main", Dir: filepath.Join(dir, "cmd", "app")},
		"example.com/t/lib.test":       {Package: "example.com/t/lib", Name: "lib", Dir: filepath.Join(dir, "lib")},
		"example.com/t/onlytests.test": {Package: "example.com/t/onlytests", Name: "onlytests", Dir: filepath.Join(dir, "onlytests")},
		"example.com/t/xonly.test":     {Package: "example.com/t/xonly_test", Name: "xonly_test", Dir: filepath.Join(dir, "xonly")},
	}
	var got []string
	for _, m := range p.Mains {
		got = append(got, m.Pkg.Path())
		if !p.IsTest(m) {
			t.Errorf("%s: IsTest = false", m.Pkg.Path())
		}
		if tw, ok := want[m.Pkg.Path()]; !ok || p.Tests[m] != tw {
			t.Errorf("%s tests %+v, want %+v", m.Pkg.Path(), p.Tests[m], tw)
		}
		if m.Func("main") == nil {
			t.Errorf("%s has no main function to root a call graph at", m.Pkg.Path())
		}
	}
	if len(got) != len(want) || !slices.IsSorted(got) {
		t.Errorf("mains = %v, want the %d test mains, sorted", got, len(want))
	}

	// Without Tests: the programs, and no test main.
	p, err = Load(context.Background(), Config{Dir: dir, Patterns: []string{"./..."}})
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, m := range p.Mains {
		got = append(got, m.Pkg.Path())
		if p.IsTest(m) {
			t.Errorf("%s: IsTest = true without Config.Tests", m.Pkg.Path())
		}
	}
	if w := []string{"example.com/t/cmd/app", "example.com/t/cmd/plain"}; !slices.Equal(got, w) {
		t.Errorf("mains = %v, want %v", got, w)
	}

	// No package with test files: no test binary, ErrNoMain.
	_, err = Load(context.Background(), Config{Dir: dir, Patterns: []string{"./notests", "./cmd/plain"}, Tests: true})
	if !errors.Is(err, ErrNoMain) {
		t.Errorf("Load of packages without tests: error = %v, want ErrNoMain", err)
	}
}
