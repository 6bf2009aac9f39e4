package analysis

import (
	"cmp"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/ast/astutil"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/types/typeutil"
)

// The ways an EditCall hands the context in scope to a call; see
// CallSite.Form.
const (
	// CallBracket sets the context before the statement that holds the
	// call and restores the previous one right after it.
	CallBracket = "bracket"
	// CallDefer sets the context before the statement and restores the
	// previous one when the function returns (a deferred call).
	CallDefer = "defer"
)

// CallSite is a call, in the main module's code, of a function that some
// rule lists in Rule.ContextFree: an API that takes no context.Context, so
// that the span its rule makes starts from context.Background() and,
// woven at the callee alone, starts a trace of its own even inside a
// request. The planner weaves such a call at the call site (EditCall): the
// runtime hands the span context of the context in scope there to the
// spans the call makes, for the duration of the call.
//
// The context is found as for go statements (see GoStmt.Ctx): the
// innermost context.Context or *http.Request variable in scope at the
// call, which code there can refer to without extending its lifetime.
type CallSite struct {
	// Owner names what makes the callee's spans: the rule whose
	// ContextFree lists the callee, or FuncSpanOwner for a function of
	// the program with a function span and no context parameter.
	Owner string
	// Callee is the function called.
	Callee FuncRef
	// Package is the package of the call.
	Package *ssa.Package
	// Func is the function whose body holds the call, perhaps a function
	// literal (for a generic function, its generic form); nil when SSA
	// has no function there.
	Func *ssa.Function
	// Lparen is the call's opening parenthesis: the position go/ssa and
	// the compiler give a call.
	Lparen token.Pos
	// Pos is Lparen with line directives applied (the file the user
	// edits).
	Pos token.Position
	// File is the file the compiler reads, line directives not applied:
	// the file whose edits hold the rewrite.
	File string
	// Decl names the top-level function declaration that holds the call
	// as edits name functions: "F" or "Type.Method"; empty outside any
	// function declaration.
	Decl string
	// Index is the call's rank among the call sites of Decl, in source
	// order, from 1: it names the hook without depending on lines.
	Index int
	// Ctx and CtxType are the context in scope, as for GoStmt; empty when
	// there is none. Escaping is as for GoStmt.
	Ctx, CtxType, Escaping string
	// Form is how the rewrite hands over the context: CallBracket around
	// the statement holding the call when control cannot leave that
	// statement other than by its end, else CallDefer when the statement
	// is not in a loop (the deferred restore then runs once per call of
	// the function). Empty when Refused is set.
	Form string
	// Refused, when not empty, says why the call cannot be woven at its
	// site.
	Refused string
}

// FuncSpanOwner is CallSite.Owner for calls of functions with a function
// span (//ssaweave:span, ssaweave.yaml, path spans) that take neither a
// context.Context nor an *http.Request: their span, too, gets its parent
// from the call site.
const FuncSpanOwner = "function.span"

// contextFreeKey names a function for the lookup of Rule.ContextFree:
// "path.Func" or "path.Type.Method".
func contextFreeKey(pkg, name string) string { return pkg + "." + name }

// CallSites finds every call, in the main module's packages (Program.Own),
// of a function that a rule in rules lists in ContextFree, or of a function
// of spans that has no parent parameter, in file then source order, with
// the context in scope and how the call can be rewritten. Calls that a go
// or defer statement makes are not call sites: go statements are woven as
// such (GoStmt), and a deferred call runs when the function returns,
// outside any statement.
func CallSites(prog *Program, rules []Rule, spans []FuncSpan) []CallSite {
	type target struct {
		owner string
		ref   FuncRef
	}
	wanted := map[string]target{}
	for i := range rules {
		for _, ref := range rules[i].ContextFree {
			wanted[contextFreeKey(ref.Package, ref.Func)] = target{rules[i].Name, ref}
		}
	}
	for _, fs := range spans {
		if fs.Refused == "" && fs.Parent == "" && fs.Func != nil && fs.Func.Pkg != nil {
			ref := FuncRef{fs.Func.Pkg.Pkg.Path(), fs.Name}
			wanted[contextFreeKey(ref.Package, ref.Func)] = target{FuncSpanOwner, ref}
		}
	}
	if len(wanted) == 0 {
		return nil
	}
	ctxIface := contextInterface(prog)
	var out []CallSite
	for _, pkg := range prog.Own {
		spkg := prog.SSA.Package(pkg.Types)
		if spkg == nil {
			continue
		}
		for _, f := range pkg.Syntax {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				index := 0
				ast.Inspect(fd.Body, func(n ast.Node) bool {
					call, ok := n.(*ast.CallExpr)
					if !ok {
						return true
					}
					callee := typeutil.StaticCallee(pkg.TypesInfo, call)
					if callee == nil || callee.Pkg() == nil {
						return true
					}
					w, ok := wanted[contextFreeKey(callee.Pkg().Path(), funcName(callee))]
					if !ok {
						return true
					}
					cs, ok := callSite(prog, pkg, spkg, f, fd, call, ctxIface)
					if !ok {
						return true
					}
					index++
					cs.Owner, cs.Callee, cs.Index = w.owner, w.ref, index
					out = append(out, cs)
					return true
				})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b CallSite) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Pos.Offset, b.Pos.Offset))
	})
	return out
}

// funcName names fn as rules do: "Func", or "Type.Method" without the
// pointer or type arguments.
func funcName(fn *types.Func) string {
	sig, _ := fn.Type().(*types.Signature)
	if sig == nil || sig.Recv() == nil {
		return fn.Name()
	}
	t := sig.Recv().Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := types.Unalias(t).(*types.Named); ok {
		return n.Obj().Name() + "." + fn.Name()
	}
	return fn.Name()
}

