package rewrite

import (
	"fmt"
	"go/token"
	"strconv"
	"strings"

	"github.com/dave/dst"
	"github.com/dave/dst/decorator"

	"github.com/ssaweave/ssaweave/ssaweave"
)

// span implements ssaweave.EditSpan. For
//
//	func (s *Store) Get(ctx context.Context, id string) (User, error)
//
// it gives the results names (ssaweaveRes0, ssaweaveErr) and prepends
//
//	if h := Hook; h != nil {
//		c, end := h(ctx, "name")
//		if c, ok := c.(context.Context); ok {
//			ctx = c
//		}
//		if end != nil {
//			defer func() {
//				e := ssaweaveErr
//				end(&e)
//			}()
//		}
//	}
//
// The context (or request) the hook returns replaces the parameter only if
// it has the parameter's type: a hook that fails returns the parent as it
// got it, and a nil context.Context parent comes back as a nil interface,
// which must leave the parameter nil rather than make the function panic.
// The end function (nil when there is nothing to end) is deferred first of
// all the function's deferred calls, so it runs last and sees the error the
// function really returns, including one that a deferred call of the
// function itself set. A panic ends the span
// without an error: recovering the panic to record it would change the
// program.
func (rw *rewriter) span(fn *function, e ssaweave.Edit) error {
	if e.Span == "" {
		return rw.errorf(e, "span edit of function %s has no span name", e.Func)
	}
	switch {
	case e.Parent == "" && e.ParentKind != "":
		return rw.errorf(e, "span edit of function %s: parent kind %q without a parent parameter", e.Func, e.ParentKind)
	case e.Parent != "" && e.ParentKind != ssaweave.ParentContext && e.ParentKind != ssaweave.ParentRequest:
		return rw.errorf(e, "span edit of function %s: unknown parent kind %q for parameter %s", e.Func, e.ParentKind, e.Parent)
	}
	hookType, err := bindType(ssaweave.BindFuncSpan)
	if err != nil {
		return rw.errorf(e, "span edit of function %s: %v", e.Func, err)
	}
	if err := rw.checkShadowing(fn, e, e.Hook); err != nil {
		return err
	}
	// The names the rewrite adds to the signature (parameters, results)
	// are in the scope of the body's outermost block, where a local of the
	// same name would be a redeclaration; the locals of the injected code
	// had better not hide anything either. So they avoid every identifier
	// of the function, not only those of its signature.
	fn.takeBody()

	params := fn.nameParams()
	_, inScope := fn.typeParams(false)
	var parent *param
	if e.Parent != "" {
		p, err := rw.parentParam(fn, e, params)
		if err != nil {
			return err
		}
		parent = p
		if p.variadic {
			return rw.errorf(e, "cannot apply the span edit to function %s: parent parameter %s is variadic", e.Func, e.Parent)
		}
		if name := mentions(p.typ, inScope); name != "" {
			return rw.errorf(e, "cannot apply the span edit to generic function %s: the type of parent parameter %s uses type parameter %s, which the context the hook returns cannot be asserted to", e.Func, e.Parent, name)
		}
	}
	errResult, err := rw.nameErrorResult(fn, e, inScope)
	if err != nil {
		return err
	}
	rw.addHookVar(fn, e.Hook, hookType)

	// c, end := h(parent, "name")
	h := fn.hookLocal()
	ctxVar, endVar := "_", fn.fresh("end")
	if parent != nil {
		ctxVar = fn.fresh("c")
	}
	var parentArg dst.Expr = dst.NewIdent("nil")
	if parent != nil {
		parentArg = dst.NewIdent(parent.name)
	}
	start := &dst.AssignStmt{
		Lhs: []dst.Expr{dst.NewIdent(ctxVar), dst.NewIdent(endVar)},
		Tok: token.DEFINE,
		Rhs: []dst.Expr{&dst.CallExpr{
			Fun:  dst.NewIdent(h),
			Args: []dst.Expr{parentArg, &dst.BasicLit{Kind: token.STRING, Value: strconv.Quote(e.Span)}},
		}},
	}
	body := []dst.Stmt{start}

	// if c, ok := c.(T); ok { parent = c }
	if parent != nil {
		ok := fn.fresh("ok")
		set := &dst.AssignStmt{Lhs: []dst.Expr{dst.NewIdent(parent.name)}, Tok: token.ASSIGN, Rhs: []dst.Expr{dst.NewIdent(ctxVar)}}
		replace := &dst.IfStmt{
			Init: &dst.AssignStmt{
				Lhs: []dst.Expr{dst.NewIdent(ctxVar), dst.NewIdent(ok)},
				Tok: token.DEFINE,
				Rhs: []dst.Expr{&dst.TypeAssertExpr{X: dst.NewIdent(ctxVar), Type: clone(parent.typ)}},
			},
			Cond: dst.NewIdent(ok),
			Body: &dst.BlockStmt{List: []dst.Stmt{set}},
		}
		rw.anchorStmt(set, fn.pos)
		body = append(body, replace)
	}

	// if end != nil { defer end(nil) }, or with an error result
	//
	//	if end != nil {
	//		defer func() {
	//			e := err
	//			end(&e)
	//		}()
	//	}
	//
	// Passing &err itself would make the result escape (end is not known
	// statically), which costs the function a heap allocation on every
	// call, hook or not. The copy escapes instead, and only allocates when
	// the deferred call runs, which the hook avoids for spans that record
	// nothing by returning a nil end.
	var deferred *dst.DeferStmt
	if errResult == "" {
		deferred = &dst.DeferStmt{Call: &dst.CallExpr{Fun: dst.NewIdent(endVar), Args: []dst.Expr{dst.NewIdent("nil")}}}
	} else {
		e := fn.fresh("e")
		copyErr := &dst.AssignStmt{Lhs: []dst.Expr{dst.NewIdent(e)}, Tok: token.DEFINE, Rhs: []dst.Expr{dst.NewIdent(errResult)}}
		callEnd := &dst.ExprStmt{X: &dst.CallExpr{Fun: dst.NewIdent(endVar), Args: []dst.Expr{&dst.UnaryExpr{Op: token.AND, X: dst.NewIdent(e)}}}}
		deferred = &dst.DeferStmt{Call: &dst.CallExpr{Fun: &dst.FuncLit{
			Type: &dst.FuncType{Func: true, Params: &dst.FieldList{Opening: true, Closing: true}},
			Body: &dst.BlockStmt{List: []dst.Stmt{copyErr, callEnd}},
		}}}
		rw.anchorStmt(copyErr, fn.pos)
		rw.anchorStmt(callEnd, fn.pos)
	}
	rw.anchorStmt(deferred, fn.pos)
	body = append(body, &dst.IfStmt{
		Cond: &dst.BinaryExpr{X: dst.NewIdent(endVar), Op: token.NEQ, Y: dst.NewIdent("nil")},
		Body: &dst.BlockStmt{List: []dst.Stmt{deferred}},
	})

	// Every injected statement is positioned at the declaration, so that
	// a stack trace through the hook or the deferred end points there.
	for _, s := range body {
		rw.anchorStmt(s, fn.pos)
	}
	rw.prepend(fn, rw.ifHook(fn, e.Hook, body...))
	return nil
}

