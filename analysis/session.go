package analysis

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
)

// A Session keeps a loaded program so that loading it again after an edit
// costs what the edit changed, not what the program is: Reload lists the
// packages again (no syntax, no types), type-checks from source only the
// packages whose files or metadata changed and those that import them,
// and adds their SSA to the program it already holds, where every other
// package, the standard library included, is reused as it is.
//
// This works because go/ssa and go/types key everything by object, not
// by import path: a re-checked package is a new *types.Package with new
// objects, its importers are re-checked against it, and the SSA of the
// packages below it never refers to it. The old versions stay in the
// ssa.Program, unreachable from the new main packages, so nothing that
// starts from Program.Mains or walks Program.Packages sees them (code
// that lists prog.SSA.AllPackages() would, and must not be used on a
// reloaded Program). They do cost memory, so once the packages re-created
// since the last full load outnumber half the program, Reload loads it
// afresh.
//
// A Session is not safe for concurrent use.
type Session struct {
	cfg   Config
	dir   string
	parse func(*token.FileSet, string, []byte) (*ast.File, error)
	roots []string // depRoots: directories whose files never change

	prog   *Program
	byID   map[string]*packages.Package // every package of prog
	hashes map[string][sha256.Size]byte // contents of the files of packages outside roots
	stale  int                          // packages re-created since the last full load
}

// String says what the reload did, for logs.
func (st ReloadStats) String() string {
	if st.Full {
		return fmt.Sprintf("%d packages loaded", st.Packages)
	}
	return fmt.Sprintf("%d of %d packages re-checked", st.Rechecked, st.Packages)
}

// ReloadStats says what a Load or Reload of a Session did.
type ReloadStats struct {
	// Full is set when the whole program was loaded from source.
	Full bool
	// Rechecked counts the packages type-checked again from source and
	// added to the program (their files changed, their metadata did, or
	// they import one that was re-checked); 0 when nothing changed.
	Rechecked int
	// Packages counts the packages of the program.
	Packages int
}

// NewSession returns a Session for the program cfg names; its first Reload
// loads the whole program.
func NewSession(cfg Config) *Session {
	return &Session{cfg: cfg}
}

