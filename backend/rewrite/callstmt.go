package rewrite

import (
	"go/ast"
	"go/token"

	"github.com/dave/dst"

	"github.com/ssaweave/ssaweave/ssaweave"
)

// The forms of an EditCall (see ssaweave.EditCall).
const (
	formBracket = "bracket"
	formDefer   = "defer"
)

// findCall returns the declaration of the function e.Func that holds the
// call whose opening parenthesis is at e.Line and e.Col (perhaps nested in
// function literals), and records the statement that holds it, in a
// statement list, for callStmt. Like find, it refuses a plan made from
// other sources.
func (rw *rewriter) findCall(e ssaweave.Edit) (*dst.FuncDecl, error) {
	if e.Col <= 0 {
		return nil, rw.errorf(e, "call edit in function %s has no column", e.Func)
	}
	if !token.IsIdentifier(e.Ctx) {
		return nil, rw.errorf(e, "call edit in function %s: context %q is not an identifier", e.Func, e.Ctx)
	}
	if e.Form != formBracket && e.Form != formDefer {
		return nil, rw.errorf(e, "call edit in function %s: unknown form %q (want %s or %s)", e.Func, e.Form, formBracket, formDefer)
	}
	decls := rw.declsOf(e.Func)
	for _, fd := range decls {
		found := rw.callTarget(fd, e)
		if found == nil {
			continue
		}
		found.idents, found.declared = funcNames(fd)
		dst.Inspect(fd.Body, func(n dst.Node) bool {
			if b, ok := n.(*dst.BranchStmt); ok && b.Tok == token.GOTO {
				found.hasGoto = true
			}
			return !found.hasGoto
		})
		if found.hasGoto {
			// Statements inserted next to the call could be jumped over;
			// the planner does not ask for this.
			return nil, rw.errorf(e, "call edit in function %s: the function uses goto", e.Func)
		}
		if rw.gos == nil {
			rw.gos = map[ssaweave.Edit]*goTarget{}
		}
		rw.gos[e] = found
		return fd, nil
	}
	if len(decls) > 0 {
		return nil, rw.errorf(e, "no call at %d:%d in function %s (plan is stale?)", e.Line, e.Col, e.Func)
	}
	return nil, rw.errorf(e, "function %s not found (plan is stale?)", e.Func)
}

// callTarget finds, in fd, the call of e and the innermost statement that
// holds it in a statement list (a block, or a case or select clause), as
// the planner chose it; nil when there is no such call.
func (rw *rewriter) callTarget(fd *dst.FuncDecl, e ssaweave.Edit) *goTarget {
	var stack []dst.Node
	var found *goTarget
	dst.Inspect(fd.Body, func(n dst.Node) bool {
		if found != nil {
			return false
		}
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		stack = append(stack, n)
		call, ok := n.(*dst.CallExpr)
		if !ok {
			return true
		}
		ac, ok := rw.dec.Map.Ast.Nodes[call].(*ast.CallExpr)
		if !ok {
			return true
		}
		p := rw.position(ac.Lparen)
		if p.Line != e.Line || p.Column != e.Col {
			return true
		}
		for i := len(stack) - 2; i >= 0; i-- {
			s, ok := stack[i+1].(dst.Stmt)
			if !ok {
				continue
			}
			switch stack[i].(type) {
			case *dst.BlockStmt, *dst.CaseClause, *dst.CommClause:
				found = &goTarget{stmt: s, parent: stack[i], pos: p, start: p}
				if as, ok := rw.dec.Map.Ast.Nodes[s].(ast.Stmt); ok {
					found.start, found.end = rw.position(as.Pos()), rw.position(as.End())
				}
				return false
			}
		}
		return false
	})
	return found
}

// callStmt implements ssaweave.EditCall: by e.Form, the bracket goStmt
// documents around the statement holding the call, or
//
//	if h := Hook; h != nil {
//		defer h(ctx)()
//	}
//
// right before it, positioned at the call, so that the previous span
// context comes back when the function returns.
func (rw *rewriter) callStmt(fn *function, e ssaweave.Edit) error {
	if e.Form == formBracket {
		return rw.bracket(fn, e, "statement holding the call")
	}
	t := rw.gos[e]
	_, h, err := rw.prepareContextEdit(fn, e, t)
	if err != nil {
		return err
	}
	hookType, _ := bindType(ssaweave.BindGoContext)
	rw.addHookVar(fn, e.Hook, hookType)
	deferred := &dst.DeferStmt{Call: &dst.CallExpr{Fun: &dst.CallExpr{Fun: dst.NewIdent(h), Args: []dst.Expr{dst.NewIdent(e.Ctx)}}}}
	start := &dst.IfStmt{
		Init: &dst.AssignStmt{Lhs: []dst.Expr{dst.NewIdent(h)}, Tok: token.DEFINE, Rhs: []dst.Expr{dst.NewIdent(e.Hook)}},
		Cond: &dst.BinaryExpr{X: dst.NewIdent(h), Op: token.NEQ, Y: dst.NewIdent("nil")},
		Body: &dst.BlockStmt{List: []dst.Stmt{deferred}},
	}
	// The inserted statement takes the comments and spacing before the
	// statement, which then starts a line of its own, at its line.
	sd := t.stmt.Decorations()
	start.Decs.Before, start.Decs.Start = sd.Before, sd.Start
	sd.Before, sd.Start = dst.NewLine, nil
	if !rw.replaceStmt(t, start, t.stmt) {
		return rw.errorf(e, "internal error: the statement holding the call at %d:%d in function %s moved", e.Line, e.Col, e.Func)
	}
	for _, s := range []dst.Stmt{start, deferred} {
		rw.anchorStmt(s, t.start)
	}
	rw.anchored[t.stmt] = false
	rw.anchorStmt(t.stmt, t.start)
	rw.anchorClose(start.Body, t.start)
	return nil
}
