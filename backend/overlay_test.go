package backend

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssaweave/ssaweave/ssaweave"
)

// TestOverlayModuleCacheMain checks that a woven main package in the module
// cache, where the go command adds no files, is refused with the reason and
// what to do, while a rewritten library package there is keyed through
// -gcflags.
func TestOverlayModuleCacheMain(t *testing.T) {
	t.Setenv("SSAWEAVE_CACHE", t.TempDir())
	modcache := t.TempDir()
	lib := filepath.Join(modcache, "example.com", "lib@v1.0.0", "lib.go")
	main := filepath.Join(modcache, "example.com", "tool@v1.0.0", "main.go")
	edits := func(ip, file string) ssaweave.PackageEdits {
		return ssaweave.PackageEdits{ImportPath: ip, Files: []ssaweave.FileEdits{{File: file, Edits: []ssaweave.Edit{{Kind: ssaweave.EditBefore, Func: "F", Hook: "h", Rule: "r", Line: 3}}}}}
	}
	p := &Prepared{ModCache: modcache, Plan: &ssaweave.Plan{
		Packages: []ssaweave.PackageEdits{edits("example.com/lib", lib)},
	}}
	if _, keyed, err := p.overlay(""); err != nil || len(keyed) != 1 || keyed[0] != "example.com/lib" {
		t.Errorf("library package in the module cache: keyed %q, error %v; want it keyed", keyed, err)
	}
	p.Plan.Packages = append(p.Plan.Packages, edits("example.com/tool", main))
	p.Plan.Mains = []ssaweave.Main{{ImportPath: "example.com/tool", Hooks: []string{"github.com/ssaweave/ssaweave/rt"}}}
	_, _, err := p.overlay("")
	if err == nil || !strings.Contains(err.Error(), "cannot weave main package example.com/tool") || !strings.Contains(err.Error(), "module cache") || !strings.Contains(err.Error(), "SSAWEAVE_DISABLE=1") {
		t.Errorf("main package in the module cache: error %v, want a refusal that says why and what to do", err)
	}
}
