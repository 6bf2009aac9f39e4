package analysis

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
)

// GoStmt is one go statement of the main module, with what the analysis
// found out about the trace context the goroutine could inherit.
//
// A goroutine that receives no context cannot put its spans in the trace
// of the request that started it: its calls start from
// context.Background(). The planner weaves such a go statement so that the
// runtime hands the span context live at the statement to the goroutine
// (see ssaweave.EditGo), when three things hold: the goroutine does not
// already receive a context (Receives is empty), a context is in scope at
// the statement (Ctx is set), and something the goroutine can call makes
// spans (which needs the call graph, so the planner decides it).
type GoStmt struct {
	// Instrs are the SSA instructions of the statement in the functions
	// Load built from its syntax: one, or none when the statement is in
	// code SSA does not build (a generic function's instances are found
	// in the call graph instead; see the planner).
	Instrs []*ssa.Go
	// Func is the function whose body holds the statement, perhaps a
	// function literal (for a generic function, its generic form).
	Func *ssa.Function
	// Package is the package of the statement.
	Package *ssa.Package
	// Go is the go keyword.
	Go token.Pos
	// Pos is the position of the go keyword, line directives applied (the
	// file the user edits, the line the compiler reports).
	Pos token.Position
	// File is the file the compiler reads, line directives not applied:
	// the file whose edits hold the rewrite.
	File string
	// Decl names the top-level function declaration that holds the
	// statement as edits name functions: "F" or "Type.Method". Empty when
	// the statement is in a function literal outside any function (a
	// package-level variable's initializer), which the rewrite does not
	// support.
	Decl string
	// Index is the statement's rank among the go statements of Decl, in
	// source order, from 1: it names the hook without depending on lines.
	Index int
	// Receives, when not empty, says how the goroutine already receives a
	// context: "argument ctx (context.Context)", "closure variable r
	// (*net/http.Request)". It then needs nothing woven.
	Receives string
	// Ctx is the identifier of the context the goroutine should inherit:
	// the innermost context.Context or *net/http.Request variable in scope
	// at the go statement, declared before it and not shadowed there. Empty
	// when there is none.
	Ctx string
	// CtxType is Ctx's type: "context.Context" or "*net/http.Request".
	CtxType string
	// Escaping, when Ctx is empty, names a context in scope that the
	// statement cannot use: it is declared outside the function literal
	// that holds the statement, which does not capture it and may outlive
	// the call that made it (it escapes). Referring to it there would make
	// the literal capture it, and so keep a request alive as long as the
	// literal. The goroutines the statement starts still inherit what the
	// goroutine running the literal inherited.
	Escaping string
}

// GoStatements finds every go statement of the main module's packages
// (Program.Own), in file then source order, and for each tells whether the
// goroutine receives a context already and which context is in scope.
//
// Whether a goroutine receives a context is a question about values, so it
// is answered on SSA: the go instruction's arguments, the receiver of an
// interface call, and, when the goroutine runs a function literal, the
// variables the closure captures (the bindings of its MakeClosure). A value
// counts when its type is or contains (through pointers, struct fields,
// elements of arrays, slices, maps and channels) a context.Context, a type
// implementing it, or an *http.Request. The context in scope is a question
// about names, answered with go/types scopes at the go keyword: the
// rewrite inserts that name next to the statement, so it must resolve
// there to that very variable.
func GoStatements(prog *Program) []GoStmt {
	ctxIface := contextInterface(prog)
	var out []GoStmt
	for _, pkg := range prog.Own {
		spkg := prog.SSA.Package(pkg.Types)
		if spkg == nil {
			continue
		}
		for _, f := range pkg.Syntax {
			out = append(out, fileGoStmts(prog, pkg, spkg, f, ctxIface)...)
		}
	}
	slices.SortStableFunc(out, func(a, b GoStmt) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Pos.Offset, b.Pos.Offset))
	})
	return out
}

// contextInterface returns the type context.Context, or nil when the
// program does not link package context (then nothing is a context).
func contextInterface(prog *Program) *types.Interface {
	p := prog.SSA.ImportedPackage("context")
	if p == nil {
		return nil
	}
	m := p.Type("Context")
	if m == nil {
		return nil
	}
	iface, _ := m.Type().Underlying().(*types.Interface)
	return iface
}

