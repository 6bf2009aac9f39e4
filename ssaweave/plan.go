// Package ssaweave holds the weave plan: the data that flows from the
// whole-program analysis (packages analysis and callgraph) to the build
// backend (package backend).
//
// A Plan is deterministic and serialisable. It lists every site that an
// instrumentation rule matched, whether it is woven or pruned and why, and,
// for the woven ones, the edits the backend applies, grouped per package and
// file. The backend never re-analyses anything: it only reads a Plan.
package ssaweave

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
)

// SchemaVersion is the version of the JSON schema of Plan. It changes only
// when a field changes meaning or disappears; new fields may be added without
// changing it.
const SchemaVersion = 1

// Site statuses.
const (
	StatusWoven  = "woven"
	StatusPruned = "pruned"
)

// Plan is what will be woven where, and why.
type Plan struct {
	Schema    int      `json:"schema"`    // SchemaVersion
	Tool      string   `json:"tool"`      // ssaweave version that made the plan
	Algorithm string   `json:"algorithm"` // call-graph algorithm that decided reachability ("rta")
	Dir       string   `json:"dir"`       // directory the packages were loaded from
	Patterns  []string `json:"patterns"`  // package patterns as given

	// Sites lists every match of every rule, woven or pruned, sorted by
	// position then rule.
	Sites []Site `json:"sites"`

	// Mains lists the main packages of the program and what each one needs
	// at link time.
	Mains []Main `json:"mains"`

	// Packages lists, per import path, the source edits the backend applies
	// when it compiles that package. Sorted by import path.
	Packages []PackageEdits `json:"packages"`
}

// Site is one match of one rule.
type Site struct {
	Pos      string   `json:"pos"`      // file:line:col of the matched function or call
	Package  string   `json:"package"`  // import path of the package that holds the site
	Function string   `json:"function"` // enclosing function, as go/ssa names it
	Rule     string   `json:"rule"`     // name of the rule that matched
	Status   string   `json:"status"`   // StatusWoven or StatusPruned
	Reason   string   `json:"reason"`   // why it is woven or pruned, one sentence
	Path     []string `json:"path"`     // witness call chain from a root (main.main or an init) to the site; empty when unreachable
}

// Main is one main package and what its link needs.
type Main struct {
	ImportPath string `json:"importPath"`
	// Hooks are the runtime hook packages (in the ssaweave rt module) that
	// the generated file in this main package imports. Empty means nothing
	// is woven for this program: no hook and no OpenTelemetry code is linked.
	Hooks []string `json:"hooks"`
	// HandleSignals says the hooks install a SIGINT/SIGTERM handler that
	// flushes spans and then re-raises the signal. It is false when the
	// program handles signals itself (os/signal.Notify is reachable), since
	// the program then exits through main or os.Exit, which flush anyway.
	HandleSignals bool `json:"handleSignals"`
	// AtMainReturn is the name of the function the generated file defines
	// and the rewritten main.main defers; empty when no hook is linked.
	AtMainReturn string `json:"atMainReturn,omitempty"`
}

// PackageEdits are the edits for one package.
type PackageEdits struct {
	ImportPath string      `json:"importPath"`
	Files      []FileEdits `json:"files"` // sorted by file name
}

// FileEdits are the edits for one source file.
type FileEdits struct {
	File  string `json:"file"` // absolute path of the original file, as the compiler sees it
	Edits []Edit `json:"edits"`
}

// EditKind says how a function is rewritten.
type EditKind string

// The edit kinds. Each names one rewrite of one function declaration; the
// backend implements them generically, whatever the function.
const (
	// EditBefore declares a package-level variable Hook of type
	// func(<the function's parameters>), exported to the linker under its
	// own name with a one-argument //go:linkname, and calls it with the
	// function's arguments on entry when it is not nil.
	EditBefore EditKind = "before"

	// EditAround declares a package-level variable Hook of type
	// func(<params>, next func(<params>) <results>) <results>, exported
	// to the linker like EditBefore. The original body moves to a new
	// function (or method) named OrigPrefix+Func; the function itself
	// becomes: when Hook is nil, call the original; otherwise return
	// Hook(args..., original). For methods, the receiver is bound in the
	// method value passed as next and not passed to the hook.
	EditAround EditKind = "around"

	// EditDeferCall prepends `defer Hook()` to the function body. Hook
	// names a function of the same package (the backend generates it).
	EditDeferCall EditKind = "defer"
)