// callSite describes the call in fd; ok is false for a call that go or
// defer makes.
func callSite(prog *Program, pkg *packages.Package, spkg *ssa.Package, f *ast.File, fd *ast.FuncDecl, call *ast.CallExpr, ctxIface *types.Interface) (CallSite, bool) {
	path, _ := astutil.PathEnclosingInterval(f, call.Lparen, call.Lparen+1)
	// path[0] may be the call's Fun or an argument around Lparen: start
	// at the call itself.
	for len(path) > 0 && path[0] != call {
		path = path[1:]
	}
	if len(path) > 1 {
		switch s := path[1].(type) {
		case *ast.GoStmt:
			if s.Call == call {
				return CallSite{}, false
			}
		case *ast.DeferStmt:
			if s.Call == call {
				return CallSite{}, false
			}
		}
	}
	cs := CallSite{
		Package: spkg,
		Lparen:  call.Lparen,
		Pos:     prog.Fset.Position(call.Lparen),
		File:    prog.Fset.PositionFor(call.Lparen, false).Filename,
		Decl:    declName(fd),
	}
	if fn := declFunc(prog, pkg, fd); fn != nil {
		cs.Func = innermostFunc(fn, call.Lparen)
	}
	usable := func(v *types.Var) bool { return cs.Func == nil || capturable(cs.Func, v) }
	cs.Ctx, cs.CtxType, cs.Escaping = contextInScope(pkg.Types, call.Lparen, ctxIface, usable)
	cs.Form, cs.Refused = callForm(path, fd)
	return cs, true
}

// innermostFunc returns the function literal of fn (transitively) whose
// body holds pos, or fn.
func innermostFunc(fn *ssa.Function, pos token.Pos) *ssa.Function {
	for {
		var inner *ssa.Function
		for _, anon := range fn.AnonFuncs {
			if syn := anon.Syntax(); syn != nil && syn.Pos() <= pos && pos < syn.End() {
				inner = anon
				break
			}
		}
		if inner == nil {
			return fn
		}
		fn = inner
	}
}

// callForm decides how the call at the head of path (path[0], its
// ancestors after it, up to the file) can hand over its context: the
// statement holding it, in a statement list, is bracketed when control
// can leave it only through its end; otherwise, outside loops, the
// context is set before it and restored when the function returns.
// Calls in a loop in a statement that can jump out are refused: a
// deferred restore per iteration would pile up, and a bracket would be
// skipped by the jump and leave the context set.
func callForm(path []ast.Node, fd *ast.FuncDecl) (form, refused string) {
	hasGoto := false
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		if b, ok := n.(*ast.BranchStmt); ok && b.Tok == token.GOTO {
			hasGoto = true
		}
		return !hasGoto
	})
	if hasGoto {
		return "", "the function uses goto, around which ssaweave does not insert statements"
	}
	// The statement in a list that holds the call.
	var stmt ast.Stmt
	at := 0
	for i := 1; i < len(path); i++ {
		s, ok := path[i-1].(ast.Stmt)
		if !ok {
			continue
		}
		switch path[i].(type) {
		case *ast.BlockStmt, *ast.CaseClause, *ast.CommClause:
			stmt, at = s, i-1
		}
		if stmt != nil {
			break
		}
	}
	if stmt == nil {
		return "", "the call is not inside a statement list (a function literal in a package-level declaration?)"
	}
	inLoop := false
	for _, n := range path[at+1:] {
		switch n.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			inLoop = true
		case *ast.FuncLit, *ast.FuncDecl:
		default:
			continue
		}
		break
	}
	if _, ok := stmt.(*ast.ReturnStmt); ok {
		// The deferred restore runs right after this very return.
		return CallDefer, ""
	}
	if !leaves(stmt) {
		return CallBracket, ""
	}
	if !inLoop {
		return CallDefer, ""
	}
	return "", "the call is in a loop, in a statement that return, break or continue can leave before its end: neither a bracket around the statement nor a deferred restore fits"
}

// leaves reports whether control can leave s other than through its end: a
// return, or a break or continue whose target is outside s. Function
// literals inside s do not count (their returns leave only themselves).
func leaves(s ast.Stmt) bool {
	// Labels declared inside s: branches to them stay inside.
	inner := map[string]bool{}
	ast.Inspect(s, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		if l, ok := n.(*ast.LabeledStmt); ok {
			inner[l.Label.Name] = true
		}
		return true
	})
	out := false
	var visit func(n ast.Node, breakable, loop bool)
	visit = func(n ast.Node, breakable, loop bool) {
		ast.Inspect(n, func(m ast.Node) bool {
			if out {
				return false
			}
			switch m := m.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ReturnStmt:
				out = true
				return false
			case *ast.BranchStmt:
				switch {
				case m.Label != nil:
					out = out || !inner[m.Label.Name]
				case m.Tok == token.BREAK:
					out = out || !breakable
				case m.Tok == token.CONTINUE:
					out = out || !loop
				}
				return false
			case *ast.ForStmt:
				if m != n {
					visit(m, true, true)
					return false
				}
			case *ast.RangeStmt:
				if m != n {
					visit(m, true, true)
					return false
				}
			case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
				if m != n {
					visit(m, true, loop)
					return false
				}
			}
			return true
		})
	}
	switch s.(type) {
	case *ast.ForStmt, *ast.RangeStmt:
		visit(s, true, true)
	case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
		visit(s, true, false)
	default:
		visit(s, false, false)
	}
	return out
}
