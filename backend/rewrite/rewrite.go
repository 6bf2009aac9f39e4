// Package rewrite applies the edits of a weave plan to one Go source file.
//
// For a function F with hook H (see ssaweave.EditKind):
//
//   - EditBefore declares `var H func(params)`, exported to the linker with
//     `//go:linkname H`, and prepends `if h := H; h != nil { h(args) }` to
//     the body of F.
//   - EditAround declares `var H func(params, next func(params) results)
//     results`, moves the body of F to a new function (or method, with the
//     same receiver) ssaweaveOrig_F, and makes F call H with the arguments
//     and ssaweaveOrig_F (a method value for a method) when H is set, and
//     ssaweaveOrig_F directly otherwise. A variadic parameter is passed to
//     H as a slice, since next follows it.
//   - EditDeferCall prepends `defer H()` to the body of F.
//   - EditFilter declares `var H func(recv, params) (param types)` and
//     prepends `if h := H; h != nil { a, b = h(recv, a, b) }`, so the hook
//     can replace the arguments without adding a stack frame.
//   - EditSpan declares `var H` of the type ssaweave.BindTypes gives the
//     runtime's FuncSpan and prepends `if h := H; h != nil { c, end :=
//     h(parent, "name"); <parent = c if c has its type>; defer end(&err) }`,
//     naming unnamed results so that the error result can be passed (see
//     span.go).
//   - EditGo rewrites one go statement of F, not F as a whole: it declares
//     `var H` of the type ssaweave.BindTypes gives the runtime's GoContext
//     and wraps the statement so that the goroutine inherits the trace
//     context of a variable in scope (see gostmt.go).
//   - EditCall rewrites the statement of F that holds one call of an API
//     that takes no context: with a hook of EditGo's type, it sets the
//     trace context of a variable in scope around the statement, or from
//     the statement to the function's return (see callstmt.go).
//
// Unnamed and blank parameters (and receivers, and type parameters that
// must be forwarded) get fresh names, and the local that holds the hook is
// named so that it shadows nothing the injected code uses. A file that
// gains a //go:linkname also gains `import _ "unsafe"` if it does not
// import unsafe yet. File refuses what it cannot do correctly: a hook whose
// type would mention a type parameter (a package-level variable cannot be
// generic), and an around edit of a function that calls recover.
//
// The build backend hands the result to the compiler in place of the
// original file, so the rewrite must be invisible except for the woven
// hooks: everything that comes from the original file keeps its original
// file name and line (and, where the layout allows, column) through line
// directives, so that panics, stack traces, coverage and debuggers point at
// the user's source and never at the rewritten copy; injected code is
// positioned at the declaration it belongs to. See positions.go for how the
// directives are placed and verified.
//
// The rewrite works on a github.com/dave/dst tree, which keeps comments
// attached to the nodes they belong to while declarations are moved and
// created, and reprints the file in gofmt style. New declarations go at the
// end of the file. Declarations that no edit touches are reprinted
// unchanged, but for a //line directive before most of them.
package rewrite

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"slices"
	"strconv"
	"strings"

	"github.com/dave/dst"
	"github.com/dave/dst/decorator"
	"github.com/dave/dst/dstutil"

	"github.com/ssaweave/ssaweave/ssaweave"
)

// File rewrites src (the contents of the file at path filename) by applying
// edits, and returns the new source.
//
// filename is written verbatim into the line directives of the result, so it
// should be the absolute path the compiler would have reported for the
// original file. Every edit must name a function declared in src at
// Edit.Line; otherwise File fails without rewriting anything, with an error
// that names the file, the line, the rule and what was expected. The result
// depends only on the arguments: the same input gives the same bytes.
//
// With no edits, File returns src unchanged.
func File(filename string, src []byte, edits []ssaweave.Edit) ([]byte, error) {
	out, _, err := rewriteFile(filename, src, edits)
	return out, err
}

// rewriteFile is File; it also returns how many original nodes could not be
// given back their original line (zero unless the original file is laid
// out in a way gofmt changes inside an expression), which the tests check.
func rewriteFile(filename string, src []byte, edits []ssaweave.Edit) ([]byte, int, error) {
	if len(edits) == 0 {
		return slices.Clone(src), 0, nil
	}
	// The file name goes into /*line */ comments: it must not end them early
	// nor span lines, or the directives would corrupt the source.
	if strings.Contains(filename, "*/") || strings.ContainsAny(filename, "\r\n") {
		return nil, 0, fmt.Errorf("rewrite: file name %q cannot be used in a line directive", filename)
	}
	fset := token.NewFileSet()
	dec := decorator.NewDecorator(fset)
	f, err := dec.ParseFile(parseName, src, parser.ParseComments)
	if err != nil {
		var list scanner.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				if e.Pos.Filename == parseName {
					e.Pos.Filename = filename
				}
			}
		}
		return nil, 0, fmt.Errorf("rewrite: %w", err)
	}
	rw := &rewriter{
		filename: filename,
		src:      src,
		fset:     fset,
		dec:      dec,
		file:     f,
		edited:   map[dst.Decl]bool{},
		anchored: map[dst.Node]bool{},
		closed:   map[*dst.BlockStmt]bool{},
	}
	if err := rw.apply(edits); err != nil {
		return nil, 0, err
	}
	return rw.finish()
}

