package toolexec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ssaweave/ssaweave/ssaweave"
)

// fixture is a package directory with a source file and a test file, and a
// plan that edits a function in each.
type fixture struct {
	dir, src, test string
	b              *backend
}

const (
	fixtureSrc  = "package p\n\n// F is edited.\nfunc F(x int) {}\n"
	fixtureTest = "package p\n\nimport \"testing\"\n\nfunc helper(x int) {}\n\nfunc TestF(t *testing.T) { F(1); helper(2) }\n"
)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	t.Setenv("SSAWEAVE_CACHE", t.TempDir())
	dir := t.TempDir()
	f := &fixture{dir: dir, src: filepath.Join(dir, "p.go"), test: filepath.Join(dir, "p_test.go")}
	for path, content := range map[string]string{f.src: fixtureSrc, f.test: fixtureTest} {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f.b = &backend{tool: "compile", mode: ModeWrapper, plan: &ssaweave.Plan{
		Schema: ssaweave.SchemaVersion,
		Packages: []ssaweave.PackageEdits{{ImportPath: "example.com/p", Files: []ssaweave.FileEdits{
			{File: f.src, Edits: []ssaweave.Edit{{Kind: ssaweave.EditBefore, Func: "F", Hook: "ssaweaveHook_F", Rule: "test.src", Line: 4}}},
			{File: f.test, Edits: []ssaweave.Edit{{Kind: ssaweave.EditBefore, Func: "helper", Hook: "ssaweaveHook_helper", Rule: "test.test", Line: 5}}},
		}}},
	}}
	return f
}

// compileArgs returns a compile command line for files.
func compileArgs(files ...string) []string {
	return append([]string{"/go/pkg/tool/compile", "-o", "out.a", "-p", "example.com/p", "-complete"}, files...)
}

// rewritten reports whether args hold a rewrite of file in its place (and
// the -trimpath mapping back to it), and the file itself no more.
func rewritten(args []string, file string) bool {
	trim, _ := flagValue(args, "-trimpath")
	for from, to := range parseTrimpath(trim) {
		if to == file && slices.Contains(args, from) {
			return !slices.Contains(args, file)
		}
	}
	return false
}

// TestCompileTestVariants checks the two compiles of a package under test:
// the test variant gets both files rewritten; the plain variant, which has
// no _test.go file, gets its own file rewritten and the test file's edits
// skipped, not refused.
func TestCompileTestVariants(t *testing.T) {
	f := newFixture(t)
	t.Setenv("TOOLEXEC_IMPORTPATH", "example.com/p [example.com/p.test]")
	got, err := f.b.compile(compileArgs(f.src, f.test))
	if err != nil {
		t.Fatalf("test variant: %v", err)
	}
	if !rewritten(got, f.src) || !rewritten(got, f.test) {
		t.Errorf("test variant: want both files rewritten, got %q", got)
	}
	t.Setenv("TOOLEXEC_IMPORTPATH", "example.com/p")
	got, err = f.b.compile(compileArgs(f.src))
	if err != nil {
		t.Fatalf("plain variant: %v", err)
	}
	if !rewritten(got, f.src) {
		t.Errorf("plain variant: want p.go rewritten, got %q", got)
	}
}

// TestCompileRefusesMissingFile checks that a plan that cannot be applied
// is an error naming the site (file and line) and the rule: a non-test file
// the compiler was not given, and a test file missing from a compile that
// has test files (the test variant).
func TestCompileRefusesMissingFile(t *testing.T) {
	f := newFixture(t)
	t.Setenv("TOOLEXEC_IMPORTPATH", "example.com/p [example.com/p.test]")
	other := filepath.Join(f.dir, "other_test.go")
	for _, c := range []struct {
		args []string
		want string
	}{
		{compileArgs(f.test), f.src + ":4: rule test.src"},
		{compileArgs(f.src, other), f.test + ":5: rule test.test"},
	} {
		_, err := f.b.compile(c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("compile %q: error %v, want one naming %q", c.args, err, c.want)
		}
	}
}

// TestCompileStalePlan checks that edits that no longer fit the source (the
// function moved) fail with the site and the rule, not a panic.
func TestCompileStalePlan(t *testing.T) {
	f := newFixture(t)
	f.b.plan.Packages[0].Files[0].Edits[0].Line = 9
	t.Setenv("TOOLEXEC_IMPORTPATH", "example.com/p")
	_, err := f.b.compile(compileArgs(f.src))
	if want := f.src + ":9: rule test.src"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("stale plan: error %v, want one naming %q", err, want)
	}
}