// fileGoStmts returns the go statements of one file.
func fileGoStmts(prog *Program, pkg *packages.Package, spkg *ssa.Package, f *ast.File, ctxIface *types.Interface) []GoStmt {
	var out []GoStmt
	for _, d := range f.Decls {
		var gos []*ast.GoStmt
		ast.Inspect(d, func(n ast.Node) bool {
			if g, ok := n.(*ast.GoStmt); ok {
				gos = append(gos, g)
			}
			return true
		})
		if len(gos) == 0 {
			continue
		}
		// The SSA of the declaration: a function and its function
		// literals, or for a variable declaration the package
		// initializer's literals.
		var roots []*ssa.Function
		decl := ""
		if fd, ok := d.(*ast.FuncDecl); ok {
			if fn := declFunc(prog, pkg, fd); fn != nil {
				roots = append(roots, fn)
			}
			decl = declName(fd)
		} else if init := spkg.Func("init"); init != nil {
			roots = append(roots, init)
		}
		instrs := goInstrs(roots)
		for i, g := range gos {
			gs := GoStmt{
				Package: spkg,
				Go:      g.Go,
				Pos:     prog.Fset.Position(g.Go),
				File:    prog.Fset.PositionFor(g.Go, false).Filename,
				Decl:    decl,
				Index:   i + 1,
			}
			for _, in := range instrs[g.Go] {
				gs.Instrs = append(gs.Instrs, in)
				if gs.Func == nil {
					gs.Func = in.Parent()
				}
			}
			if gs.Func == nil && len(roots) > 0 {
				gs.Func = roots[0]
			}
			if len(gs.Instrs) > 0 {
				gs.Receives = receivesContext(gs.Instrs[0], g, ctxIface)
			}
			usable := func(v *types.Var) bool { return gs.Func == nil || capturable(gs.Func, v) }
			gs.Ctx, gs.CtxType, gs.Escaping = contextInScope(pkg.Types, g.Go, ctxIface, usable)
			out = append(out, gs)
		}
	}
	return out
}

// goInstrs maps the position of each go instruction in the functions roots
// and their function literals (transitively) to the instructions.
func goInstrs(roots []*ssa.Function) map[token.Pos][]*ssa.Go {
	m := map[token.Pos][]*ssa.Go{}
	var visit func(fn *ssa.Function)
	visit = func(fn *ssa.Function) {
		for _, b := range fn.Blocks {
			for _, in := range b.Instrs {
				if g, ok := in.(*ssa.Go); ok {
					m[g.Pos()] = append(m[g.Pos()], g)
				}
			}
		}
		for _, anon := range fn.AnonFuncs {
			visit(anon)
		}
	}
	for _, fn := range roots {
		visit(fn)
	}
	return m
}

// receivesContext says how the goroutine that g (the SSA of the go
// statement gs) starts receives a context, or returns "". Values are named
// as the source writes them.
func receivesContext(g *ssa.Go, gs *ast.GoStmt, ctxIface *types.Interface) string {
	c := g.Common()
	// recvExpr is the receiver in the source: x in x.M(...).
	recvExpr := func() string {
		if sel, ok := ast.Unparen(gs.Call.Fun).(*ast.SelectorExpr); ok {
			return types.ExprString(sel.X)
		}
		return types.ExprString(gs.Call.Fun)
	}
	if c.IsInvoke() && containsContext(c.Value.Type(), ctxIface, nil) {
		return fmt.Sprintf("receiver %s (%s)", recvExpr(), typeString(c.Value.Type()))
	}
	// A static call of a method passes the receiver as the first
	// argument.
	recv := 0
	if fn, ok := c.Value.(*ssa.Function); ok && fn.Signature.Recv() != nil {
		recv = 1
	}
	for i, a := range c.Args {
		if !containsContext(a.Type(), ctxIface, nil) {
			continue
		}
		if i < recv {
			return fmt.Sprintf("receiver %s (%s)", recvExpr(), typeString(a.Type()))
		}
		name := a.Name()
		if j := i - recv; j < len(gs.Call.Args) {
			name = types.ExprString(gs.Call.Args[j])
		}
		return fmt.Sprintf("argument %s (%s)", name, typeString(a.Type()))
	}
	if mc, ok := c.Value.(*ssa.MakeClosure); ok {
		fn := mc.Fn.(*ssa.Function)
		for i, b := range mc.Bindings {
			if !containsContext(b.Type(), ctxIface, nil) {
				continue
			}
			if fn.Parent() == nil {
				// A method value: the binding is its receiver.
				return fmt.Sprintf("receiver of method value %s (%s)", types.ExprString(gs.Call.Fun), typeString(b.Type()))
			}
			// A function literal captures variables by address.
			t := b.Type()
			if p, ok := t.Underlying().(*types.Pointer); ok {
				t = p.Elem()
			}
			return fmt.Sprintf("closure variable %s (%s)", fn.FreeVars[i].Name(), typeString(t))
		}
	}
	return ""
}

// typeString prints t with full package paths.
func typeString(t types.Type) string {
	return types.TypeString(t, nil)
}

