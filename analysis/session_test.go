package analysis

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestSessionReloadTests reloads test binaries (Config.Tests) after an
// edit of a test file: the Session re-checks the package's test variant
// and the test main the go command generates for it (its list of tests
// changed), and nothing else; the reloaded program has the same test
// mains as a fresh Load, with the renamed test in the new variant.
func TestSessionReloadTests(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		t.Helper()
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/t\n\ngo 1.22\n")
	write("lib/lib.go", "package lib\n\nfunc F() int { return 1 }\n")
	write("lib/lib_test.go", "package lib\n\nimport \"testing\"\n\nfunc TestF(t *testing.T) { F() }\n")
	write("other/other.go", "package other\n\nfunc G() int { return 2 }\n")
	write("other/other_test.go", "package other\n\nimport \"testing\"\n\nfunc TestG(t *testing.T) { G() }\n")

	ctx := context.Background()
	cfg := Config{Dir: dir, Patterns: []string{"./..."}, Tests: true}
	s := NewSession(cfg)
	if _, st, err := s.Reload(ctx); err != nil || !st.Full {
		t.Fatalf("first Reload: %+v, %v; want a full load", st, err)
	}
	write("lib/lib_test.go", "package lib\n\nimport \"testing\"\n\nfunc TestF2(t *testing.T) { F() }\n")
	prog, st, err := s.Reload(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Full || st.Rechecked != 2 {
		t.Errorf("Reload after editing lib_test.go: %+v; want the test variant and its test main re-checked", st)
	}
	fresh, err := Load(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tests := func(p *Program) []string {
		var out []string
		for _, m := range p.Mains {
			out = append(out, m.Pkg.Path()+" tests "+p.Tests[m].Package)
		}
		return out
	}
	if got, want := tests(prog), tests(fresh); !slices.Equal(got, want) {
		t.Errorf("reloaded test mains %v; fresh %v", got, want)
	}
	var variant bool
	for _, p := range prog.Own {
		if p.ID == "example.com/t/lib [example.com/t/lib.test]" {
			variant = true
			if sp := prog.SSA.Package(p.Types); sp == nil || sp.Func("TestF2") == nil || sp.Func("TestF") != nil {
				t.Errorf("the reloaded test variant of lib does not have TestF2 alone")
			}
		}
	}
	if !variant {
		t.Error("no test variant of lib among the main module's packages")
	}
}
