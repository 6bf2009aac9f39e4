package rewrite

import (
	"go/ast"
	"go/token"
	"slices"
	"strings"

	"github.com/dave/dst"
	"github.com/dave/dst/dstutil"

	"github.com/ssaweave/ssaweave/ssaweave"
)

// goTarget is the statement an EditGo or EditCall rewrites, located
// before any edit changes the tree: the statement (the go statement, or
// the statement holding the call) and the node whose statement list (or,
// for a labeled statement, whose statement) holds it.
type goTarget struct {
	stmt   dst.Stmt
	parent dst.Node
	pos    token.Position // of the go keyword or the call's opening parenthesis, in the original file
	start  token.Position // of the statement's start: pos for a go statement
	end    token.Position // of the statement's end

	// idents are the identifiers of the original function, and declared
	// those it declares (parameters, results, locals, types): taken
	// before other edits of the function rename things or move its body.
	idents, declared map[string]bool
	// hasGoto says the function has a goto statement.
	hasGoto bool
}

// findGo returns the declaration of the function e.Func that holds the go
// statement at e.Line and e.Col (perhaps nested in function literals), and
// records the statement for goStmt. Like find, it refuses a plan made from
// other sources.
func (rw *rewriter) findGo(e ssaweave.Edit) (*dst.FuncDecl, error) {
	if e.Col <= 0 {
		return nil, rw.errorf(e, "go edit in function %s has no column", e.Func)
	}
	if !token.IsIdentifier(e.Ctx) {
		return nil, rw.errorf(e, "go edit in function %s: context %q is not an identifier", e.Func, e.Ctx)
	}
	decls := rw.declsOf(e.Func)
	for _, fd := range decls {
		var found *goTarget
		dstutil.Apply(fd.Body, func(c *dstutil.Cursor) bool {
			g, ok := c.Node().(*dst.GoStmt)
			if !ok || found != nil {
				return found == nil
			}
			p := rw.origPos(g)
			if p.Line != e.Line || p.Column != e.Col {
				return true
			}
			found = &goTarget{stmt: g, parent: c.Parent(), pos: p, start: p}
			if an, ok := rw.dec.Map.Ast.Nodes[g].(*ast.GoStmt); ok {
				found.end = rw.position(an.End())
			}
			return false
		}, nil)
		if found == nil {
			continue
		}
		switch found.parent.(type) {
		case *dst.BlockStmt, *dst.CaseClause, *dst.CommClause, *dst.LabeledStmt:
		default:
			return nil, rw.errorf(e, "go statement at %d:%d in function %s is in a %T, which cannot hold a block", e.Line, e.Col, e.Func, found.parent)
		}
		found.idents, found.declared = funcNames(fd)
		dst.Inspect(fd.Body, func(n dst.Node) bool {
			if b, ok := n.(*dst.BranchStmt); ok && b.Tok == token.GOTO {
				found.hasGoto = true
			}
			return !found.hasGoto
		})
		if rw.gos == nil {
			rw.gos = map[ssaweave.Edit]*goTarget{}
		}
		rw.gos[e] = found
		return fd, nil
	}
	if len(decls) > 0 {
		return nil, rw.errorf(e, "no go statement at %d:%d in function %s (plan is stale?)", e.Line, e.Col, e.Func)
	}
	return nil, rw.errorf(e, "function %s not found (plan is stale?)", e.Func)
}

// declsOf returns the declarations with a body of the function named as
// edits name it ("F" or "Type.Method"): several for init functions.
func (rw *rewriter) declsOf(name string) []*dst.FuncDecl {
	recv, fname, isMethod := strings.Cut(name, ".")
	if !isMethod {
		fname, recv = recv, ""
	}
	var out []*dst.FuncDecl
	for _, d := range rw.file.Decls {
		fd, ok := d.(*dst.FuncDecl)
		if !ok || fd.Name.Name != fname || fd.Body == nil {
			continue
		}
		if isMethod != (fd.Recv != nil) || isMethod && (len(fd.Recv.List) != 1 || recvTypeName(fd.Recv.List[0].Type) != recv) {
			continue
		}
		out = append(out, fd)
	}
	return out
}