// containsContext reports whether a value of type t carries a context: t is
// *net/http.Request, implements context.Context (ctxIface, nil when the
// program has no context package), or holds such a value through pointers,
// struct fields, or elements of arrays, slices, maps and channels. Function
// types do not count: a function that takes a context does not carry one.
func containsContext(t types.Type, ctxIface *types.Interface, seen map[types.Type]bool) bool {
	t = types.Unalias(t)
	if isPointerTo(t, "net/http", "Request") {
		return true
	}
	if ctxIface != nil {
		if _, isSig := t.Underlying().(*types.Signature); !isSig && types.Implements(t, ctxIface) {
			return true
		}
	}
	if named, ok := t.(*types.Named); ok {
		if seen[named] {
			return false
		}
		if seen == nil {
			seen = map[types.Type]bool{}
		}
		seen[named] = true
		return containsContext(named.Underlying(), ctxIface, seen)
	}
	switch u := t.(type) {
	case *types.Pointer:
		return containsContext(u.Elem(), ctxIface, seen)
	case *types.Slice:
		return containsContext(u.Elem(), ctxIface, seen)
	case *types.Array:
		return containsContext(u.Elem(), ctxIface, seen)
	case *types.Chan:
		return containsContext(u.Elem(), ctxIface, seen)
	case *types.Map:
		return containsContext(u.Key(), ctxIface, seen) || containsContext(u.Elem(), ctxIface, seen)
	case *types.Struct:
		for i := range u.NumFields() {
			if containsContext(u.Field(i).Type(), ctxIface, seen) {
				return true
			}
		}
	}
	return false
}

// contextInScope returns the name and kind of the context a go statement
// at pos should pass on: among the variables of type context.Context or
// *net/http.Request visible at pos (local to a function: package-level
// variables are not request-scoped), the one of the innermost scope; in one
// scope a context.Context before a request (it may be derived from it),
// then the one declared last. A name only counts if it resolves, at pos,
// to that very variable (declared before pos and not shadowed), and if
// usable accepts the variable; otherwise, skipped is the name of the best
// variable usable refused.
func contextInScope(pkg *types.Package, pos token.Pos, ctxIface *types.Interface, usable func(*types.Var) bool) (name, kind, skipped string) {
	if ctxIface == nil {
		return "", "", ""
	}
	inner := pkg.Scope().Innermost(pos)
	for s := inner; s != nil && s != pkg.Scope() && s != types.Universe; s = s.Parent() {
		var best *types.Var
		bestKind := ""
		for _, n := range s.Names() {
			v, ok := s.Lookup(n).(*types.Var)
			if !ok || n == "_" {
				continue
			}
			k := ""
			switch {
			case isNamed(v.Type(), "context", "Context"):
				k = "context.Context"
			case isPointerTo(v.Type(), "net/http", "Request"):
				k = "*net/http.Request"
			default:
				continue
			}
			if _, obj := inner.LookupParent(n, pos); obj != v {
				continue // declared after pos, or shadowed there
			}
			if !usable(v) {
				if skipped == "" {
					skipped = n
				}
				continue
			}
			if best == nil || rank(k) < rank(bestKind) || rank(k) == rank(bestKind) && v.Pos() > best.Pos() {
				best, bestKind = v, k
			}
		}
		if best != nil {
			return best.Name(), bestKind, ""
		}
	}
	return "", "", skipped
}

// capturable reports whether code in fn can refer to v, a local variable
// of fn or of a function enclosing it, without extending v's lifetime: v
// is declared in fn, or fn captures it already, or no function literal
// between fn and the function that declares v escapes (each is only
// called, or deferred, where it is made), so that capturing v there keeps
// it no longer than the call that made the literal.
func capturable(fn *ssa.Function, v *types.Var) bool {
	for f := fn; f != nil; f = f.Parent() {
		if syn := f.Syntax(); syn != nil && syn.Pos() <= v.Pos() && v.Pos() < syn.End() {
			return true
		}
		for _, fv := range f.FreeVars {
			if fv.Name() == v.Name() && fv.Pos() == v.Pos() {
				return true
			}
		}
		if f.Parent() == nil || escapes(f) {
			return false
		}
	}
	return false
}

// escapes reports whether the function literal fn may be used otherwise
// than called or deferred in the function that makes it: stored, passed,
// returned, or run by a go statement.
func escapes(fn *ssa.Function) bool {
	calledOnly := func(v ssa.Value, refs []ssa.Instruction) bool {
		for _, r := range refs {
			switch r := r.(type) {
			case *ssa.Call, *ssa.Defer:
				c := r.(ssa.CallInstruction).Common()
				if c.Value != v || slices.Contains(c.Args, v) {
					return false
				}
			default:
				return false
			}
		}
		return true
	}
	parent := fn.Parent()
	var rands []*ssa.Value
	for _, b := range parent.Blocks {
		for _, in := range b.Instrs {
			if mc, ok := in.(*ssa.MakeClosure); ok && mc.Fn == fn {
				if refs := mc.Referrers(); refs == nil || !calledOnly(mc, *refs) {
					return true
				}
				continue
			}
			// A literal without free variables is used as a function
			// value directly.
			for _, op := range in.Operands(rands[:0]) {
				if *op == fn && !calledOnly(fn, []ssa.Instruction{in}) {
					return true
				}
			}
		}
	}
	return false
}

// rank orders the kinds of context contextInScope prefers within a scope.
func rank(kind string) int {
	if kind == "context.Context" {
		return 0
	}
	return 1
}