// rewriter holds the state of the rewrite of one file.
type rewriter struct {
	filename string
	src      []byte
	fset     *token.FileSet // positions of the original file
	dec      *decorator.Decorator
	file     *dst.File

	// appended are the declarations that go at the end of the file, in the
	// order the edits create them.
	appended []dst.Decl
	// needUnsafe records that a //go:linkname was added, which the compiler
	// only accepts in a file that imports "unsafe".
	needUnsafe bool

	edited   map[dst.Decl]bool       // the declarations of edited functions
	anchored map[dst.Node]bool       // nodes given a position directive
	closed   map[*dst.BlockStmt]bool // blocks whose closing brace was given one

	gos map[ssaweave.Edit]*goTarget // the go statements of EditGo edits
}

// kindOrder is the order in which the edits of one function are applied.
// Around comes first so that the body moves to the original-body function
// and the others then apply to the function as its callers see it: the
// before hook runs on entry, ahead of the around hook, and the deferred call
// (prepended last, so it comes first) covers everything, hooks included.
// The span comes right after around, so its statement is the last one
// injected before the body: it starts from the arguments as a filter left
// them, and its deferred end runs before a deferred call such as the flush
// at the return of main, which would otherwise miss the span.
var kindOrder = map[ssaweave.EditKind]int{
	ssaweave.EditAround:    0,
	ssaweave.EditSpan:      1,
	ssaweave.EditBefore:    2,
	ssaweave.EditDeferCall: 3,
	ssaweave.EditFilter:    4,
	ssaweave.EditGo:        5,
	ssaweave.EditCall:      6,
	ssaweave.EditProbe:     7,
}

// target is one edit together with the declaration it applies to.
type target struct {
	edit ssaweave.Edit
	fn   *function
}

