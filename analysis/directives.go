package analysis

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
)

// DirectivePrefix starts every ssaweave directive comment.
const DirectivePrefix = "//ssaweave:"

// The directives, written in the doc comment of a function declaration
// (or, for ignore, before the package clause of a file).
const (
	// DirectiveSpan gives the function a span: //ssaweave:span [name].
	DirectiveSpan = "span"
	// DirectiveIgnore excludes the function (or every function of the
	// file) from instrumentation: it gets no span, and what is reachable
	// only through it is not woven.
	DirectiveIgnore = "ignore"
)

// FuncSpan is a function of the main module that gets a function span,
// selected by a //ssaweave:span directive or by the configuration file.
type FuncSpan struct {
	Func    *ssa.Function
	Package *packages.Package
	Decl    token.Position // the declaration's func keyword
	// Name is the function as edits name it: "Func" or "Type.Method".
	Name string
	// Span is the span name.
	Span string
	// Source says what selected the function: "//ssaweave:span at
	// file:line" or "ssaweave.yaml:7".
	Source string
	// Parent names the parameter the span's parent comes from ("#N" for
	// the Nth, counting from 0, when it is blank or unnamed), and
	// ParentKind says what it is: "context" (a context.Context) or
	// "request" (an *http.Request). Both are empty when the function has
	// neither (the span's parent is then the goroutine's trace context,
	// if any).
	Parent, ParentKind string
	// Refused, when not empty, says why the function cannot get a span.
	Refused string
	// Via is, for a path span, the call chain from the function (left
	// out) to the sink it leads to, as go/ssa names functions.
	Via []string
}

// Exclusions decides which functions are excluded roots: functions marked
// //ssaweave:ignore (or in a file so marked), functions of packages the
// configuration excludes, and the handlers registered for excluded routes.
type Exclusions struct {
	funcs    map[*ssa.Function]string // declared functions and handlers → why
	patterns []string                 // excluded package patterns
	where    []string                 // parallel to patterns: file:line
}

// Excluded returns why fn is excluded, or "" if it is not. Closures and
// instantiations are excluded with the function that declares them.
func (e *Exclusions) Excluded(fn *ssa.Function) string {
	if e == nil {
		return ""
	}
	for fn.Parent() != nil {
		fn = fn.Parent()
	}
	if o := fn.Origin(); o != nil {
		fn = o
	}
	if why, ok := e.funcs[fn]; ok {
		return why
	}
	if fn.Pkg != nil && len(e.patterns) > 0 {
		path := fn.Pkg.Pkg.Path()
		for i, p := range e.patterns {
			if MatchPackage(p, path) {
				return fmt.Sprintf("package %s is excluded by %s", path, e.where[i])
			}
		}
	}
	return ""
}

// Empty reports whether nothing is excluded.
func (e *Exclusions) Empty() bool { return e == nil || len(e.funcs) == 0 && len(e.patterns) == 0 }

