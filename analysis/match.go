package analysis

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// Match is one function declaration a rule matched.
type Match struct {
	Rule *Rule
	// Name is the function as the rule names it: "Exit" or "Type.Method".
	Name string
	// Func is the matched function.
	Func *ssa.Function
	// Package is the SSA package that declares Func.
	Package *ssa.Package
	// Decl is the position of the declaration's func keyword, with //line
	// directives applied (the file the user edits).
	Decl token.Position
	// Hook is the identifier the rewrite declares: Rule.Hook, or for a rule
	// on MainPackage a variant of it that nothing in the package already
	// declares. Empty for rules that rewrite nothing.
	Hook string
	// InstrumentedBy are the functions of Rule.InstrumentedBy that the
	// program contains; reaching one means the program instruments the
	// target itself.
	InstrumentedBy []*ssa.Function
	// Sinks are the functions of Rule.Sinks that the program contains.
	Sinks []*ssa.Function
}

// Unmatched is a rule whose target package is in the program but, in the
// version the program uses, lacks the function the rule names. That is an
// error for the standard library (a rule out of date with the toolchain)
// but only a reason not to weave for other modules, whose users may pin
// any version.
type Unmatched struct {
	Rule    *Rule
	Package string
	Err     error
}

// MatchRules resolves rules against prog: every function each rule names,
// in each package it targets, in rule order then main package order then
// function order.
func MatchRules(prog *Program, rules []Rule) ([]Match, []Unmatched, error) {
	var out []Match
	var unmatched []Unmatched
	for i := range rules {
		r := &rules[i]
		if err := r.check(); err != nil {
			return nil, nil, err
		}
		var pkgs []*ssa.Package
		if r.Package == MainPackage {
			// The main function of a test binary is the go command's
			// (it always leaves through os.Exit): not a target.
			for _, m := range prog.Mains {
				if !prog.IsTest(m) {
					pkgs = append(pkgs, m)
				}
			}
		} else if p := prog.SSA.ImportedPackage(r.Package); p != nil {
			pkgs = []*ssa.Package{p}
		}
		for _, pkg := range pkgs {
			hook := r.Hook
			if hook != "" {
				var err error
				if hook, err = hookName(pkg.Pkg, r); err != nil {
					return nil, nil, err
				}
			}
			by := resolve(prog.SSA, r.InstrumentedBy)
			sinks := resolve(prog.SSA, r.Sinks)
			for _, name := range r.Funcs {
				fn, err := lookupFunc(prog.SSA, pkg.Pkg, name)
				if err == nil && fn.Syntax() == nil {
					err = fmt.Errorf("%s has no declaration syntax", fn)
				}
				if err != nil {
					if isStd(pkg.Pkg.Path()) || r.Package == MainPackage {
						return nil, nil, fmt.Errorf("ssaweave: rule %s: %w", r.Name, err)
					}
					unmatched = append(unmatched, Unmatched{Rule: r, Package: pkg.Pkg.Path(), Err: err})
					continue
				}
				decl, ok := fn.Syntax().(*ast.FuncDecl)
				if !ok {
					return nil, nil, fmt.Errorf("ssaweave: rule %s: %s has no declaration syntax", r.Name, fn)
				}
				out = append(out, Match{
					Rule:    r,
					Name:    name,
					Func:    fn,
					Package: pkg,
					Decl:    prog.Fset.Position(decl.Pos()),
					Hook:    hook,

					InstrumentedBy: by,
					Sinks:          sinks,
				})
			}
		}
	}
	return out, unmatched, nil
}

// resolve returns the functions refs name that the program contains, in
// the order of refs. A reference to a package the program does not link,
// or to a function its version lacks, names nothing: it cannot be reached.
func resolve(prog *ssa.Program, refs []FuncRef) []*ssa.Function {
	var out []*ssa.Function
	for _, ref := range refs {
		p := prog.ImportedPackage(ref.Package)
		if p == nil {
			continue
		}
		if fn, err := lookupFunc(prog, p.Pkg, ref.Func); err == nil {
			out = append(out, fn)
		}
	}
	return out
}