// bindType returns the type of the runtime function a Bind assigns, as
// ssaweave.BindTypes spells it: the hook variable must have exactly that
// type, which the linker does not check, so it is parsed rather than
// rebuilt by hand.
func bindType(name string) (*dst.FuncType, error) {
	src, ok := ssaweave.BindTypes[name]
	if !ok {
		return nil, fmt.Errorf("no bind type %s", name)
	}
	f, err := decorator.Parse("package p\n\nvar _ " + src + "\n")
	if err != nil {
		return nil, fmt.Errorf("bind type %s: %v", name, err)
	}
	if len(f.Decls) == 1 {
		if gd, ok := f.Decls[0].(*dst.GenDecl); ok && len(gd.Specs) == 1 {
			if ft, ok := gd.Specs[0].(*dst.ValueSpec).Type.(*dst.FuncType); ok {
				return ft, nil
			}
		}
	}
	return nil, fmt.Errorf("bind type %s is not a function type: %s", name, src)
}

// takeBody takes every identifier of the function's body, so that fresh
// names avoid them too.
func (fn *function) takeBody() {
	dst.Inspect(fn.decl.Body, func(n dst.Node) bool {
		if id, ok := n.(*dst.Ident); ok {
			fn.taken[id.Name] = true
		}
		return true
	})
}

