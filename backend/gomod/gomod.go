// Package gomod derives the private go.mod that a woven build uses in place
// of the user's (through the go command's -modfile flag): the user's module
// requirements plus the ssaweave runtime module, with the user's go.mod and
// go.sum left untouched.
//
// The go command then resolves one consistent module graph for the user's
// packages and the hooks together (minimal version selection), so the two
// can never link different versions of a shared dependency.
package gomod

import (
	"bytes"
	"context"
	"fmt"
	goversion "go/version"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ssaweave/ssaweave/backend/gocmd"
	"github.com/ssaweave/ssaweave/internal/cache"
	"github.com/ssaweave/ssaweave/internal/gotool"
	"github.com/ssaweave/ssaweave/internal/version"
	"golang.org/x/mod/modfile"
)

// Module describes the user's main module as the go command sees it.
type Module struct {
	GoMod string // absolute path of the go.mod in use (the -modfile, if any); "" in a workspace outside every module
	Root  string // module root directory
	// Work is the go.work file in use, or "": a workspace has no single
	// go.mod to replace, and -modfile is refused there.
	Work string
	// Vendor reports whether the module (or workspace) root has a
	// vendor/modules.txt, which makes the go command build from vendor/
	// by default (go 1.14 and later).
	Vendor bool
}

// Find asks the go command, in dir with env, which go.mod is in use.
// modfileFlag is the user's -modfile value, if any.
func Find(ctx context.Context, dir string, env []string, modfileFlag string) (Module, error) {
	// go env has no -modfile flag: find the module root from go.mod, then
	// use the user's alternate file in its place.
	vals, err := gotool.Env(ctx, dir, env)
	if err != nil {
		return Module{}, fmt.Errorf("ssaweave: %w", err)
	}
	gomod, gowork := vals["GOMOD"], vals["GOWORK"]
	if gowork != "" && gowork != "off" {
		if modfileFlag != "" {
			return Module{}, fmt.Errorf("ssaweave: -modfile cannot be used in the go.work workspace %s (the go command refuses it too); build with GOWORK=off", gowork)
		}
		m := Module{Work: gowork, Root: filepath.Dir(gowork), Vendor: hasVendor(filepath.Dir(gowork))}
		if gomod != os.DevNull {
			m.GoMod = gomod
		}
		return m, nil
	}
	if gomod == "" || gomod == os.DevNull {
		return Module{}, fmt.Errorf("ssaweave: %s is not inside a Go module (no go.mod): ssaweave weaves module builds; run `go mod init` first", dir)
	}
	root := filepath.Dir(gomod)
	if modfileFlag != "" {
		gomod = modfileFlag
		if !filepath.IsAbs(gomod) {
			gomod = filepath.Join(dir, gomod)
		}
	}
	return Module{GoMod: gomod, Root: root, Vendor: hasVendor(root)}, nil
}

// hasVendor reports whether root/vendor/modules.txt exists.
func hasVendor(root string) bool {
	_, err := os.Stat(filepath.Join(root, "vendor", "modules.txt"))
	return err == nil
}

// Require names a module to add, replaced by a local directory.
type Require struct {
	Path    string // module path
	Version string // version to require (a pseudo-version)
	Dir     string // absolute directory holding the module
	GoSum   []byte // the module's go.sum, merged into the generated one
}