// goStmt implements ssaweave.EditGo: it replaces `go f(a, b)` with
//
//	var restore func()
//	if h := Hook; h != nil {
//		restore = h(ctx)
//	}
//	go f(a, b)
//	if restore != nil {
//		restore()
//	}
//
// restore and h being names the function uses nowhere, so that they hide
// nothing the go statement, ctx, or the code after them refer to.
//
// The go statement is kept, once: duplicating it in both branches of an if
// would duplicate any function literal in it, renumbering the literals
// (funcN) that stack traces and profiles name. It is not nested either, so
// that it and everything in it keep their lines and columns. Only where a
// declaration of restore could be jumped over by a goto (the function has
// a goto) or cannot stand (the statement is labeled) are the statements
// wrapped in a block, which indents what the go statement spans by one
// level: columns there are then off by one tab, lines are not. The
// injected statements are positioned at the line of the go keyword, and
// the closing brace after restore at the statement's last line, so that
// what follows keeps its lines.
func (rw *rewriter) goStmt(fn *function, e ssaweave.Edit) error {
	return rw.bracket(fn, e, "go statement")
}

// bracket sets the span context of e.Ctx around the statement of e's
// target (what), as goStmt documents, restoring the previous one right
// after it.
func (rw *rewriter) bracket(fn *function, e ssaweave.Edit, what string) error {
	t := rw.gos[e]
	restore, h, err := rw.prepareContextEdit(fn, e, t)
	if err != nil {
		return err
	}
	hookType, _ := bindType(ssaweave.BindGoContext)
	rw.addHookVar(fn, e.Hook, hookType)

	// var restore func()
	decl := &dst.DeclStmt{Decl: &dst.GenDecl{Tok: token.VAR, Specs: []dst.Spec{&dst.ValueSpec{
		Names: []*dst.Ident{dst.NewIdent(restore)},
		Type:  &dst.FuncType{Func: true, Params: &dst.FieldList{Opening: true, Closing: true}},
	}}}}
	// if h := Hook; h != nil { restore = h(ctx) }
	set := &dst.AssignStmt{
		Lhs: []dst.Expr{dst.NewIdent(restore)},
		Tok: token.ASSIGN,
		Rhs: []dst.Expr{&dst.CallExpr{Fun: dst.NewIdent(h), Args: []dst.Expr{dst.NewIdent(e.Ctx)}}},
	}
	start := &dst.IfStmt{
		Init: &dst.AssignStmt{Lhs: []dst.Expr{dst.NewIdent(h)}, Tok: token.DEFINE, Rhs: []dst.Expr{dst.NewIdent(e.Hook)}},
		Cond: &dst.BinaryExpr{X: dst.NewIdent(h), Op: token.NEQ, Y: dst.NewIdent("nil")},
		Body: &dst.BlockStmt{List: []dst.Stmt{set}},
	}
	// if restore != nil { restore() }
	call := &dst.ExprStmt{X: &dst.CallExpr{Fun: dst.NewIdent(restore)}}
	end := &dst.IfStmt{
		Cond: &dst.BinaryExpr{X: dst.NewIdent(restore), Op: token.NEQ, Y: dst.NewIdent("nil")},
		Body: &dst.BlockStmt{List: []dst.Stmt{call}},
	}
	stmts := []dst.Stmt{decl, start, t.stmt, end}

	// The injected statements take the comments and spacing before the
	// statement (and a position directive another edit may have put
	// there); its trailing comment stays on its line.
	gd := t.stmt.Decorations()
	first, last := dst.Stmt(decl), dst.Stmt(end)
	_, labeled := t.parent.(*dst.LabeledStmt)
	var block *dst.BlockStmt
	if labeled || t.hasGoto {
		block = &dst.BlockStmt{List: stmts}
		first, last = block, block
	}
	first.Decorations().Before, first.Decorations().Start = gd.Before, gd.Start
	last.Decorations().After = gd.After
	gd.Before, gd.After, gd.Start = dst.NewLine, dst.NewLine, nil
	if block != nil {
		if !rw.replaceStmt(t, block) {
			return rw.errorf(e, "internal error: the %s at %d:%d in function %s moved", what, e.Line, e.Col, e.Func)
		}
		rw.anchorStmt(block, t.start)
	} else if !rw.replaceStmt(t, stmts...) {
		return rw.errorf(e, "internal error: the %s at %d:%d in function %s moved", what, e.Line, e.Col, e.Func)
	}

	for _, s := range []dst.Stmt{decl, start, set, end, call} {
		rw.anchorStmt(s, t.start)
	}
	if block != nil {
		// One level deeper: keep the column of the go keyword at least.
		rw.anchorColumn(t.stmt, t.start)
	} else {
		rw.anchored[t.stmt] = false
		rw.anchorStmt(t.stmt, t.start)
	}
	if t.end.IsValid() {
		rw.anchorClose(end.Body, t.end)
		if block != nil {
			rw.anchorClose(block, t.end)
		}
	}
	return nil
}