// OrigPrefix prefixes the name of the function that keeps the original body
// in an EditAround rewrite.
const OrigPrefix = "ssaweaveOrig_"

// Edit is one rewrite of one function declaration.
type Edit struct {
	Kind EditKind `json:"kind"`
	// Func names the function: "Exit", or "Type.Method" for a method (the
	// receiver type name without * or type parameters).
	Func string `json:"func"`
	// Hook is the identifier of the hook variable (EditBefore,
	// EditAround) or of the function to defer (EditDeferCall).
	Hook string `json:"hook"`
	// Rule is the rule that asked for this edit.
	Rule string `json:"rule"`
	// Line is the line of the function declaration in the original file.
	// The backend checks it to refuse a plan made from other sources.
	Line int `json:"line"`
}

// Edits returns the edits planned for the package with the given import
// path, or nil.
func (p *Plan) Edits(importPath string) *PackageEdits {
	i := sort.Search(len(p.Packages), func(i int) bool { return p.Packages[i].ImportPath >= importPath })
	if i < len(p.Packages) && p.Packages[i].ImportPath == importPath {
		return &p.Packages[i]
	}
	return nil
}

// Main returns the entry for the main package with the given import path,
// or nil.
func (p *Plan) Main(importPath string) *Main {
	for i := range p.Mains {
		if p.Mains[i].ImportPath == importPath {
			return &p.Mains[i]
		}
	}
	return nil
}

// Woven reports whether the plan changes anything at all.
func (p *Plan) Woven() bool {
	for _, m := range p.Mains {
		if len(m.Hooks) > 0 {
			return true
		}
	}
	return false
}

// WeaveID identifies what the plan changes in the build, independent of
// source positions: the edits (kind, function, hook, rule, file base name
// and package) and the main packages' hooks. Two plans with the same WeaveID
// produce the same rewrites from the same sources. Line numbers are left
// out on purpose: a user's edit that moves main.main changes that package's
// source hash, which the go command already keys on, and must not change
// the key of every other package.
func (p *Plan) WeaveID() string {
	type key struct {
		Tool     string
		Mains    []Main
		Packages []PackageEdits
	}
	k := key{Tool: p.Tool, Mains: p.Mains}
	for _, pe := range p.Packages {
		c := PackageEdits{ImportPath: pe.ImportPath}
		for _, fe := range pe.Files {
			cf := FileEdits{File: baseName(fe.File)}
			for _, e := range fe.Edits {
				e.Line = 0
				cf.Edits = append(cf.Edits, e)
			}
			c.Files = append(c.Files, cf)
		}
		k.Packages = append(k.Packages, c)
	}
	return hashJSON(k)
}

// PackageKey identifies the edits of one package (without line numbers, for
// the reason WeaveID gives), or "" when the package has none.
func (p *Plan) PackageKey(importPath string) string {
	pe := p.Edits(importPath)
	m := p.Main(importPath)
	if pe == nil && (m == nil || len(m.Hooks) == 0) {
		return ""
	}
	type key struct {
		Tool  string
		Edits []Edit
		Main  *Main
	}
	k := key{Tool: p.Tool}
	if pe != nil {
		for _, fe := range pe.Files {
			for _, e := range fe.Edits {
				e.Line = 0
				k.Edits = append(k.Edits, e)
			}
		}
	}
	if m != nil && len(m.Hooks) > 0 {
		k.Main = m
	}
	return hashJSON(k)
}

func hashJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Only plain data is marshalled here; failure is a programming error.
		panic(fmt.Sprintf("ssaweave: marshal plan key: %v", err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func baseName(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' || path[i] == '\\' {
			return path[i+1:]
		}
	}
	return path
}
