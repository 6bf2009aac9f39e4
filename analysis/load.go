package analysis

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/ssaweave/ssaweave/internal/gotool"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
)

// Config says what to load and under which build configuration.
type Config struct {
	// Dir is the directory the go command runs in; "" means the current
	// directory.
	Dir string
	// Patterns are package patterns as given to go build.
	Patterns []string
	// BuildFlags are the go build flags that affect which files and
	// packages are loaded: -tags, -mod, -modfile, -overlay, ...
	BuildFlags []string
	// Env holds KEY=value settings (GOOS, GOARCH, CGO_ENABLED, GOFLAGS,
	// ...) applied on top of the current environment.
	Env []string
	// Tests loads the test binaries of the packages, as go test builds
	// them, instead of their programs: the programs (Program.Mains) are
	// the test mains the go command generates for the packages that have
	// test files, and the packages under test are loaded with their
	// _test.go files, next to their plain variants.
	Tests bool
}

// Program is a loaded, type-checked program in SSA form, with the bodies of
// all functions built.
type Program struct {
	// Dir is the absolute directory the program was loaded from.
	Dir string
	// Fset maps positions of every loaded file.
	Fset *token.FileSet
	// SSA is the whole program, standard library included.
	SSA *ssa.Program
	// Packages are the packages the patterns matched.
	Packages []*packages.Package
	// Mains are the main packages among them, sorted by import path.
	Mains []*ssa.Package
	// Own are the packages of the main module, dependencies included,
	// sorted by import path: the code the user writes, where directives
	// are read and where call sites are reported. With Config.Tests, a
	// package under test is there twice (plain, and with its _test.go
	// files), as the go command compiles it twice.
	Own []*packages.Package
	// Tests maps each test main of Mains (Config.Tests) to the package
	// its test binary tests.
	Tests map[*ssa.Package]TestOf
}

// TestOf describes the package a test binary tests.
type TestOf struct {
	Package string // import path of the package under test
	Name    string // its package name
	Dir     string // its directory
}

// IsTest reports whether main is the generated main package of a test
// binary: its main function is the go command's, not the user's.
func (p *Program) IsTest(main *ssa.Package) bool {
	_, ok := p.Tests[main]
	return ok
}

// LoadMode is what Load asks of go/packages: syntax and types for every
// package, dependencies included, since SSA needs bodies for the whole
// program to compute reachability.
const LoadMode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
	packages.NeedImports | packages.NeedDeps | packages.NeedTypes | packages.NeedTypesSizes |
	packages.NeedSyntax | packages.NeedTypesInfo | packages.NeedModule

// Load loads the program named by cfg and builds its SSA form. It fails
// with a *LoadError when a package cannot be loaded or does not
// type-check, and when the patterns match no main package.
func Load(ctx context.Context, cfg Config) (*Program, error) {
	prog, _, err := load(ctx, cfg)
	return prog, err
}

// loaded is what Load found on the way that a Session reuses to reload.
type loaded struct {
	overlay map[string][]byte                                       // the -overlay contents
	parse   func(*token.FileSet, string, []byte) (*ast.File, error) // go/packages' parser
	roots   []string                                                // depRoots
}