// parentParam returns the parameter e.Parent names: by name, or as "#N",
// by index, for a blank or unnamed parameter (which nameParams has named
// by now).
func (rw *rewriter) parentParam(fn *function, e ssaweave.Edit, params []param) (*param, error) {
	if idx, ok := strings.CutPrefix(e.Parent, "#"); ok {
		i, err := strconv.Atoi(idx)
		if err != nil || i < 0 || i >= len(params) {
			return nil, rw.errorf(e, "span edit of function %s: parent parameter %s does not exist (the function has %d parameters)", e.Func, e.Parent, len(params))
		}
		return &params[i], nil
	}
	if e.Parent == "_" {
		return nil, rw.errorf(e, "span edit of function %s: a blank parent parameter must be given by index (#N)", e.Func)
	}
	for i := range params {
		if params[i].name == e.Parent {
			return &params[i], nil
		}
	}
	return nil, rw.errorf(e, "span edit of function %s: no parameter %s (plan is stale?)", e.Func, e.Parent)
}

// nameErrorResult returns the name of the function's last result of the
// predeclared type error, after naming the results if they are unnamed (all
// of them: Go requires all or none) and renaming it if it is blank; "" if
// the function has no such result. Other blank results stay blank.
func (rw *rewriter) nameErrorResult(fn *function, e ssaweave.Edit, inScope []string) (string, error) {
	fl := fn.decl.Type.Results
	if fl == nil {
		return "", nil
	}
	var errField *dst.Field
	errIndex := -1
	for _, f := range fl.List {
		if isErrorType(f.Type) {
			errField = f
			errIndex = max(1, len(f.Names)) - 1
		}
	}
	if errField == nil {
		return "", nil
	}
	// A type parameter named error is not the predeclared type; a
	// package-level declaration could be an alias of it or not, which
	// only the type checker knows.
	for _, tp := range inScope {
		if tp == "error" {
			return "", nil
		}
	}
	if rw.declaresError() {
		return "", rw.errorf(e, "cannot apply the span edit to function %s: the file declares error at package level, so its error result cannot be told from the predeclared type", e.Func)
	}
	if len(errField.Names) == 0 {
		// Unnamed results: name them all. The body cannot refer to
		// them, so the names change nothing else.
		n := 0
		for _, f := range fl.List {
			base := "ssaweaveRes" + strconv.Itoa(n)
			if f == errField {
				base = "ssaweaveErr"
			}
			f.Names = []*dst.Ident{dst.NewIdent(fn.fresh(base))}
			n++
		}
		// A single unnamed result is printed without parentheses, which
		// a named one needs.
		fl.Opening, fl.Closing = true, true
	} else if errField.Names[errIndex].Name == "_" {
		errField.Names[errIndex] = dst.NewIdent(fn.fresh("ssaweaveErr"))
	}
	return errField.Names[errIndex].Name, nil
}

// isErrorType reports whether a type expression is the identifier error
// (perhaps in parentheses).
func isErrorType(t dst.Expr) bool {
	for {
		switch x := t.(type) {
		case *dst.ParenExpr:
			t = x.X
		case *dst.Ident:
			return x.Name == "error" && x.Path == ""
		default:
			return false
		}
	}
}

// declaresError reports whether the file declares the name error at
// package level.
func (rw *rewriter) declaresError() bool {
	for _, d := range rw.file.Decls {
		switch d := d.(type) {
		case *dst.FuncDecl:
			if d.Recv == nil && d.Name.Name == "error" {
				return true
			}
		case *dst.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *dst.TypeSpec:
					if s.Name.Name == "error" {
						return true
					}
				case *dst.ValueSpec:
					for _, n := range s.Names {
						if n.Name == "error" {
							return true
						}
					}
				}
			}
		}
	}
	return false
}