// prepareContextEdit checks that the injected code of a go or call edit
// refers to what it means in the function, and returns fresh names for its
// restore function and hook local.
func (rw *rewriter) prepareContextEdit(fn *function, e ssaweave.Edit, t *goTarget) (restore, h string, err error) {
	if _, err := bindType(ssaweave.BindGoContext); err != nil {
		return "", "", rw.errorf(e, "%s edit in function %s: %v", e.Kind, e.Func, err)
	}
	// A local declaration of the hook's name or of nil would hide what
	// the injected code refers to.
	for _, name := range []string{e.Hook, "nil"} {
		if t.declared[name] || name == e.Hook && t.idents[name] {
			return "", "", rw.errorf(e, "cannot apply the %s edit in function %s: it declares %s, which the injected code refers to", e.Kind, e.Func, name)
		}
	}
	// The injected names must differ from every identifier of the
	// function, as it was and as other edits made it, and from those of
	// the function's other go and call edits, whose restore variables may
	// share a block with this one.
	used, _ := funcNames(fn.decl)
	for _, names := range []map[string]bool{used, t.idents} {
		for n := range names {
			fn.taken[n] = true
		}
	}
	return fn.fresh("restore"), fn.fresh("h"), nil
}

// replaceStmt puts stmts where the statement of t is in its parent: a
// labeled statement takes one.
func (rw *rewriter) replaceStmt(t *goTarget, stmts ...dst.Stmt) bool {
	var list *[]dst.Stmt
	switch p := t.parent.(type) {
	case *dst.BlockStmt:
		list = &p.List
	case *dst.CaseClause:
		list = &p.Body
	case *dst.CommClause:
		list = &p.Body
	case *dst.LabeledStmt:
		if p.Stmt != t.stmt || len(stmts) != 1 {
			return false
		}
		p.Stmt = stmts[0]
		return true
	}
	for i, x := range *list {
		if x == t.stmt {
			*list = slices.Replace(*list, i, i+1, stmts...)
			return true
		}
	}
	return false
}

// anchorColumn makes statement n start at p, column included, whether or
// not it started its line in the original. The directive goes right before
// the statement, which starts a line of its own; nothing else may precede
// it there (a line comment before a /*line*/ comment makes the printer
// move the statement to the next line).
func (rw *rewriter) anchorColumn(n dst.Stmt, p token.Position) {
	if p.Column <= 1 {
		// No column before the first: the directive positions the line
		// break instead, and the column is the printed one.
		rw.anchored[n] = false
		rw.anchorStmt(n, p)
		return
	}
	rw.anchored[n] = true
	decs := n.Decorations()
	decs.Before = dst.NewLine
	// The printer writes a blank after the directive: it takes the column
	// before p.
	p.Column--
	decs.Start = dst.Decorations{"/*line " + directive(p) + "*/"}
}

// funcNames returns every identifier of a function declaration, and the
// names it declares locally (parameters, results, type parameters, and in
// the body variables, constants and types, function literals' parameters
// included). Struct fields and method names of local types count as
// declared too: refusing those is needlessly strict, but harmless.
func funcNames(fd *dst.FuncDecl) (idents, declared map[string]bool) {
	idents, declared = map[string]bool{}, map[string]bool{}
	dst.Inspect(fd, func(n dst.Node) bool {
		switch n := n.(type) {
		case *dst.Ident:
			idents[n.Name] = true
		case *dst.Field:
			for _, id := range n.Names {
				declared[id.Name] = true
			}
		case *dst.ValueSpec:
			for _, id := range n.Names {
				declared[id.Name] = true
			}
		case *dst.TypeSpec:
			declared[n.Name.Name] = true
		case *dst.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, x := range n.Lhs {
					if id, ok := x.(*dst.Ident); ok {
						declared[id.Name] = true
					}
				}
			}
		case *dst.RangeStmt:
			if n.Tok == token.DEFINE {
				for _, x := range []dst.Expr{n.Key, n.Value} {
					if id, ok := x.(*dst.Ident); ok {
						declared[id.Name] = true
					}
				}
			}
		}
		return true
	})
	return idents, declared
}
