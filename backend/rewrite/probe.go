package rewrite

import (
	"github.com/dave/dst"

	"github.com/ssaweave/ssaweave/ssaweave"
)

// probe implements ssaweave.EditProbe: `if h := Hook; h != nil { h() }` on
// entry, with Hook a func() variable pushed to the linker.
func (rw *rewriter) probe(fn *function, e ssaweave.Edit) error {
	if err := rw.checkShadowing(fn, e, e.Hook); err != nil {
		return err
	}
	rw.addHookVar(fn, e.Hook, &dst.FuncType{Func: true, Params: &dst.FieldList{Opening: true, Closing: true}})
	call := &dst.ExprStmt{X: &dst.CallExpr{Fun: dst.NewIdent(fn.hookLocal())}}
	stmt := rw.ifHook(fn, e.Hook, call)
	rw.anchorStmt(call, fn.pos)
	rw.prepend(fn, stmt)
	return nil
}