// Merge writes (once per content) a go.mod/go.sum pair in the cache that
// is the user's plus req, and completes it by loading pkgs with -mod=mod
// so that later builds under the default -mod=readonly find every
// requirement and checksum. It returns the path of the generated go.mod.
func Merge(ctx context.Context, mod Module, env []string, req Require, pkgs []string) (string, error) {
	data, err := os.ReadFile(mod.GoMod)
	if err != nil {
		return "", fmt.Errorf("ssaweave: %v", err)
	}
	sum, _ := os.ReadFile(strings.TrimSuffix(mod.GoMod, ".mod") + ".sum")

	f, err := modfile.Parse(mod.GoMod, data, nil)
	if err != nil {
		return "", fmt.Errorf("ssaweave: %v", err)
	}
	// Relative replacement directories are relative to the module root;
	// the generated file lives elsewhere, so make them absolute.
	for _, r := range f.Replace {
		if modfile.IsDirectoryPath(r.New.Path) && !filepath.IsAbs(r.New.Path) {
			abs := filepath.Join(mod.Root, r.New.Path)
			if err := f.AddReplace(r.Old.Path, r.Old.Version, abs, ""); err != nil {
				return "", fmt.Errorf("ssaweave: %s: %v", mod.GoMod, err)
			}
		}
	}
	if err := f.AddRequire(req.Path, req.Version); err != nil {
		return "", fmt.Errorf("ssaweave: %v", err)
	}
	if err := f.AddReplace(req.Path, "", req.Dir, ""); err != nil {
		return "", fmt.Errorf("ssaweave: %v", err)
	}
	f.Cleanup()
	out, err := f.Format()
	if err != nil {
		return "", fmt.Errorf("ssaweave: %v", err)
	}
	outSum := mergeSums(sum, req.GoSum)

	key := cache.Hash([]byte(version.Identity()), out, outSum, []byte(strings.Join(pkgs, "\n")), []byte(mod.Root))
	root, err := cache.Sub("mod")
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, key)
	gomod := filepath.Join(dir, "go.mod")
	done := filepath.Join(dir, "complete")
	if _, err := os.Stat(done); err == nil {
		return gomod, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("ssaweave: %v", err)
	}
	unlock, err := cache.Lock(dir + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(done); err == nil {
		return gomod, nil
	}
	if err := cache.WriteFileAtomic(gomod, out, 0o600); err != nil {
		return "", fmt.Errorf("ssaweave: %v", err)
	}
	if err := cache.WriteFileAtomic(filepath.Join(dir, "go.sum"), outSum, 0o600); err != nil {
		return "", fmt.Errorf("ssaweave: %v", err)
	}
	if err := complete(ctx, mod, env, dir, gomod, pkgs); err != nil {
		return "", err
	}
	if err := keepGoVersion(gomod, f); err != nil {
		return "", err
	}
	if err := cache.WriteFileAtomic(done, nil, 0o600); err != nil {
		return "", fmt.Errorf("ssaweave: %v", err)
	}
	return gomod, nil
}

// SumModules reads the go.sum file and returns a function that reports
// whether an import path belongs to one of the modules it names (the
// module path itself or a path under it). A missing go.sum names nothing.
func SumModules(file string) func(importPath string) bool {
	data, _ := os.ReadFile(file)
	mods := map[string]bool{}
	for l := range strings.Lines(string(data)) {
		if m, _, ok := strings.Cut(strings.TrimSpace(l), " "); ok {
			mods[m] = true
		}
	}
	return func(importPath string) bool {
		for p := importPath; p != "." && p != "/" && p != ""; p = path.Dir(p) {
			if mods[p] {
				return true
			}
		}
		return false
	}
}

