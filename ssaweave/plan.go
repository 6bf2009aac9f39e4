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

	// Notes are rules that could not apply to the versions of the
	// libraries the program uses, one sentence each, sorted.
	Notes []string `json:"notes,omitempty"`
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
	// BindAlways says the generated file binds Binds whatever the
	// runtime's configuration, because the program installs a
	// TracerProvider of its own (go.opentelemetry.io/otel.SetTracerProvider
	// is reachable; the hooks.unbound site says how). When false, Binds
	// other than probes are bound only if the runtime can record spans
	// (rt.Tracing), so that with tracing off a woven function pays a nil
	// check and nothing else.
	BindAlways bool `json:"bindAlways,omitempty"`
	// AtMainReturn is the name of the function the generated file defines
	// and the rewritten main.main defers; empty when no hook is linked.
	AtMainReturn string `json:"atMainReturn,omitempty"`
	// Binds are the hook variables of rewritten packages that the
	// generated file of this main sets, sorted by package then variable.
	Binds []Bind `json:"binds,omitempty"`
	// ExcludeRoutes are the net/http ServeMux patterns whose requests the
	// runtime does not trace (the configuration's exclude.routes).
	ExcludeRoutes []string `json:"excludeRoutes,omitempty"`
	// Test is set when this is the main package of a test binary (go
	// test), which the go command generates: ImportPath is then
	// "<package>.test", and the runtime file goes into the package under
	// test (as a _test.go file) or, in toolexec-only mode, into the
	// generated main package.
	Test *TestOf `json:"test,omitempty"`
}

// TestOf is the package a test binary tests: where its runtime file goes.
type TestOf struct {
	Package string `json:"package"` // import path of the package the file joins
	Name    string `json:"name"`    // its package name (pkg, or pkg_test for external tests)
	Dir     string `json:"dir"`     // its directory
}

// Bind is a hook variable that only the program can set. Hooks in the
// standard library and other known libraries are bound by name from the
// runtime's hook packages; hooks woven into the program's own packages
// (function spans, goroutine contexts) cannot be known to the runtime, so
// the file generated in each main package that links them binds them with
// //go:linkname and assigns the runtime function in an init function.
type Bind struct {
	Package string `json:"package"` // import path of the package that declares Var
	Var     string `json:"var"`     // the hook variable
	Func    string `json:"func"`    // runtime function assigned: a key of BindTypes
	// Site is, for BindProbe, the index in Plan.Sites of the site the
	// probe records.
	Site int `json:"site,omitempty"`
}

// BindTypes maps each runtime function a Bind may assign to its type, as
// Go source. The rewrite declares hook variables with exactly this type
// and the runtime function has it too: the linker does not compare the
// types of linknamed variables, so the three must agree by construction.
// The types mention predeclared types only, so that neither the rewritten
// file nor the generated one needs an import for them.
var BindTypes = map[string]string{
	// FuncSpan starts the span of a function: parent is the function's
	// context.Context or *http.Request argument (or nil), ctx the same
	// kind of value carrying the new span, and end ends the span,
	// recording *err when it is a non-nil error. end is nil when no span
	// is recorded; ctx is then parent.
	BindFuncSpan: "func(parent any, name string) (ctx any, end func(err *error))",
	// GoContext makes goroutines started until restore is called inherit
	// the trace context of ctx (a context.Context or *http.Request).
	BindGoContext: "func(ctx any) (restore func())",
	// Probe records that the site Bind.Site ran (soundness builds).
	BindProbe: "func()",
}