// Directives reads the //ssaweave: directives of the main module's
// packages and applies the settings: it returns the functions that get a
// span, in package then source order, and the exclusions. A malformed or
// misplaced directive is an error at its position.
func Directives(prog *Program, s *Settings) ([]FuncSpan, *Exclusions, error) {
	if s == nil {
		s = &Settings{}
	}
	s = s.relativeTo(prog.Dir)
	ex := &Exclusions{funcs: map[*ssa.Function]string{}}
	for i, p := range s.Exclude.Packages {
		ex.patterns = append(ex.patterns, p)
		ex.where = append(ex.where, fmt.Sprintf("%s:%d", s.File, lineAt(s.Exclude.PackageLines, i)))
	}
	var spans []FuncSpan
	var errs []string
	for _, pkg := range prog.Own {
		for _, f := range pkg.Syntax {
			fileIgnore := ""
			attached := map[*ast.Comment]bool{}
			for _, cg := range f.Comments {
				if cg.End() >= f.Package {
					continue
				}
				for _, c := range cg.List {
					if verb, _, ok := directive(c.Text); ok {
						attached[c] = true
						if verb == DirectiveIgnore {
							fileIgnore = fmt.Sprintf("the file is marked //ssaweave:ignore (%s)", prog.position(c.Pos()))
						} else {
							errs = append(errs, fmt.Sprintf("%s: //ssaweave:%s must be in the doc comment of a function; only //ssaweave:ignore applies to a whole file", prog.position(c.Pos()), verb))
						}
					}
				}
			}
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Doc == nil {
					continue
				}
				var span *ast.Comment
				var spanName string
				ignore := ""
				for _, c := range fd.Doc.List {
					verb, arg, ok := directive(c.Text)
					if !ok {
						continue
					}
					attached[c] = true
					switch verb {
					case DirectiveSpan:
						span, spanName = c, arg
					case DirectiveIgnore:
						ignore = fmt.Sprintf("%s is marked //ssaweave:ignore (%s)", fd.Name.Name, prog.position(c.Pos()))
					default:
						errs = append(errs, fmt.Sprintf("%s: unknown directive //ssaweave:%s: the directives are //ssaweave:span [name] and //ssaweave:ignore", prog.position(c.Pos()), verb))
					}
				}
				fn := declFunc(prog, pkg, fd)
				if fn == nil {
					continue
				}
				if ignore == "" {
					ignore = fileIgnore
				}
				if ignore != "" {
					ex.funcs[fn] = ignore
					continue
				}
				if span != nil {
					spans = append(spans, newFuncSpan(prog, pkg, fd, fn, spanName, "//ssaweave:span at "+prog.position(span.Pos())))
				}
			}
			if fileIgnore != "" {
				for _, d := range f.Decls {
					if fd, ok := d.(*ast.FuncDecl); ok {
						if fn := declFunc(prog, pkg, fd); fn != nil {
							ex.funcs[fn] = fileIgnore
						}
					}
				}
			}
			// A directive anywhere else is a mistake the user must hear of:
			// silently doing nothing is what peers' users complain about.
			for _, cg := range f.Comments {
				for _, c := range cg.List {
					if verb, _, ok := directive(c.Text); ok && !attached[c] {
						errs = append(errs, fmt.Sprintf("%s: //ssaweave:%s must be in the doc comment of a function declaration", prog.position(c.Pos()), verb))
					}
				}
			}
		}
	}
	if len(errs) > 0 {
		return nil, nil, fmt.Errorf("ssaweave: %s", strings.Join(errs, "\nssaweave: "))
	}
	spans = append(spans, configSpans(prog, s, ex, spans)...)
	routeHandlers(prog, s, ex)
	slices.SortStableFunc(spans, func(a, b FuncSpan) int {
		if c := strings.Compare(a.Decl.Filename, b.Decl.Filename); c != 0 {
			return c
		}
		return a.Decl.Line - b.Decl.Line
	})
	return spans, ex, nil
}

// SelectorNotes lists the configuration's span selectors that select no
// function, which is most likely a typo.
func SelectorNotes(prog *Program, s *Settings) []string {
	s = s.relativeTo(prog.Dir)
	var notes []string
	for i, sel := range s.Spans {
		found := false
		for _, pkg := range prog.Own {
			forEachFunc(pkg, func(fd *ast.FuncDecl, recv string) {
				found = found || sel.Matches(pkg.PkgPath, recv, fd.Name.Name)
			})
		}
		if !found {
			notes = append(notes, fmt.Sprintf("%s:%d: spans[%d] selects no function of the main module", s.File, sel.Line, i))
		}
	}
	return notes
}

// configSpans returns the functions the configuration's selectors pick
// that no directive already gave a span and that are not excluded.
func configSpans(prog *Program, s *Settings, ex *Exclusions, have []FuncSpan) []FuncSpan {
	seen := map[*ssa.Function]bool{}
	for _, fs := range have {
		seen[fs.Func] = true
	}
	var out []FuncSpan
	for _, pkg := range prog.Own {
		forEachFunc(pkg, func(fd *ast.FuncDecl, recv string) {
			for _, sel := range s.Spans {
				if !sel.Matches(pkg.PkgPath, recv, fd.Name.Name) {
					continue
				}
				fn := declFunc(prog, pkg, fd)
				if fn == nil || seen[fn] || ex.Excluded(fn) != "" {
					return
				}
				seen[fn] = true
				out = append(out, newFuncSpan(prog, pkg, fd, fn, sel.Name, fmt.Sprintf("%s:%d", s.File, sel.Line)))
				return
			}
		})
	}
	return out
}

// forEachFunc calls f for every function declaration with a body in pkg,
// with its receiver type name ("*T" for a pointer receiver, "" for none).
func forEachFunc(pkg *packages.Package, f func(fd *ast.FuncDecl, recv string)) {
	for _, file := range pkg.Syntax {
		for _, d := range file.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				f(fd, recvTypeName(fd))
			}
		}
	}
}

// declName is the name of fd as edits name a declaration: "Func", or
// "Type.Method" for a method (value or pointer receiver alike).
func declName(fd *ast.FuncDecl) string {
	if fd.Recv != nil {
		return strings.TrimPrefix(recvTypeName(fd), "*") + "." + fd.Name.Name
	}
	return fd.Name.Name
}