// apply locates every edit first, so that a stale plan is reported as
// such, then rewrites the functions in source order. On error the tree is
// left half-rewritten, and discarded.
func (rw *rewriter) apply(edits []ssaweave.Edit) error {
	funcs := map[*dst.FuncDecl]*function{}
	var targets []target
	seen := map[string]bool{}
	hooks := map[string]ssaweave.Edit{}
	for _, e := range edits {
		if _, ok := kindOrder[e.Kind]; !ok {
			return rw.errorf(e, "unknown edit kind %q for function %s", e.Kind, e.Func)
		}
		if !token.IsIdentifier(e.Hook) {
			return rw.errorf(e, "%s edit of function %s: hook %q is not an identifier", e.Kind, e.Func, e.Hook)
		}
		fd, err := rw.find(e)
		if err != nil {
			return err
		}
		// A function can have several before and defer edits, but its
		// body can only move once. A hook variable can only be declared
		// once.
		key := fmt.Sprintf("%s %s %d %s", e.Kind, e.Func, e.Line, e.Hook)
		if e.Kind == ssaweave.EditAround {
			key = fmt.Sprintf("%s %s %d", e.Kind, e.Func, e.Line)
		}
		if seen[key] {
			return rw.errorf(e, "duplicate %s edit of function %s", e.Kind, e.Func)
		}
		seen[key] = true
		if e.Kind != ssaweave.EditDeferCall {
			if other, dup := hooks[e.Hook]; dup {
				return rw.errorf(e, "hook %s of the %s edit of function %s is also the hook of the %s edit of function %s", e.Hook, e.Kind, e.Func, other.Kind, other.Func)
			}
			hooks[e.Hook] = e
		}
		fn := funcs[fd]
		if fn == nil {
			fn = rw.newFunction(fd)
			funcs[fd] = fn
			rw.edited[fd] = true
		}
		targets = append(targets, target{e, fn})
	}
	for _, t := range targets {
		t.fn.taken[t.edit.Hook] = true
		if t.edit.Kind == ssaweave.EditAround {
			t.fn.taken[ssaweave.OrigPrefix+t.fn.decl.Name.Name] = true
		}
	}
	// Source order, then kind order: the output must not depend on the order
	// in which the plan happens to list the edits.
	slices.SortStableFunc(targets, func(a, b target) int {
		if c := a.fn.pos.Offset - b.fn.pos.Offset; c != 0 {
			return c
		}
		if c := kindOrder[a.edit.Kind] - kindOrder[b.edit.Kind]; c != 0 {
			return c
		}
		return strings.Compare(a.edit.Hook, b.edit.Hook)
	})
	for _, t := range targets {
		var err error
		switch t.edit.Kind {
		case ssaweave.EditBefore:
			err = rw.before(t.fn, t.edit)
		case ssaweave.EditAround:
			err = rw.around(t.fn, t.edit)
		case ssaweave.EditDeferCall:
			err = rw.deferCall(t.fn, t.edit)
		case ssaweave.EditFilter:
			err = rw.filter(t.fn, t.edit)
		case ssaweave.EditSpan:
			err = rw.span(t.fn, t.edit)
		case ssaweave.EditGo:
			err = rw.goStmt(t.fn, t.edit)
		case ssaweave.EditCall:
			err = rw.callStmt(t.fn, t.edit)
		case ssaweave.EditProbe:
			err = rw.probe(t.fn, t.edit)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// errorf formats an error about edit e, positioned at the line the plan
// gave for it.
func (rw *rewriter) errorf(e ssaweave.Edit, format string, args ...any) error {
	return fmt.Errorf("%s:%d: rule %s: %s", rw.filename, e.Line, e.Rule, fmt.Sprintf(format, args...))
}

// find returns the declaration e names, checking that it is at e.Line.
func (rw *rewriter) find(e ssaweave.Edit) (*dst.FuncDecl, error) {
	switch e.Kind {
	case ssaweave.EditGo:
		return rw.findGo(e)
	case ssaweave.EditCall:
		return rw.findCall(e)
	}
	recv, name, isMethod := strings.Cut(e.Func, ".")
	if !isMethod {
		name, recv = recv, ""
	}
	var lines []string
	for _, d := range rw.file.Decls {
		fd, ok := d.(*dst.FuncDecl)
		if !ok || fd.Name.Name != name {
			continue
		}
		if isMethod != (fd.Recv != nil) || isMethod && (len(fd.Recv.List) != 1 || recvTypeName(fd.Recv.List[0].Type) != recv) {
			continue
		}
		line := rw.origPos(fd).Line
		if line != e.Line {
			// Several declarations can match (init functions): only the
			// one at the planned line is the one the plan was made from.
			lines = append(lines, strconv.Itoa(line))
			continue
		}
		if fd.Body == nil {
			return nil, rw.errorf(e, "function %s has no body (is it implemented in assembly?): cannot apply the %s edit", e.Func, e.Kind)
		}
		return fd, nil
	}
	if len(lines) > 0 {
		at := "line " + lines[0]
		if len(lines) > 1 {
			at = "lines " + strings.Join(lines, ", ")
		}
		return nil, rw.errorf(e, "function %s expected at this line, but it is declared at %s (plan is stale?)", e.Func, at)
	}
	return nil, rw.errorf(e, "function %s not found (plan is stale?)", e.Func)
}

// recvTypeName returns the name of a receiver's base type: T for T, *T,
// T[P] and (*T).
func recvTypeName(e dst.Expr) string {
	for {
		switch t := e.(type) {
		case *dst.Ident:
			return t.Name
		case *dst.StarExpr:
			e = t.X
		case *dst.ParenExpr:
			e = t.X
		case *dst.IndexExpr:
			e = t.X
		case *dst.IndexListExpr:
			e = t.X
		default:
			return ""
		}
	}
}

// parseName is the name the original is parsed under. It has no directory,
// so that go/parser leaves a relative file name in a line directive of the
// original (goyacc writes them) as written, as the compiler does, rather
// than joining it to the directory of the file; position maps it back to
// the real name.
const parseName = "\x00ssaweave-original"

// position returns the position of p in the original file, as the compiler
// would report it, honouring the line directives the original itself
// contains.
func (rw *rewriter) position(p token.Pos) token.Position {
	pos := rw.fset.Position(p)
	if pos.Filename == parseName {
		pos.Filename = rw.filename
	}
	return pos
}

// origPos returns the position of an original node in the original file,
// as the compiler would report it (honouring line directives the original
// itself contains). It returns the zero Position for nodes the rewrite
// created.
func (rw *rewriter) origPos(n dst.Node) token.Position {
	an := rw.dec.Map.Ast.Nodes[n]
	if an == nil || !an.Pos().IsValid() {
		return token.Position{}
	}
	return rw.position(an.Pos())
}

// function is a function declaration that edits apply to, with what the
// edits need to know about its signature.
type function struct {
	decl   *dst.FuncDecl
	pos    token.Position // of the func keyword, in the original file
	rbrace token.Position // of the closing brace of the original body

	// sig holds every identifier of the signature (names and types):
	// injected code only refers to parameters, the receiver, type
	// parameters and package-level names, so the names it introduces must
	// avoid these.
	sig map[string]bool
	// taken holds sig, the package-level names injected code refers to
	// (hooks, original-body functions), and the names chosen so far.
	taken map[string]bool
	// hookVar is the name of the local variable injected code loads a
	// hook into; see hookLocal.
	hookVar string
}

func (rw *rewriter) newFunction(fd *dst.FuncDecl) *function {
	fn := &function{decl: fd, pos: rw.origPos(fd), sig: map[string]bool{}, taken: map[string]bool{}}
	if b, ok := rw.dec.Map.Ast.Nodes[fd.Body].(*ast.BlockStmt); ok {
		fn.rbrace = rw.position(b.Rbrace)
	}
	for _, fl := range []*dst.FieldList{fd.Recv, fd.Type.TypeParams, fd.Type.Params, fd.Type.Results} {
		if fl != nil {
			dst.Inspect(fl, func(n dst.Node) bool {
				if id, ok := n.(*dst.Ident); ok {
					fn.sig[id.Name] = true
					fn.taken[id.Name] = true
				}
				return true
			})
		}
	}
	return fn
}

// fresh returns base, or base followed by a number, whichever is first not
// taken, and takes it.
func (fn *function) fresh(base string) string {
	name := base
	for i := 1; fn.taken[name]; i++ {
		name = base + strconv.Itoa(i)
	}
	fn.taken[name] = true
	return name
}

// hookLocal returns the name of the local variable that holds a hook in
// injected code. It is chosen once, after every name the function's edits
// refer to is taken, so that all the edits agree and none is shadowed.
func (fn *function) hookLocal() string {
	if fn.hookVar == "" {
		fn.hookVar = fn.fresh("h")
	}
	return fn.hookVar
}

// checkShadowing rejects a signature that declares one of the package-level
// names injected code refers to, since inside the function the declared
// name would win. No real code does this; it is checked so that the
// rewrite can never silently call the wrong thing.
func (rw *rewriter) checkShadowing(fn *function, e ssaweave.Edit, names ...string) error {
	for _, name := range append(names, "nil") {
		if fn.sig[name] {
			return rw.errorf(e, "cannot apply the %s edit to function %s: its signature declares or uses %s, which the injected code refers to", e.Kind, e.Func, name)
		}
	}
	return nil
}

// param is one parameter of a function, after nameParams.
type param struct {
	name     string
	typ      dst.Expr // the declared type; an *dst.Ellipsis for a variadic parameter
	variadic bool
}

// nameParams gives a fresh name to every unnamed or blank parameter, since
// injected code forwards all arguments, and returns the parameters. The
// original body cannot refer to such parameters, so renaming them changes
// nothing else.
func (fn *function) nameParams() []param {
	var ps []param
	for _, f := range fn.decl.Type.Params.List {
		if len(f.Names) == 0 {
			f.Names = []*dst.Ident{dst.NewIdent("_")}
		}
		for i, id := range f.Names {
			if id.Name == "_" {
				f.Names[i] = dst.NewIdent(fn.fresh("ssaweaveArg" + strconv.Itoa(len(ps))))
			}
			_, variadic := f.Type.(*dst.Ellipsis)
			ps = append(ps, param{name: f.Names[i].Name, typ: f.Type, variadic: variadic})
		}
	}
	return ps
}

// results returns the result types, one per result.
func (fn *function) results() []dst.Expr {
	var rs []dst.Expr
	if fn.decl.Type.Results == nil {
		return nil
	}
	for _, f := range fn.decl.Type.Results.List {
		for range max(1, len(f.Names)) {
			rs = append(rs, f.Type)
		}
	}
	return rs
}

// recvName returns the receiver's name, naming it first if it is unnamed
// or blank; "" for a plain function.
func (fn *function) recvName() string {
	if fn.decl.Recv == nil {
		return ""
	}
	f := fn.decl.Recv.List[0]
	if len(f.Names) == 0 || f.Names[0].Name == "_" {
		f.Names = []*dst.Ident{dst.NewIdent(fn.fresh("ssaweaveRecv"))}
	}
	return f.Names[0].Name
}

// typeParams returns the names of the type parameters in scope in the
// signature: the function's own and those of the receiver's type. When
// forward is set, blank type parameters of the function are named first,
// since the wrapper of an around edit must pass them on; own are then the
// function's type parameters in order.
func (fn *function) typeParams(forward bool) (own, inScope []string) {
	if tp := fn.decl.Type.TypeParams; tp != nil {
		for _, f := range tp.List {
			for i, id := range f.Names {
				if id.Name == "_" && forward {
					f.Names[i] = dst.NewIdent(fn.fresh("ssaweaveT" + strconv.Itoa(len(own))))
				}
				own = append(own, f.Names[i].Name)
			}
		}
	}
	for _, n := range own {
		if n != "_" {
			inScope = append(inScope, n)
		}
	}
	if fn.decl.Recv != nil {
		t := fn.decl.Recv.List[0].Type
		for {
			if x, ok := t.(*dst.StarExpr); ok {
				t = x.X
			} else if x, ok := t.(*dst.ParenExpr); ok {
				t = x.X
			} else {
				break
			}
		}
		var idx []dst.Expr
		switch t := t.(type) {
		case *dst.IndexExpr:
			idx = []dst.Expr{t.Index}
		case *dst.IndexListExpr:
			idx = t.Indices
		}
		for _, x := range idx {
			if id, ok := x.(*dst.Ident); ok && id.Name != "_" {
				inScope = append(inScope, id.Name)
			}
		}
	}
	return own, inScope
}

// checkGeneric refuses a hook whose type would mention a type parameter: the
// hook is a package-level variable, and variables cannot be generic.
// Functions whose parameter and result types do not involve their type
// parameters are supported; the type parameters are then forwarded
// explicitly.
func (rw *rewriter) checkGeneric(fn *function, e ssaweave.Edit, inScope []string, types []dst.Expr) error {
	if len(inScope) == 0 {
		return nil
	}
	for _, t := range types {
		if name := mentions(t, inScope); name != "" {
			return rw.errorf(e, "cannot apply the %s edit to generic function %s: its signature uses type parameter %s, and the package-level hook variable cannot be generic", e.Kind, e.Func, name)
		}
	}
	return nil
}

// mentions reports the first of names that type expression t refers to, or
// "". Field names and selectors are not references, so they are skipped.
func mentions(t dst.Expr, names []string) string {
	found := ""
	dstutil.Apply(t, func(c *dstutil.Cursor) bool {
		if found != "" {
			return false
		}
		switch c.Parent().(type) {
		case *dst.SelectorExpr:
			if c.Name() == "Sel" {
				return false
			}
		case *dst.Field:
			if c.Name() == "Names" {
				return false
			}
		}
		if id, ok := c.Node().(*dst.Ident); ok && slices.Contains(names, id.Name) {
			found = id.Name
		}
		return true
	}, nil)
	return found
}

// clone returns a deep copy of a type expression taken from the original
// signature, without its comments: the copy goes into injected
// declarations, where the comments would only be repeated out of place.
func clone[T dst.Node](n T) T {
	c := dst.Clone(n).(T)
	dst.Inspect(c, func(n dst.Node) bool {
		if n != nil {
			*n.Decorations() = dst.NodeDecs{}
		}
		return true
	})
	return c
}

// before implements ssaweave.EditBefore.
func (rw *rewriter) before(fn *function, e ssaweave.Edit) error {
	params := fn.nameParams()
	_, inScope := fn.typeParams(false)
	if err := rw.checkShadowing(fn, e, e.Hook); err != nil {
		return err
	}
	if err := rw.checkGeneric(fn, e, inScope, paramTypes(params)); err != nil {
		return err
	}

	// var Hook func(params)
	hookType := &dst.FuncType{Func: true, Params: &dst.FieldList{Opening: true, Closing: true}}
	for _, p := range params {
		hookType.Params.List = append(hookType.Params.List, &dst.Field{
			Names: []*dst.Ident{dst.NewIdent(p.name)},
			Type:  clone(p.typ),
		})
	}
	rw.addHookVar(fn, e.Hook, hookType)

	// if h := Hook; h != nil { h(args...) }
	call := &dst.CallExpr{Fun: dst.NewIdent(fn.hookLocal()), Args: args(params)}
	call.Ellipsis = len(params) > 0 && params[len(params)-1].variadic
	call1 := &dst.ExprStmt{X: call}
	stmt := rw.ifHook(fn, e.Hook, call1)
	rw.anchorStmt(call1, fn.pos)
	rw.prepend(fn, stmt)
	return nil
}

// filter implements ssaweave.EditFilter.
func (rw *rewriter) filter(fn *function, e ssaweave.Edit) error {
	recv := fn.recvName()
	params := fn.nameParams()
	if len(params) == 0 {
		return rw.errorf(e, "cannot apply the filter edit to function %s: it has no parameters to replace", e.Func)
	}
	_, inScope := fn.typeParams(false)
	if err := rw.checkShadowing(fn, e, e.Hook); err != nil {
		return err
	}
	types := paramTypes(params)
	var recvType dst.Expr
	if recv != "" {
		recvType = fn.decl.Recv.List[0].Type
		types = append(types, recvType)
	}
	if err := rw.checkGeneric(fn, e, inScope, types); err != nil {
		return err
	}

	// var Hook func(recv R, params) (param types)
	hookType := &dst.FuncType{Func: true, Params: &dst.FieldList{Opening: true, Closing: true}, Results: &dst.FieldList{Opening: true, Closing: true}}
	if recv != "" {
		hookType.Params.List = append(hookType.Params.List, &dst.Field{
			Names: []*dst.Ident{dst.NewIdent(recv)},
			Type:  clone(recvType),
		})
	}
	var lhs, rhs []dst.Expr
	if recv != "" {
		rhs = append(rhs, dst.NewIdent(recv))
	}
	for _, p := range params {
		hookType.Params.List = append(hookType.Params.List, &dst.Field{
			Names: []*dst.Ident{dst.NewIdent(p.name)},
			Type:  clone(p.typ),
		})
		t := clone(p.typ)
		if el, ok := t.(*dst.Ellipsis); ok {
			t = &dst.ArrayType{Elt: el.Elt}
		}
		hookType.Results.List = append(hookType.Results.List, &dst.Field{Type: t})
		lhs = append(lhs, dst.NewIdent(p.name))
		rhs = append(rhs, dst.NewIdent(p.name))
	}
	rw.addHookVar(fn, e.Hook, hookType)

	// if h := Hook; h != nil { a, b = h(recv, a, b...) }
	call := &dst.CallExpr{Fun: dst.NewIdent(fn.hookLocal()), Args: rhs}
	call.Ellipsis = params[len(params)-1].variadic
	assign := &dst.AssignStmt{Lhs: lhs, Tok: token.ASSIGN, Rhs: []dst.Expr{call}}
	stmt := rw.ifHook(fn, e.Hook, assign)
	rw.anchorStmt(assign, fn.pos)
	rw.prepend(fn, stmt)
	return nil
}

// deferCall implements ssaweave.EditDeferCall.
func (rw *rewriter) deferCall(fn *function, e ssaweave.Edit) error {
	if err := rw.checkShadowing(fn, e, e.Hook); err != nil {
		return err
	}
	rw.prepend(fn, &dst.DeferStmt{Call: &dst.CallExpr{Fun: dst.NewIdent(e.Hook)}})
	return nil
}

// around implements ssaweave.EditAround.
func (rw *rewriter) around(fn *function, e ssaweave.Edit) error {
	fd := fn.decl
	orig := ssaweave.OrigPrefix + fd.Name.Name
	params := fn.nameParams()
	results := fn.results()
	recv := fn.recvName()
	own, inScope := fn.typeParams(true)
	if err := rw.checkShadowing(fn, e, e.Hook, orig); err != nil {
		return err
	}
	if err := rw.checkGeneric(fn, e, inScope, append(paramTypes(params), results...)); err != nil {
		return err
	}
	if callsRecover(fd.Body) {
		// recover stops a panic only when called by the deferred function
		// itself; one call deeper, it returns nil.
		return rw.errorf(e, "cannot apply the around edit to function %s: it calls recover, which would no longer stop panics once its body is moved", e.Func)
	}
	variadic := len(params) > 0 && params[len(params)-1].variadic

	// The original body moves, unchanged, to a function with the same
	// signature (a method with the same receiver), declared at the end of
	// the file and positioned at the original declaration. The signature is
	// copied with its layout, so that a body after a signature spanning
	// several lines keeps its line too.
	origDecl := dst.Clone(&dst.FuncDecl{Recv: fd.Recv, Name: fd.Name, Type: fd.Type, Decs: fd.Decs}).(*dst.FuncDecl)
	origDecl.Name = dst.NewIdent(orig)
	origDecl.Body = fd.Body
	origDecl.Decs.Before, origDecl.Decs.After = dst.EmptyLine, dst.None
	origDecl.Decs.Start = bodyDirectives(fd.Decs.Start)
	origDecl.Decs.End = nil

	// next: the original body as a function value. A method value binds the
	// receiver; a generic function is instantiated with the wrapper's own
	// type parameters, which inference could not recover since they do not
	// occur in the signature.
	next := func() dst.Expr {
		if recv != "" {
			return &dst.SelectorExpr{X: dst.NewIdent(recv), Sel: dst.NewIdent(orig)}
		}
		switch len(own) {
		case 0:
			return dst.NewIdent(orig)
		case 1:
			return &dst.IndexExpr{X: dst.NewIdent(orig), Index: dst.NewIdent(own[0])}
		}
		var idx []dst.Expr
		for _, n := range own {
			idx = append(idx, dst.NewIdent(n))
		}
		return &dst.IndexListExpr{X: dst.NewIdent(orig), Indices: idx}
	}

	// var Hook func(params, next func(params) results) results
	//
	// A variadic parameter is passed to the hook as a slice: a variadic
	// parameter must be last, and next comes after it.
	nextType := &dst.FuncType{Func: true, Params: &dst.FieldList{Opening: true, Closing: true}}
	hookType := &dst.FuncType{Func: true, Params: &dst.FieldList{Opening: true, Closing: true}}
	for _, p := range params {
		nextType.Params.List = append(nextType.Params.List, &dst.Field{Type: clone(p.typ)})
		t := clone(p.typ)
		if el, ok := t.(*dst.Ellipsis); ok {
			t = &dst.ArrayType{Elt: el.Elt}
		}
		hookType.Params.List = append(hookType.Params.List, &dst.Field{Names: []*dst.Ident{dst.NewIdent(p.name)}, Type: t})
	}
	if len(results) > 0 {
		nextType.Results = resultList(results)
		hookType.Results = resultList(results)
	}
	nextName := fn.fresh("next")
	hookType.Params.List = append(hookType.Params.List, &dst.Field{Names: []*dst.Ident{dst.NewIdent(nextName)}, Type: nextType})
	rw.addHookVar(fn, e.Hook, hookType)

	// The function itself becomes the dispatch:
	//
	//	if h := Hook; h != nil {
	//		return h(args..., next)
	//	}
	//	return next(args...)
	hookCall := &dst.CallExpr{Fun: dst.NewIdent(fn.hookLocal()), Args: append(args(params), next())}
	origCall := &dst.CallExpr{Fun: next(), Args: args(params), Ellipsis: variadic}
	var inHook, direct []dst.Stmt
	if len(results) > 0 {
		inHook = []dst.Stmt{&dst.ReturnStmt{Results: []dst.Expr{hookCall}}}
		direct = []dst.Stmt{&dst.ReturnStmt{Results: []dst.Expr{origCall}}}
	} else {
		inHook = []dst.Stmt{&dst.ExprStmt{X: hookCall}, &dst.ReturnStmt{}}
		direct = []dst.Stmt{&dst.ExprStmt{X: origCall}}
	}
	for _, s := range inHook {
		rw.anchorStmt(s, fn.pos)
	}
	fd.Body = &dst.BlockStmt{List: []dst.Stmt{rw.ifHook(fn, e.Hook, inHook...)}}
	rw.anchorStmt(fd.Body.List[0], fn.pos)
	for _, s := range direct {
		fd.Body.List = append(fd.Body.List, s)
		rw.anchorStmt(s, fn.pos)
	}
	rw.anchorClose(fd.Body, fn.pos)

	// The moved body keeps its positions: its statements and closing brace
	// are anchored, and the new declaration maps to the original one.
	rw.anchorDecl(origDecl, fn.pos)
	rw.anchorBody(origDecl.Body, fn.rbrace)
	rw.appended = append(rw.appended, origDecl)
	return nil
}

// callsRecover reports whether body calls recover itself (not in a function
// literal). A local declaration named recover would make this a false
// alarm; that is rare enough to refuse anyway.
func callsRecover(body *dst.BlockStmt) bool {
	found := false
	dst.Inspect(body, func(n dst.Node) bool {
		switch n := n.(type) {
		case *dst.FuncLit:
			return false
		case *dst.CallExpr:
			if id, ok := n.Fun.(*dst.Ident); ok && id.Name == "recover" {
				found = true
			}
		}
		return !found
	})
	return found
}

// compilerDirectives are the //go: directives of a function that concern the
// code of its body, so they must follow the body when EditAround moves it.
// The others stay with the declaration only: //go:linkname applies to the
// name (a copy would link a second symbol to the same name) and
// //go:wasmexport exports the name.
var compilerDirectives = []string{
	"//go:noinline", "//go:nosplit", "//go:norace", "//go:nocheckptr",
	"//go:uintptrescapes", "//go:uintptrkeepalive", "//go:systemstack",
	"//go:nowritebarrier", "//go:nowritebarrierrec", "//go:yeswritebarrierrec",
}

// bodyDirectives returns the directives among decs (the comments before a
// function declaration) that concern its body.
func bodyDirectives(decs dst.Decorations) dst.Decorations {
	var out dst.Decorations
	for _, d := range decs {
		if slices.Contains(compilerDirectives, strings.TrimRight(d, " \t")) {
			out = append(out, d)
		}
	}
	return out
}

// resultList returns an unnamed result list: the hook's type must not
// depend on the names the original gives its results.
func resultList(results []dst.Expr) *dst.FieldList {
	fl := &dst.FieldList{Opening: len(results) > 1, Closing: len(results) > 1}
	for _, r := range results {
		fl.List = append(fl.List, &dst.Field{Type: clone(r)})
	}
	return fl
}

// paramTypes returns the declared types of the parameters.
func paramTypes(params []param) []dst.Expr {
	var ts []dst.Expr
	for _, p := range params {
		ts = append(ts, p.typ)
	}
	return ts
}

// args returns the parameters as call arguments.
func args(params []param) []dst.Expr {
	var as []dst.Expr
	for _, p := range params {
		as = append(as, dst.NewIdent(p.name))
	}
	return as
}

// ifHook returns `if h := Hook; h != nil { body }`. The hook is loaded once
// into a local so that the test and the call see the same value even if
// the variable is set concurrently.
func (rw *rewriter) ifHook(fn *function, hook string, body ...dst.Stmt) *dst.IfStmt {
	return &dst.IfStmt{
		Init: &dst.AssignStmt{
			Lhs: []dst.Expr{dst.NewIdent(fn.hookLocal())},
			Tok: token.DEFINE,
			Rhs: []dst.Expr{dst.NewIdent(hook)},
		},
		Cond: &dst.BinaryExpr{X: dst.NewIdent(fn.hookLocal()), Op: token.NEQ, Y: dst.NewIdent("nil")},
		Body: &dst.BlockStmt{List: body},
	}
}

// addHookVar declares `var name typ` at the end of the file, exported to the
// linker under its own name so that the runtime hook package can set it.
func (rw *rewriter) addHookVar(fn *function, name string, typ *dst.FuncType) {
	d := &dst.GenDecl{
		Tok:   token.VAR,
		Specs: []dst.Spec{&dst.ValueSpec{Names: []*dst.Ident{dst.NewIdent(name)}, Type: typ}},
	}
	d.Decs.Before = dst.EmptyLine
	d.Decs.Start.Append("//go:linkname " + name)
	rw.anchorDecl(d, fn.pos)
	rw.appended = append(rw.appended, d)
	rw.needUnsafe = true
}

// prepend inserts an injected statement at the start of the function's
// body, positioned at the declaration, and anchors the original statements
// that follow, which the insertion moves down.
func (rw *rewriter) prepend(fn *function, s dst.Stmt) {
	body := fn.decl.Body
	rw.anchorBody(body, fn.rbrace)
	rw.anchorStmt(s, fn.pos)
	body.List = append([]dst.Stmt{s}, body.List...)
	if len(body.List) == 1 {
		// The body was empty: the injected statement is the last one now,
		// and it carries the closing brace's position.
		rw.anchorClose(body, fn.rbrace)
	}
}

// anchorBody anchors the original statements of a rewritten body and its
// closing brace at their original positions.
func (rw *rewriter) anchorBody(body *dst.BlockStmt, rbrace token.Position) {
	for _, s := range body.List {
		if p := rw.origPos(s); p.IsValid() {
			rw.anchorStmt(s, p)
		}
	}
	rw.anchorClose(body, rbrace)
}

// addUnsafeImport adds `import _ "unsafe"` unless the file imports unsafe
// already, in whatever form.
func (rw *rewriter) addUnsafeImport() error {
	last := -1
	for i, d := range rw.file.Decls {
		gd, ok := d.(*dst.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		last = i
		for _, s := range gd.Specs {
			path, err := strconv.Unquote(s.(*dst.ImportSpec).Path.Value)
			if err != nil {
				return fmt.Errorf("rewrite: %s: bad import path %s", rw.filename, s.(*dst.ImportSpec).Path.Value)
			}
			if path == "unsafe" {
				return nil
			}
		}
	}
	imp := &dst.GenDecl{
		Tok: token.IMPORT,
		Specs: []dst.Spec{&dst.ImportSpec{
			Name: dst.NewIdent("_"),
			Path: &dst.BasicLit{Kind: token.STRING, Value: strconv.Quote("unsafe")},
		}},
	}
	imp.Decs.Before = dst.EmptyLine
	// The import belongs to the file as a whole: it maps to the package
	// clause.
	if p := rw.origPos(rw.file); p.IsValid() {
		rw.anchorDecl(imp, p)
	}
	rw.file.Decls = slices.Insert(rw.file.Decls, last+1, dst.Decl(imp))
	return nil
}

// errUnmapped is returned by the position check when the printed file does
// not parse back into the tree it was printed from, which would mean the
// rewrite itself is wrong.
var errUnmapped = errors.New("rewrite: internal error: the rewritten file does not parse back to the rewritten syntax tree")