// isStd reports whether path is the import path of a standard-library
// package: its first element has no dot.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// check rejects rules that the planner could not act on.
func (r *Rule) check() error {
	switch {
	case r.Name == "" || r.Package == "" || len(r.Funcs) == 0:
		return fmt.Errorf("ssaweave: rule %q: name, package and function are required", r.Name)
	case r.Kind != EditNone && len(r.Funcs) != 1:
		return fmt.Errorf("ssaweave: rule %s: a rewriting rule names exactly one function", r.Name)
	case r.Kind != EditNone && r.Hook == "":
		return fmt.Errorf("ssaweave: rule %s: a rewriting rule needs a hook", r.Name)
	case r.HookPackage == "":
		return fmt.Errorf("ssaweave: rule %s: hook package is required", r.Name)
	case r.Role < Telemetry || r.Role > InstallsProvider:
		return fmt.Errorf("ssaweave: rule %s: unknown role %d", r.Name, r.Role)
	case r.Role == Telemetry && r.SpanKind == "":
		// The audit would have no word for its spans.
		return fmt.Errorf("ssaweave: rule %s: a telemetry rule needs a span kind", r.Name)
	case r.Role != Telemetry && r.SpanKind != "":
		// Only telemetry rules make spans: a kind elsewhere is a mistake.
		return fmt.Errorf("ssaweave: rule %s: only telemetry rules make spans, but its span kind is %q", r.Name, r.SpanKind)
	}
	return nil
}

// lookupFunc finds the function or method called name in pkg through the
// type checker's objects, so that a rule matches exactly one declaration
// whatever the source text looks like.
func lookupFunc(prog *ssa.Program, pkg *types.Package, name string) (*ssa.Function, error) {
	var obj *types.Func
	if typeName, method, ok := strings.Cut(name, "."); ok {
		tn, _ := pkg.Scope().Lookup(typeName).(*types.TypeName)
		if tn == nil || tn.IsAlias() {
			return nil, fmt.Errorf("%s has no named type %s", pkg.Path(), typeName)
		}
		named, _ := tn.Type().(*types.Named)
		if named == nil {
			return nil, fmt.Errorf("%s.%s is not a named type", pkg.Path(), typeName)
		}
		// The pointer's method set holds the methods of both receiver
		// kinds; a selection path of length one means declared on the
		// type itself, not promoted from an embedded field.
		sel := types.NewMethodSet(types.NewPointer(named)).Lookup(pkg, method)
		if sel == nil || len(sel.Index()) != 1 {
			return nil, fmt.Errorf("%s.%s declares no method %s", pkg.Path(), typeName, method)
		}
		obj = sel.Obj().(*types.Func)
		if named.TypeParams().Len() > 0 {
			return nil, fmt.Errorf("%s: methods of generic types are not supported as targets", name)
		}
	} else {
		obj, _ = pkg.Scope().Lookup(name).(*types.Func)
		if obj == nil {
			return nil, fmt.Errorf("%s declares no function %s", pkg.Path(), name)
		}
		if obj.Signature().TypeParams().Len() > 0 {
			return nil, fmt.Errorf("%s: generic functions are not supported as targets", name)
		}
	}
	fn := prog.FuncValue(obj)
	if fn == nil {
		return nil, fmt.Errorf("%s.%s has no SSA function", pkg.Path(), name)
	}
	return fn, nil
}

// hookName returns the identifier the rewrite of r declares in pkg. In a
// main package the generated function is ours to name, so a collision with
// the user's code is avoided by a suffix (_2, _3, ...). Elsewhere the name
// is bound by //go:linkname in the runtime and cannot change: a collision
// is an error.
func hookName(pkg *types.Package, r *Rule) (string, error) {
	if r.Package != MainPackage {
		if Declared(pkg, r.Hook) {
			return "", fmt.Errorf("ssaweave: rule %s: %s already declares %s", r.Name, pkg.Path(), r.Hook)
		}
		return r.Hook, nil
	}
	name := r.Hook
	for n := 2; Declared(pkg, name); n++ {
		name = r.Hook + "_" + strconv.Itoa(n)
	}
	return name, nil
}

// Declared reports whether name is declared at package level in pkg or
// imported under that name by one of its files: either would clash with a
// package-level declaration of the same name, such as a hook variable.
func Declared(pkg *types.Package, name string) bool {
	s := pkg.Scope()
	if s.Lookup(name) != nil {
		return true
	}
	for i := range s.NumChildren() {
		if s.Child(i).Lookup(name) != nil {
			return true
		}
	}
	return false
}