// recvTypeName returns the receiver's type name, "*T" for a pointer.
func recvTypeName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return ""
	}
	t := fd.Recv.List[0].Type
	star := ""
	if s, ok := t.(*ast.StarExpr); ok {
		star, t = "*", s.X
	}
	switch x := t.(type) {
	case *ast.IndexExpr:
		t = x.X
	case *ast.IndexListExpr:
		t = x.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return star + id.Name
	}
	return ""
}

// newFuncSpan describes the span of fn, declared by fd in pkg.
func newFuncSpan(prog *Program, pkg *packages.Package, fd *ast.FuncDecl, fn *ssa.Function, name, source string) FuncSpan {
	recv := strings.TrimPrefix(recvTypeName(fd), "*")
	edit := fd.Name.Name
	if recv != "" {
		edit = recv + "." + edit
	}
	fs := FuncSpan{
		Func:    fn,
		Package: pkg,
		Decl:    prog.Fset.Position(fd.Pos()),
		Name:    edit,
		Span:    name,
		Source:  source,
	}
	if fs.Span == "" {
		fs.Span = pkg.Types.Name() + "." + edit
	}
	switch {
	case fd.Body == nil:
		fs.Refused = "it has no body"
	case fn.TypeParams().Len() > 0 || (recv != "" && hasTypeParams(fd)):
		fs.Refused = "generic functions cannot get function spans yet"
	}
	// The parent: the first context.Context parameter, else the first
	// *http.Request one, as long as the parameter has a usable name.
	sig := fn.Signature
	for _, kind := range []string{"context", "request"} {
		if fs.ParentKind != "" {
			break
		}
		for i := range sig.Params().Len() {
			v := sig.Params().At(i)
			if (kind == "context" && isNamed(v.Type(), "context", "Context")) ||
				(kind == "request" && isPointerTo(v.Type(), "net/http", "Request")) {
				fs.Parent, fs.ParentKind = v.Name(), kind
				if v.Name() == "" || v.Name() == "_" {
					fs.Parent = fmt.Sprintf("#%d", i) // the backend names it
				}
				break
			}
		}
	}
	return fs
}

// hasTypeParams reports whether a method's receiver has type parameters.
func hasTypeParams(fd *ast.FuncDecl) bool {
	t := fd.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	switch t.(type) {
	case *ast.IndexExpr, *ast.IndexListExpr:
		return true
	}
	return false
}

// isNamed reports whether t is the named type pkg.name.
func isNamed(t types.Type, pkg, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pkg && n.Obj().Name() == name
}

// isPointerTo reports whether t is *pkg.name.
func isPointerTo(t types.Type, pkg, name string) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	return ok && isNamed(p.Elem(), pkg, name)
}

// declFunc returns the SSA function of a declaration.
func declFunc(prog *Program, pkg *packages.Package, fd *ast.FuncDecl) *ssa.Function {
	obj, _ := pkg.TypesInfo.Defs[fd.Name].(*types.Func)
	if obj == nil {
		return nil
	}
	return prog.SSA.FuncValue(obj)
}

// directive parses a //ssaweave:verb [arg] comment.
func directive(text string) (verb, arg string, ok bool) {
	rest, ok := strings.CutPrefix(text, DirectivePrefix)
	if !ok {
		return "", "", false
	}
	verb, arg, _ = strings.Cut(rest, " ")
	return verb, strings.TrimSpace(arg), true
}

// position formats pos relative to the program's directory when it is
// inside it.
func (prog *Program) position(pos token.Pos) string {
	p := prog.Fset.Position(pos)
	if rel, ok := strings.CutPrefix(p.Filename, prog.Dir+"/"); ok {
		p.Filename = rel
	}
	return fmt.Sprintf("%s:%d", p.Filename, p.Line)
}

// lineAt returns lines[i], or 0.
func lineAt(lines []int, i int) int {
	if i < len(lines) {
		return lines[i]
	}
	return 0
}