// load is Load, also returning what a Session reuses.
func load(ctx context.Context, cfg Config) (*Program, *loaded, error) {
	dir, err := absDir(cfg.Dir)
	if err != nil {
		return nil, nil, err
	}
	overlay, flags, err := Overlay(dir, cfg.BuildFlags)
	if err != nil {
		return nil, nil, err
	}
	pcfg := &packages.Config{
		Context:    ctx,
		Mode:       LoadMode,
		Dir:        dir,
		BuildFlags: flags,
		// Later entries win in os/exec, so cfg.Env overrides.
		Env:     append(os.Environ(), cfg.Env...),
		Overlay: overlay,
		Tests:   cfg.Tests,
	}
	roots := depRoots(ctx, dir, pcfg.Env)
	pcfg.ParseFile = parseFunc(roots)
	pkgs, err := packages.Load(pcfg, cfg.Patterns...)
	if err != nil {
		return nil, nil, fmt.Errorf("ssaweave: loading %v: %w", cfg.Patterns, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if err := packageErrors(dir, pkgs); err != nil {
		return nil, nil, err
	}
	if err := checkMains(cfg, pkgs); err != nil {
		return nil, nil, err
	}

	// InstantiateGenerics gives every instantiation its own body, which
	// RTA needs to follow calls made inside generic code.
	prog, _ := ssautil.AllPackages(pkgs, ssa.InstantiateGenerics)
	var all []*packages.Package
	packages.Visit(pkgs, nil, func(p *packages.Package) { all = append(all, p) })
	buildReleasing(prog, all)
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	p, err := assemble(dir, cfg, prog, pkgs)
	return p, &loaded{overlay: overlay, parse: pcfg.ParseFile, roots: roots}, err
}

// checkMains fails with an error wrapping ErrNoMain when pkgs holds no
// program to plan.
func checkMains(cfg Config, pkgs []*packages.Package) error {
	for _, p := range pkgs {
		if cfg.Tests {
			if _, ok := testOf(p, pkgs); ok {
				return nil
			}
		} else if p.Name == "main" {
			return nil
		}
	}
	if cfg.Tests {
		return fmt.Errorf("%w in %v: no package has test files", ErrNoMain, cfg.Patterns)
	}
	return fmt.Errorf("%w in %v: ssaweave instruments programs; name a main package (e.g. ./cmd/server)", ErrNoMain, cfg.Patterns)
}

// assemble makes the Program of pkgs, whose SSA form prog holds, built:
// its main packages (or test mains) and the main module's packages.
func assemble(dir string, cfg Config, prog *ssa.Program, pkgs []*packages.Package) (*Program, error) {
	var mainPkgs []*packages.Package
	tested := make(map[*packages.Package]TestOf)
	for _, p := range pkgs {
		switch {
		case cfg.Tests:
			// go test links test binaries only, never the programs.
			if t, ok := testOf(p, pkgs); ok {
				mainPkgs = append(mainPkgs, p)
				tested[p] = t
			}
		case p.Name == "main":
			mainPkgs = append(mainPkgs, p)
		}
	}
	p := &Program{Dir: dir, Fset: prog.Fset, SSA: prog, Packages: pkgs}
	var missing LoadError
	for _, mp := range mainPkgs {
		sp := prog.Package(mp.Types)
		if t, ok := tested[mp]; ok {
			if p.Tests == nil {
				p.Tests = make(map[*ssa.Package]TestOf)
			}
			p.Tests[sp] = t
		}
		if sp.Func("main") == nil {
			// go/types accepts a main package without main; the
			// compiler does not, and neither can we root a graph there.
			missing.Errors = append(missing.Errors, PackageError{
				Package: mp.PkgPath,
				Msg:     "function main is undeclared in the main package",
			})
			continue
		}
		p.Mains = append(p.Mains, sp)
	}
	if len(missing.Errors) > 0 {
		return nil, &missing
	}
	slices.SortFunc(p.Mains, func(a, b *ssa.Package) int { return strings.Compare(a.Pkg.Path(), b.Pkg.Path()) })
	packages.Visit(pkgs, nil, func(pkg *packages.Package) {
		if pkg.Module != nil && pkg.Module.Main && pkg.Types != nil {
			p.Own = append(p.Own, pkg)
		}
	})
	slices.SortFunc(p.Own, func(a, b *packages.Package) int { return strings.Compare(a.PkgPath, b.PkgPath) })
	return p, nil
}

// testOf reports whether p is the main package that the go command
// generates for a test binary (go/packages names it "<path>.test"; it
// always imports testing/internal/testdeps), and describes the package
// under test, found among pkgs and their dependencies: its test variant
// ("<path> [<path>.test]") when it has in-package test files, else its
// external test package ("<path>_test [<path>.test]").
func testOf(p *packages.Package, pkgs []*packages.Package) (TestOf, bool) {
	path, ok := strings.CutSuffix(p.ID, ".test")
	if !ok || p.Name != "main" || p.Imports["testing/internal/testdeps"] == nil {
		return TestOf{}, false
	}
	var variant, xtest *packages.Package
	packages.Visit(pkgs, nil, func(q *packages.Package) {
		switch q.ID {
		case path + " [" + p.ID + "]":
			variant = q
		case path + "_test [" + p.ID + "]":
			xtest = q
		}
	})
	for _, q := range []*packages.Package{variant, xtest} {
		if q != nil && len(q.GoFiles) > 0 {
			return TestOf{Package: q.PkgPath, Name: q.Name, Dir: filepath.Dir(q.GoFiles[0])}, true
		}
	}
	return TestOf{}, false
}

// absDir returns dir as an absolute, clean path, "" meaning the current
// directory.
func absDir(dir string) (string, error) {
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("ssaweave: %w", err)
	}
	return abs, nil
}

// PackageError is one error reported while loading or type-checking.
type PackageError struct {
	Package string // import path of the package that failed
	Pos     string // "file:line:col" (file relative to the load directory when inside it), or ""
	Msg     string // the go command's or the type checker's message
}

// String formats the error as the compiler does: "pos: msg".
func (e PackageError) String() string {
	if e.Pos == "" {
		return fmt.Sprintf("%s: %s", e.Package, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Pos, e.Msg)
}

// LoadError lists the errors that kept the program from loading.
type LoadError struct {
	Errors []PackageError
}

// maxErrors bounds the errors an error message spells out; the rest are
// counted, as the compiler does, so one broken package cannot flood a build
// log.
const maxErrors = 10

// Error returns one line per error, the first prefixed with a summary.
func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString("ssaweave: the program does not build:")
	for i, pe := range e.Errors {
		if i == maxErrors {
			fmt.Fprintf(&b, "\n\t... and %d more errors", len(e.Errors)-maxErrors)
			break
		}
		b.WriteString("\n\t")
		b.WriteString(pe.String())
	}
	return b.String()
}

// packageErrors collects the errors of pkgs and their dependencies, in a
// deterministic order, without duplicates.
func packageErrors(dir string, pkgs []*packages.Package) error {
	var le LoadError
	seen := make(map[string]bool)
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			pe := PackageError{Package: p.PkgPath, Pos: relPos(dir, e.Pos), Msg: e.Msg}
			if k := pe.String(); !seen[k] {
				seen[k] = true
				le.Errors = append(le.Errors, pe)
			}
		}
	})
	if len(le.Errors) > 0 {
		return &le
	}
	return nil
}