// The runtime functions a Bind may assign.
const (
	BindFuncSpan  = "FuncSpan"
	BindGoContext = "GoContext"
	BindProbe     = "Probe"
)

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

	// EditFilter declares a package-level variable Hook of type
	// func(<receiver>, <params>) (<param types>), exported to the linker
	// like EditBefore, and on entry, when it is not nil, replaces the
	// arguments with what it returns: `a, b = Hook(recv, a, b)`. The
	// receiver (for methods) is passed first and cannot be replaced; a
	// variadic parameter is passed and returned as a slice. Unlike
	// EditAround it adds no stack frame, so functions that inspect their
	// callers (runtime.Callers) keep working.
	EditFilter EditKind = "filter"

	// EditSpan declares a package-level variable Hook of the type
	// BindTypes[BindFuncSpan], exported to the linker like EditBefore (a
	// Bind in the program's main package sets it), and on entry, when it
	// is not nil, starts the span named Span: it passes the parameter
	// named Parent (nil when Parent is ""), replaces that parameter with
	// the derived context or request the hook returns when it has the
	// parameter's type, and defers the returned end function with a
	// pointer to the function's last result of type error (nil when it
	// has none), so that the error the function returns is recorded.
	// Unnamed results are named for that. Like EditFilter it adds no
	// stack frame.
	EditSpan EditKind = "span"

	// EditGo rewrites one go statement, not a whole function: the one at
	// Line and Col (of the go keyword) inside function Func, perhaps
	// nested in a function literal there. It declares a package-level
	// variable Hook of the type BindTypes[BindGoContext], exported to the
	// linker like EditBefore (a Bind in each main package that links the
	// package sets it), and turns `go f(a, b)` into
	//
	//	{
	//		var restore func()
	//		if h := Hook; h != nil {
	//			restore = h(Ctx)
	//		}
	//		go f(a, b)
	//		if restore != nil {
	//			restore()
	//		}
	//	}
	//
	// with names that nothing in the function uses, so that the goroutine
	// inherits the span context of Ctx, a context.Context or
	// *http.Request variable in scope there. The go statement is not
	// duplicated (function literals keep their names, funcN, in stack
	// traces and profiles) and keeps its line and column.
	EditGo EditKind = "go"

	// EditCall rewrites the statement that holds one call of a function
	// that takes no context (a rule's ContextFree: http.Get,
	// (*sql.DB).Query), not F as a whole: the call whose opening
	// parenthesis is at Line and Col inside function Func, perhaps nested
	// in a function literal there. It declares a hook variable like
	// EditGo (same type, BindGoContext) and, by Form:
	//
	//   - "bracket": like EditGo, it sets the span context of Ctx before
	//     the statement and restores the previous one right after it;
	//   - "defer": it inserts `if h := Hook; h != nil { defer h(Ctx)() }`
	//     before the statement, so the previous context comes back when
	//     the function returns (the planner chooses it only where the
	//     statement runs at most once per call: a return, or a statement
	//     outside loops).
	//
	// The spans the call makes take that span context as their parent,
	// as a goroutine's do.
	EditCall EditKind = "call"

	// EditProbe declares a package-level variable Hook of type func(),
	// exported to the linker like EditBefore (a Bind in the program's
	// main package sets it), and calls it on entry when it is not nil.
	// Only soundness builds (Options.Probe) use it: it records that the
	// function ran, and changes nothing else.
	EditProbe EditKind = "probe"
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

	// Span is the name of the span an EditSpan starts.
	Span string `json:"span,omitempty"`
	// Parent is the parameter of an EditSpan that carries the parent
	// span: its name, or "#N" (N counting parameters from 0, as
	// types.Signature.Params does) for a blank or unnamed parameter,
	// which the backend names. "" for none: the span then has no parent
	// in the function's arguments.
	Parent string `json:"parent,omitempty"`
	// ParentKind is the type of the Parent parameter: ParentContext or
	// ParentRequest; "" when Parent is "".
	ParentKind string `json:"parentKind,omitempty"`

	// Col is the column of the go keyword of an EditGo, or of the call's
	// opening parenthesis for an EditCall, whose Line is then the line of
	// the statement or call rather than of the function.
	Col int `json:"col,omitempty"`
	// Ctx is the source expression (an identifier) of the context an
	// EditGo or an EditCall passes to its hook.
	Ctx string `json:"ctx,omitempty"`
	// Form is how an EditCall hands over Ctx: "bracket" or "defer".
	Form string `json:"form,omitempty"`
}

// The kinds of parameter an EditSpan takes the parent span from.
const (
	ParentContext = "context" // a context.Context
	ParentRequest = "request" // a *net/http.Request
)

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
// produce the same rewrites from the same sources. Line and column numbers
// are left out on purpose: a user's edit that moves main.main changes that package's
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
				e.Line, e.Col = 0, 0
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
				e.Line, e.Col = 0, 0
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