// TestCompileCovered checks go build -cover: the compiler gets the cover
// tool's copy of p.go (which starts with a line directive naming it), and
// that copy is what gets rewritten; a copy made from another file is
// refused.
func TestCompileCovered(t *testing.T) {
	f := newFixture(t)
	t.Setenv("TOOLEXEC_IMPORTPATH", "example.com/p")
	work := t.TempDir()
	covered := filepath.Join(work, "p.cover.go")
	instrumented := strings.Replace(fixtureSrc, "func F(x int) {}", "func F(x int) {GoCover.Count[0] = 1;}", 1)
	if err := os.WriteFile(covered, []byte("//line "+f.src+":1:1\n"+instrumented), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"/go/pkg/tool/compile", "-o", "out.a", "-p", "example.com/p", "-coveragecfg=" + filepath.Join(work, "cfg"), "-complete",
		filepath.Join(work, "covervars.go"), covered}
	got, err := f.b.compile(args)
	if err != nil {
		t.Fatal(err)
	}
	trim, _ := flagValue(got, "-trimpath")
	var out string
	for from, to := range parseTrimpath(trim) {
		if to == f.src {
			out = from
		}
	}
	if out == "" || slices.Contains(got, covered) || !slices.Contains(got, out) {
		t.Fatalf("want the cover output replaced by its rewrite, mapped to %s; got %q", f.src, got)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "GoCover.Count[0] = 1") || !strings.Contains(string(data), "ssaweaveHook_F") {
		t.Errorf("the rewrite lacks the counter or the hook:\n%s", data)
	}

	if err := os.WriteFile(covered, []byte("//line "+filepath.Join(f.dir, "q.go")+":1:1\n"+instrumented), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := f.b.compile(args); err == nil || !strings.Contains(err.Error(), f.src) {
		t.Errorf("cover output of another file: error %v, want one naming %s", err, f.src)
	}
}

// TestCover checks that the cover tool gets the -overlay replacements of
// the files it instruments (the files the wrapper adds exist only there).
func TestCover(t *testing.T) {
	f := newFixture(t)
	t.Setenv("TOOLEXEC_IMPORTPATH", "example.com/p")
	added, repl := filepath.Join(f.dir, "zz_ssaweave_key.go"), filepath.Join(t.TempDir(), "key.go")
	ov := filepath.Join(t.TempDir(), "overlay.json")
	data, _ := json.Marshal(map[string]any{"Replace": map[string]string{added: repl}})
	if err := os.WriteFile(ov, data, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"/go/pkg/tool/cover", "-mode", "set", "-outfilelist", "list", f.src, added}
	t.Setenv(EnvOverlay, ov)
	got, err := cover(slices.Clone(args))
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(args)
	want[len(want)-1] = repl
	if !slices.Equal(got, want) {
		t.Errorf("cover args = %q, want %q", got, want)
	}
	t.Setenv(EnvOverlay, "")
	if got, err := cover(slices.Clone(args)); err != nil || !slices.Equal(got, args) {
		t.Errorf("without an overlay: %q, %v; want the arguments unchanged", got, err)
	}
}

// TestVet checks that the vet run of go test does not see the files the
// wrapper adds (from the cache), and sees everything else as it was.
func TestVet(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("SSAWEAVE_CACHE", cache)
	user := t.TempDir()
	ours := filepath.Join(cache, "gen", "abc", "zz_ssaweave_init_test.go")
	namedLikeOurs := filepath.Join(user, "zz_ssaweave_key.go") // the user's own, however named
	cfgPath := filepath.Join(t.TempDir(), "vet.cfg")
	cfg := map[string]any{"ImportPath": "example.com/p [example.com/p.test]", "GoFiles": []string{filepath.Join(user, "p.go"), ours, namedLikeOurs}, "VetxOnly": false}
	data, _ := json.Marshal(cfg)
	if err := os.WriteFile(cfgPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := vet([]string{"/go/pkg/tool/vet", "-printf", cfgPath})
	if err != nil {
		t.Fatal(err)
	}
	newCfg := got[len(got)-1]
	if newCfg == cfgPath || got[1] != "-printf" {
		t.Fatalf("vet args = %q, want a new configuration in place of %s", got, cfgPath)
	}
	data, err = os.ReadFile(newCfg)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		ImportPath string
		GoFiles    []string
		VetxOnly   *bool
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(user, "p.go"), namedLikeOurs}; !slices.Equal(out.GoFiles, want) || out.ImportPath != cfg["ImportPath"] || out.VetxOnly == nil {
		t.Errorf("new configuration %s, want GoFiles %q and every other field kept", data, want)
	}

	// Only ours (the external test package that the runtime file makes):
	// nothing to vet, and vet would fail on a package without files.
	cfg["GoFiles"] = []string{ours}
	data, _ = json.Marshal(cfg)
	if err := os.WriteFile(cfgPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := vet([]string{"/go/pkg/tool/vet", cfgPath}); err != nil || got != nil {
		t.Errorf("vet of a package with only added files = %q, %v; want nil arguments (skip vet)", got, err)
	}

	// Nothing of ours: the configuration is used as it is.
	cfg["GoFiles"] = []string{filepath.Join(user, "p.go")}
	data, _ = json.Marshal(cfg)
	if err := os.WriteFile(cfgPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"/go/pkg/tool/vet", cfgPath}
	if got, err := vet(slices.Clone(args)); err != nil || !slices.Equal(got, args) {
		t.Errorf("vet without added files = %q, %v; want the arguments unchanged", got, err)
	}
}