// relPos rewrites a "file:line:col" position so that the file is relative
// to dir when inside it, as the go command prints it. Other forms ("-" or
// "") mean no position.
func relPos(dir, pos string) string {
	if pos == "" || pos == "-" {
		return ""
	}
	if rel, err := filepath.Rel(dir, pos); err == nil && filepath.IsLocal(rel) {
		return filepath.ToSlash(rel)
	}
	return pos
}

// ErrNoMain is wrapped by the error Load returns when the patterns match
// no main package.
var ErrNoMain = errors.New("no main package")

// depRoots returns the directories that hold only dependencies' sources:
// GOROOT and GOMODCACHE, as the go command of env sees them (through
// gotool.Env, whose answer the wrapper has already asked for under the
// same context). Nil if go env fails, which only forgoes the saving
// parseFunc makes.
func depRoots(ctx context.Context, dir string, env []string) []string {
	vals, err := gotool.Env(ctx, dir, env)
	if err != nil {
		return nil
	}
	var roots []string
	for _, d := range []string{vals["GOROOT"], vals["GOMODCACHE"]} {
		if filepath.IsAbs(d) {
			roots = append(roots, filepath.Clean(d)+string(filepath.Separator))
		}
	}
	return roots
}

// parseFunc returns the parser go/packages uses: its own mode (without
// object resolution, which nothing here reads), but without comments for
// the files under roots (the standard library and the module
// cache). Comments matter only in the main module's packages (directives,
// generated-file markers); the type checker and go/ssa never read them,
// and on a 1000-package program they are about 5 % of the peak memory.
func parseFunc(roots []string) func(*token.FileSet, string, []byte) (*ast.File, error) {
	return func(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
		mode := parser.AllErrors | parser.ParseComments | parser.SkipObjectResolution
		for _, r := range roots {
			if strings.HasPrefix(filename, r) {
				mode &^= parser.ParseComments
				break
			}
		}
		return parser.ParseFile(fset, filename, src, mode)
	}
}

// buildReleasing builds the SSA of the packages all (every package of
// prog, or those a Session re-created), like prog.Build, and
// releases each dependency's syntax trees and type-checker facts as soon
// as its SSA is built: go/ssa keeps what it still needs (function syntax,
// the facts of generic functions for later instantiations), and nothing
// after Load reads a dependency's packages.Package syntax, so the peak
// memory of a large program is the SSA plus the facts of the packages
// still being built, not of all of them. The main module's packages keep
// theirs (directives, go statements, call sites, the audit), and so do
// packages that import gRPC, whose ServiceDesc literals the audit reads.
func buildReleasing(prog *ssa.Program, all []*packages.Package) {
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for _, p := range all {
		sp := prog.Package(p.Types)
		if sp == nil {
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			sp.Build()
			if keepSyntax(p) {
				return
			}
			p.Syntax, p.TypesInfo = nil, nil
		})
	}
	wg.Wait()
	prog.Build() // anything not reached above (synthetic packages); a no-op otherwise
}

// keepSyntax reports whether p's syntax and type-checker facts must outlive
// its SSA: see buildReleasing.
func keepSyntax(p *packages.Package) bool {
	if p.Module != nil && p.Module.Main {
		return true
	}
	_, grpc := p.Imports["google.golang.org/grpc"]
	return grpc
}