// Reload returns the program as its files now are, reusing what the
// previous Reload loaded where nothing it depends on changed. Its errors
// are Load's: a program that does not load is reported exactly as Load
// reports it (Reload then loads it in full to say so), and the Session
// keeps the last program that loaded.
func (s *Session) Reload(ctx context.Context) (*Program, ReloadStats, error) {
	if s.prog == nil {
		return s.full(ctx)
	}
	overlay, flags, err := Overlay(s.dir, s.cfg.BuildFlags)
	if err != nil {
		return nil, ReloadStats{}, err
	}
	meta, err := packages.Load(&packages.Config{
		Context: ctx,
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
			packages.NeedImports | packages.NeedDeps | packages.NeedModule,
		Dir:        s.dir,
		BuildFlags: flags,
		Env:        append(os.Environ(), s.cfg.Env...),
		Overlay:    overlay,
		Tests:      s.cfg.Tests,
	}, s.cfg.Patterns...)
	if err != nil || packageErrors(s.dir, meta) != nil || checkMains(s.cfg, meta) != nil {
		// Load says what is wrong, in its words.
		return s.full(ctx)
	}

	var order []*packages.Package // dependencies first
	packages.Visit(meta, nil, func(p *packages.Package) { order = append(order, p) })
	// The files compared are kept, so that a re-checked package is parsed
	// from the very bytes whose hash the next Reload compares with.
	read := make(map[string][]byte)
	hashes := make(map[string][sha256.Size]byte)
	redo := make(map[string]bool)
	for _, p := range order {
		changed, err := s.changed(p, overlay, read, hashes)
		if err != nil {
			return s.full(ctx)
		}
		if !changed {
			for _, imp := range p.Imports {
				if redo[imp.ID] {
					changed = true // its types refer to the old package
					break
				}
			}
		}
		redo[p.ID] = changed
	}
	var again []*packages.Package
	for _, p := range order {
		if redo[p.ID] {
			again = append(again, p)
		}
	}
	if len(again) == 0 && len(order) == len(s.byID) {
		return s.prog, ReloadStats{Packages: len(order)}, nil
	}
	if s.stale+len(again) > len(order)/2 {
		return s.full(ctx)
	}

	// Reuse what did not change; check the rest, dependencies first, so
	// that each import resolves to a complete package.
	sizes := s.sizes()
	for _, p := range order {
		if !redo[p.ID] {
			old := s.byID[p.ID]
			p.Types, p.TypesInfo, p.TypesSizes, p.Syntax, p.Fset = old.Types, old.TypesInfo, old.TypesSizes, old.Syntax, old.Fset
			continue
		}
		if err := s.check(p, overlay, read, sizes); err != nil {
			return s.full(ctx)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, ReloadStats{}, err
	}
	ssaProg := s.prog.SSA
	for _, p := range again {
		ssaProg.CreatePackage(p.Types, p.Syntax, p.TypesInfo, true)
	}
	buildReleasing(ssaProg, again)
	prog, err := assemble(s.dir, s.cfg, ssaProg, meta)
	if err != nil {
		return s.full(ctx)
	}
	s.adopt(prog, order, hashes)
	s.stale += len(again)
	return prog, ReloadStats{Rechecked: len(again), Packages: len(order)}, nil
}

// full loads the whole program from source.
func (s *Session) full(ctx context.Context) (*Program, ReloadStats, error) {
	prog, l, err := load(ctx, s.cfg)
	if err != nil {
		return nil, ReloadStats{}, err
	}
	s.dir, s.roots, s.parse = prog.Dir, l.roots, l.parse
	var order []*packages.Package
	packages.Visit(prog.Packages, nil, func(p *packages.Package) { order = append(order, p) })
	hashes := make(map[string][sha256.Size]byte)
	for _, p := range order {
		if s.fixed(p) {
			continue
		}
		for _, f := range p.CompiledGoFiles {
			src, err := readSource(f, l.overlay)
			if err != nil {
				return nil, ReloadStats{}, fmt.Errorf("ssaweave: %w", err)
			}
			hashes[f] = sha256.Sum256(src)
		}
	}
	s.adopt(prog, order, hashes)
	s.stale = 0
	return prog, ReloadStats{Full: true, Packages: len(order)}, nil
}

// adopt makes prog, whose packages are order, the Session's program.
func (s *Session) adopt(prog *Program, order []*packages.Package, hashes map[string][sha256.Size]byte) {
	s.prog, s.hashes = prog, hashes
	s.byID = make(map[string]*packages.Package, len(order))
	for _, p := range order {
		s.byID[p.ID] = p
	}
}

// fixed reports whether p's files are all in GOROOT or the module cache,
// whose contents do not change while the toolchain and the module versions
// (which the metadata names) stay the same.
func (s *Session) fixed(p *packages.Package) bool {
	if len(s.roots) == 0 {
		return false
	}
	for _, f := range p.CompiledGoFiles {
		if !slices.ContainsFunc(s.roots, func(r string) bool { return strings.HasPrefix(f, r) }) {
			return false
		}
	}
	return true
}

// changed reports whether p, as listed now, differs from the package of
// the same ID in the Session's program: a package it did not have, other
// metadata (files, imports, module), or, outside GOROOT and the module
// cache, other file contents. It records the files it read, and their
// hashes.
func (s *Session) changed(p *packages.Package, overlay, read map[string][]byte, hashes map[string][sha256.Size]byte) (bool, error) {
	old := s.byID[p.ID]
	changed := old == nil || old.Name != p.Name || old.PkgPath != p.PkgPath ||
		!slices.Equal(old.CompiledGoFiles, p.CompiledGoFiles) || !sameModule(old.Module, p.Module) ||
		len(old.Imports) != len(p.Imports)
	if !changed {
		for path, imp := range p.Imports {
			if o := old.Imports[path]; o == nil || o.ID != imp.ID {
				changed = true
				break
			}
		}
	}
	if s.fixed(p) {
		return changed, nil
	}
	// Hashed even when the metadata already decided, for the next
	// Reload to compare with.
	for _, f := range p.CompiledGoFiles {
		src, err := readSource(f, overlay)
		if err != nil {
			return false, err
		}
		h := sha256.Sum256(src)
		read[f], hashes[f] = src, h
		if old, ok := s.hashes[f]; !ok || old != h {
			changed = true
		}
	}
	return changed, nil
}

// sameModule reports whether two packages' modules are the same version
// of the same module, which then holds the same files.
func sameModule(a, b *packages.Module) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Path != b.Path || a.Version != b.Version || a.Main != b.Main || a.Dir != b.Dir || a.GoVersion != b.GoVersion {
		return false
	}
	return sameModule(a.Replace, b.Replace)
}