// routeHandlers marks as excluded the handlers that the main module
// registers on a net/http ServeMux (http.Handle, http.HandleFunc and the
// ServeMux methods) under an excluded route, when the pattern is a
// constant and the handler a function or method value the analysis can
// see. The runtime also skips those requests by pattern, whatever
// registered them; this static part is what lets the plan prune the code
// only they reach.
func routeHandlers(prog *Program, s *Settings, ex *Exclusions) {
	if len(s.Exclude.Routes) == 0 {
		return
	}
	excluded := map[string]int{}
	for i, r := range s.Exclude.Routes {
		excluded[r] = i
	}
	for _, pkg := range prog.Own {
		sp := prog.SSA.Package(pkg.Types)
		if sp == nil {
			continue
		}
		for _, fn := range allFuncs(sp) {
			for _, b := range fn.Blocks {
				for _, instr := range b.Instrs {
					call, ok := instr.(ssa.CallInstruction)
					if !ok {
						continue
					}
					c := call.Common()
					callee := c.StaticCallee()
					if callee == nil || callee.Pkg == nil || callee.Pkg.Pkg.Path() != "net/http" {
						continue
					}
					switch callee.Name() {
					case "Handle", "HandleFunc":
					default:
						continue
					}
					args := c.Args
					if callee.Signature.Recv() != nil {
						args = args[1:]
					}
					if len(args) != 2 {
						continue
					}
					k, ok := args[0].(*ssa.Const)
					if !ok || k.Value == nil || k.Value.Kind() != constant.String {
						continue
					}
					i, ok := excluded[constant.StringVal(k.Value)]
					if !ok {
						continue
					}
					if h := handlerFunc(args[1]); h != nil {
						ex.funcs[h] = fmt.Sprintf("it handles route %q, excluded by %s:%d", s.Exclude.Routes[i], s.File, lineAt(s.Exclude.RouteLines, i))
					}
				}
			}
		}
	}
}

// handlerFunc returns the function a handler value calls, when it is a
// function, a closure, a method value, or such a value converted to
// http.HandlerFunc or to http.Handler.
func handlerFunc(v ssa.Value) *ssa.Function {
	for {
		switch x := v.(type) {
		case *ssa.Function:
			return x
		case *ssa.MakeClosure:
			return x.Fn.(*ssa.Function)
		case *ssa.ChangeType:
			v = x.X
		case *ssa.MakeInterface:
			v = x.X
		default:
			return nil
		}
	}
}

// allFuncs returns the package's functions and methods with their
// anonymous functions, in a stable order.
func allFuncs(pkg *ssa.Package) []*ssa.Function {
	var out []*ssa.Function
	var add func(fn *ssa.Function)
	add = func(fn *ssa.Function) {
		out = append(out, fn)
		for _, anon := range fn.AnonFuncs {
			add(anon)
		}
	}
	var names []string
	for name := range pkg.Members {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		switch m := pkg.Members[name].(type) {
		case *ssa.Function:
			add(m)
		case *ssa.Type:
			if n, ok := m.Type().(*types.Named); ok && n.TypeParams().Len() > 0 {
				continue // methods of generic types have no single body
			}
			for _, t := range []types.Type{m.Type(), types.NewPointer(m.Type())} {
				ms := pkg.Prog.MethodSets.MethodSet(t)
				for i := range ms.Len() {
					sel := ms.At(i)
					if fn := pkg.Prog.MethodValue(sel); fn != nil && fn.Pkg == pkg && fn.Synthetic == "" && !slices.Contains(out, fn) {
						add(fn)
					}
				}
			}
		}
	}
	return out
}

// relativeTo returns s with File relative to dir when it is inside it, for
// messages that read well and do not depend on where the module is.
func (s *Settings) relativeTo(dir string) *Settings {
	if rel, err := filepath.Rel(dir, s.File); err == nil && s.File != "" && !strings.HasPrefix(rel, "..") {
		c := *s
		c.File = rel
		return &c
	}
	return s
}

// PathCandidates returns a FuncSpan for every function declared in the
// main module that could get a path span: not excluded, not already given
// a span by spans. The planner keeps those on a call path from an entry
// point to a sink.
func PathCandidates(prog *Program, ex *Exclusions, spans []FuncSpan) []FuncSpan {
	have := map[*ssa.Function]bool{}
	for _, fs := range spans {
		have[fs.Func] = true
	}
	var out []FuncSpan
	for _, pkg := range prog.Own {
		forEachFunc(pkg, func(fd *ast.FuncDecl, _ string) {
			fn := declFunc(prog, pkg, fd)
			if fn == nil || have[fn] || ex.Excluded(fn) != "" {
				return
			}
			// main and init are entry points whose span would last as
			// long as the program (or start before the SDK).
			if fd.Recv == nil && (fd.Name.Name == "init" || fd.Name.Name == "main" && pkg.Name == "main") {
				return
			}
			fs := newFuncSpan(prog, pkg, fd, fn, "", "paths")
			if fs.Refused == "" {
				out = append(out, fs)
			}
		})
	}
	return out
}