func mergeSums(a, b []byte) []byte {
	seen := map[string]bool{}
	var lines []string
	for _, src := range [][]byte{a, b} {
		for _, l := range strings.Split(string(src), "\n") {
			l = strings.TrimSpace(l)
			if l != "" && !seen[l] {
				seen[l] = true
				lines = append(lines, l)
			}
		}
	}
	slices.Sort(lines)
	if len(lines) == 0 {
		return nil
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

// complete lets the go command add, to the generated files only, the
// requirements and checksums needed to build pkgs from the main module:
// it lists, with -mod=mod, a package that the overlay adds to the main
// module and that imports pkgs, exactly as the woven main package will.
func complete(ctx context.Context, mod Module, env []string, dir, gomod string, pkgs []string) error {
	prepDir := filepath.Join(mod.Root, "zz_ssaweave_prepare_"+filepath.Base(dir))
	var src bytes.Buffer
	src.WriteString("package prepare\n\nimport (\n")
	for _, p := range pkgs {
		fmt.Fprintf(&src, "\t_ %q\n", p)
	}
	src.WriteString(")\n")
	prepFile := filepath.Join(dir, "prepare.go")
	if err := cache.WriteFileAtomic(prepFile, src.Bytes(), 0o600); err != nil {
		return fmt.Errorf("ssaweave: %v", err)
	}
	overlay := filepath.Join(dir, "prepare-overlay.json")
	ov := fmt.Sprintf(`{"Replace":{%q:%q}}`, filepath.Join(prepDir, "prepare.go"), prepFile)
	if err := cache.WriteFileAtomic(overlay, []byte(ov), 0o600); err != nil {
		return fmt.Errorf("ssaweave: %v", err)
	}
	args := []string{"list", "-modfile=" + gomod, "-mod=mod", "-overlay=" + overlay, "-deps", "-f", "{{if .Error}}{{.Error}}{{end}}", prepDir}
	listed, err := gotool.Output(ctx, mod.Root, gocmd.WithoutGoflags(env, "mod", "modfile", "toolexec"), args...)
	if err == nil && len(bytes.TrimSpace(listed)) > 0 {
		err = fmt.Errorf("go %s (in %s): %s", strings.Join(args, " "), mod.Root, bytes.TrimSpace(listed))
	}
	if err != nil {
		return fmt.Errorf("ssaweave: resolving the runtime module's dependencies failed: %v\nThe module proxy must be reachable the first time (GOPROXY); later builds work offline", err)
	}
	return nil
}

// keepGoVersion undoes, in effect, the one change the runtime's
// requirements may force on the user's module: a higher go directive. The
// go directive sets the main module's default GODEBUG settings, so a
// `godebug default=goX` line pins them back to the user's version (the
// language version is restored per package by the backend, see
// LangVersion).
func keepGoVersion(gomod string, user *modfile.File) error {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return fmt.Errorf("ssaweave: %v", err)
	}
	gen, err := modfile.Parse(gomod, data, nil)
	if err != nil {
		return fmt.Errorf("ssaweave: %v", err)
	}
	if user.Go == nil || gen.Go == nil || user.Go.Version == gen.Go.Version {
		return nil
	}
	for _, g := range user.Godebug {
		if g.Key == "default" {
			return nil
		}
	}
	if err := gen.AddGodebug("default", "go"+user.Go.Version); err != nil {
		return fmt.Errorf("ssaweave: %v", err)
	}
	out, err := gen.Format()
	if err != nil {
		return fmt.Errorf("ssaweave: %v", err)
	}
	return cache.WriteFileAtomic(gomod, out, 0o600)
}

// LangVersion returns the module path and go version of the user's go.mod
// at mod, so that the backend can compile the main module's packages with
// the user's language version (-lang) when the generated go.mod had to
// raise the go directive for the runtime's requirements.
func LangVersion(mod Module) (modPath, goVersion string, err error) {
	data, err := os.ReadFile(mod.GoMod)
	if err != nil {
		return "", "", fmt.Errorf("ssaweave: %v", err)
	}
	f, err := modfile.ParseLax(mod.GoMod, data, nil)
	if err != nil {
		return "", "", fmt.Errorf("ssaweave: %v", err)
	}
	if f.Module == nil || f.Go == nil {
		return "", "", nil
	}
	return f.Module.Mod.Path, f.Go.Version, nil
}

// MergeWork is Merge for a go.work workspace (mod.Work set): it writes
// (once per content) a private go.work that is the user's, with relative
// directories made absolute, plus a `use` of the runtime module's
// directory, and checks that pkgs build in it. It returns the path of the
// generated go.work, for GOWORK.
//
// A workspace module needs no requirement to import another workspace
// module's packages, and each module's go.sum (the runtime's included)
// provides its checksums, so nothing is resolved or downloaded beyond what
// the build needs. The go command requires a go.work to declare a go
// version at least every module's: when the runtime's is newer than the
// user's, the private go.work raises it and pins the default GODEBUG
// settings, which a workspace takes from its go.work, back to the user's
// version. Each module keeps its own language version.
func MergeWork(ctx context.Context, mod Module, env []string, req Require, pkgs []string) (string, error) {
	data, err := os.ReadFile(mod.Work)
	if err != nil {
		return "", fmt.Errorf("ssaweave: %v", err)
	}
	sum, _ := os.ReadFile(mod.Work + ".sum")
	f, err := modfile.ParseWork(mod.Work, data, nil)
	if err != nil {
		return "", fmt.Errorf("ssaweave: %v", err)
	}
	root := filepath.Dir(mod.Work)
	var uses []*modfile.Use
	for _, u := range f.Use {
		path := u.Path
		if !filepath.IsAbs(path) {
			path = filepath.Join(root, path)
		}
		uses = append(uses, &modfile.Use{Path: path, ModulePath: u.ModulePath})
	}
	f.SetUse(append(uses, &modfile.Use{Path: req.Dir, ModulePath: req.Path}))
	for _, r := range f.Replace {
		if modfile.IsDirectoryPath(r.New.Path) && !filepath.IsAbs(r.New.Path) {
			if err := f.AddReplace(r.Old.Path, r.Old.Version, filepath.Join(root, r.New.Path), ""); err != nil {
				return "", fmt.Errorf("ssaweave: %s: %v", mod.Work, err)
			}
		}
	}
	rtGo, err := goVersionOf(filepath.Join(req.Dir, "go.mod"))
	if err != nil {
		return "", err
	}
	if f.Go == nil || goversion.Compare("go"+f.Go.Version, "go"+rtGo) < 0 {
		if f.Go != nil && !hasDefaultGodebug(f.Godebug) {
			if err := f.AddGodebug("default", "go"+f.Go.Version); err != nil {
				return "", fmt.Errorf("ssaweave: %v", err)
			}
		}
		if err := f.AddGoStmt(rtGo); err != nil {
			return "", fmt.Errorf("ssaweave: %v", err)
		}
	}
	f.Cleanup()
	out := modfile.Format(f.Syntax)

	key := cache.Hash([]byte(version.Identity()), out, sum, []byte(strings.Join(pkgs, "\n")), []byte(root))
	dirs, err := cache.Sub("work")
	if err != nil {
		return "", err
	}
	dir := filepath.Join(dirs, key)
	gowork := filepath.Join(dir, "go.work")
	done := filepath.Join(dir, "complete")
	if _, err := os.Stat(done); err == nil {
		return gowork, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("ssaweave: %v", err)
	}
	unlock, err := cache.Lock(dir + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(done); err == nil {
		return gowork, nil
	}
	if err := cache.WriteFileAtomic(gowork, out, 0o600); err != nil {
		return "", fmt.Errorf("ssaweave: %v", err)
	}
	if len(sum) > 0 {
		if err := cache.WriteFileAtomic(gowork+".sum", sum, 0o600); err != nil {
			return "", fmt.Errorf("ssaweave: %v", err)
		}
	}
	// Check that the hooks resolve in the workspace, so that a problem is
	// reported here, once, rather than by the build.
	args := append([]string{"list", "-deps", "-f", "{{if .Error}}{{.Error}}{{end}}"}, pkgs...)
	listed, err := gotool.Output(ctx, root, append(gocmd.WithoutGoflags(env, "mod", "modfile", "toolexec"), "GOWORK="+gowork), args...)
	if err == nil && len(bytes.TrimSpace(listed)) > 0 {
		err = fmt.Errorf("%s", bytes.TrimSpace(listed))
	}
	if err != nil {
		return "", fmt.Errorf("ssaweave: adding the runtime module to the workspace %s failed: go %s (GOWORK=%s): %v\nThe module proxy must be reachable the first time (GOPROXY); later builds work offline", mod.Work, strings.Join(args, " "), gowork, err)
	}
	if err := cache.WriteFileAtomic(done, nil, 0o600); err != nil {
		return "", fmt.Errorf("ssaweave: %v", err)
	}
	return gowork, nil
}

// goVersionOf returns the go directive of the go.mod at path.
func goVersionOf(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("ssaweave: %v", err)
	}
	f, err := modfile.ParseLax(path, data, nil)
	if err != nil {
		return "", fmt.Errorf("ssaweave: %v", err)
	}
	if f.Go == nil {
		return "", fmt.Errorf("ssaweave: %s has no go directive", path)
	}
	return f.Go.Version, nil
}

func hasDefaultGodebug(gs []*modfile.Godebug) bool {
	for _, g := range gs {
		if g.Key == "default" {
			return true
		}
	}
	return false
}