// sizes returns the type sizes the program was checked with.
func (s *Session) sizes() types.Sizes {
	for _, p := range s.byID {
		if p.TypesSizes != nil {
			return p.TypesSizes
		}
	}
	return nil
}

// check parses and type-checks p from source as go/packages does, against
// the types of its imports (reused or re-checked before it), taking the
// files changed read from read. Any error fails the reload: Load then
// reports it as it always does.
func (s *Session) check(p *packages.Package, overlay, read map[string][]byte, sizes types.Sizes) error {
	fset := s.prog.Fset
	p.Fset, p.TypesSizes = fset, sizes
	if p.PkgPath == "unsafe" {
		p.Types, p.Syntax = types.Unsafe, []*ast.File{}
		p.TypesInfo = newTypesInfo()
		return nil
	}
	p.Syntax = make([]*ast.File, 0, len(p.CompiledGoFiles))
	for _, f := range p.CompiledGoFiles {
		src, ok := read[f]
		if !ok { // a file of GOROOT or the module cache
			var err error
			if src, err = readSource(f, overlay); err != nil {
				return err
			}
		}
		file, err := s.parse(fset, f, src)
		if err != nil {
			return err
		}
		p.Syntax = append(p.Syntax, file)
	}
	p.Types = types.NewPackage(p.PkgPath, p.Name)
	p.TypesInfo = newTypesInfo()
	tc := &types.Config{
		Importer: importerFunc(func(path string) (*types.Package, error) {
			if path == "unsafe" {
				return types.Unsafe, nil
			}
			if imp := p.Imports[path]; imp != nil && imp.Types != nil && imp.Types.Complete() {
				return imp.Types, nil
			}
			return nil, fmt.Errorf("no metadata for %s", path)
		}),
		Sizes: sizes,
	}
	if p.Module != nil && p.Module.GoVersion != "" {
		tc.GoVersion = "go" + p.Module.GoVersion
	}
	var first error
	tc.Error = func(err error) {
		if first == nil {
			first = err
		}
	}
	if err := types.NewChecker(tc, fset, p.Types, p.TypesInfo).Files(p.Syntax); err != nil && first == nil {
		first = err
	}
	return first
}

// newTypesInfo returns the type-checker facts go/packages records.
func newTypesInfo() *types.Info {
	return &types.Info{
		Types:        make(map[ast.Expr]types.TypeAndValue),
		Defs:         make(map[*ast.Ident]types.Object),
		Uses:         make(map[*ast.Ident]types.Object),
		Implicits:    make(map[ast.Node]types.Object),
		Instances:    make(map[*ast.Ident]types.Instance),
		Scopes:       make(map[ast.Node]*types.Scope),
		Selections:   make(map[*ast.SelectorExpr]*types.Selection),
		FileVersions: make(map[*ast.File]string),
	}
}

// importerFunc is a types.Importer made of a function.
type importerFunc func(path string) (*types.Package, error)

// Import implements types.Importer.
func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// readSource returns the contents of file, from the overlay when it
// replaces the file, as go/packages reads it.
func readSource(file string, overlay map[string][]byte) ([]byte, error) {
	if src, ok := overlay[filepath.Clean(file)]; ok {
		return bytes.Clone(src), nil
	}
	return os.ReadFile(file)
}
