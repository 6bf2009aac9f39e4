package ssaweave

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
)

// The packages whose registrations make entry points.
const (
	ginPkg  = "github.com/gin-gonic/gin"
	chiPkg  = "github.com/go-chi/chi/v5"
	grpcPkg = "google.golang.org/grpc"
)

// entryPoint is an entry point found in the user's code, before its spans
// are counted.
type entryPoint struct {
	kind, name string
	pos        token.Pos
	where      *ssa.Function   // the function that registers it
	handlers   []*ssa.Function // what a request runs
	server     string          // the entry-point rule whose span a request gets
	partial    bool            // the route prefix could not be followed
}

// entries finds the entry points of every program and counts the spans
// one request of each makes. It returns notes on what it could not see.
func (au *auditor) entries() ([]Entry, []string) {
	found, notes := au.findEntries()
	type ran struct {
		e   Entry
		fns map[*ssa.Function]bool
	}
	var all []ran
	for i, m := range au.pl.mains {
		var mine []entryPoint
		handlers := map[*ssa.Function]bool{}
		for _, ep := range found {
			if au.pl.full[i].Reachable(ep.where) {
				mine = append(mine, ep)
				for _, h := range ep.handlers {
					handlers[h] = true
				}
			}
		}
		mainFn := m.Func("main")
		e := Entry{Main: m.Pkg.Path(), Kind: "main", Name: "main", Pos: au.posOf(mainFn.Pos()), Handlers: []string{mainFn.String()}}
		// main's own spans: what it runs outside the requests it serves.
		var fns map[*ssa.Function]bool
		e.Calls, fns = au.spanCalls(i, []*ssa.Function{mainFn}, handlers)
		e.countSpans()
		all = append(all, ran{e, fns})
		for _, ep := range mine {
			e := Entry{Main: m.Pkg.Path(), Kind: ep.kind, Name: ep.name, Pos: au.posOf(ep.pos), Handlers: []string{}}
			for _, h := range ep.handlers {
				e.Handlers = append(e.Handlers, h.String())
			}
			if ep.server != "" && au.woven(i, ep.server) {
				e.Server = ep.server
			}
			excluded := ep.server == "net/http.server" && au.routeExcluded(ep.kind, ep.name)
			if excluded {
				e.Server = ""
			}
			switch {
			case excluded:
				e.Note = "the route is excluded (exclude.routes): its requests get no server span, and rt starts no span below it"
			case len(ep.handlers) == 0:
				e.Note = "the handler is not a function the analysis can see (a value computed at run time): its calls are not counted"
			case !au.pl.graphs[i].Reachable(ep.where):
				e.Note = "the registration is reachable only through excluded code"
			case ep.partial:
				e.Note = "part of the route's prefix comes from a router value the analysis cannot follow (…)"
			}
			e.Calls, fns = au.spanCalls(i, ep.handlers, nil)
			if excluded {
				e.Calls = []SpanCall{}
			}
			e.countSpans()
			all = append(all, ran{e, fns})
		}
	}
	es := make([]Entry, len(all))
	for k := range all {
		es[k] = all[k].e
	}
	sortEntries(es)
	// Explain needs, per entry, the user functions its requests run.
	au.visited = make([]map[*ssa.Function]bool, len(es))
	for k, e := range es {
		for _, r := range all {
			if r.e.Main == e.Main && r.e.Kind == e.Kind && r.e.Name == e.Name && r.e.Pos == e.Pos {
				au.visited[k] = r.fns
			}
		}
	}
	return es, notes
}

// woven reports whether program i weaves the telemetry rule named rule
// (reaches a target it does not instrument itself).
func (au *auditor) woven(i int, rule string) bool {
	for _, m := range au.pl.matches {
		if m.Rule.Name == rule && au.pl.graphs[i].Reachable(m.Func) && au.pl.selfInstrumented(i, m) == nil {
			return true
		}
	}
	return false
}

// ownFuncs returns the functions of the main module's packages with their
// anonymous functions, in a stable order.
func (au *auditor) ownFuncs() []*ssa.Function {
	var out []*ssa.Function
	seen := map[*ssa.Function]bool{}
	var add func(fn *ssa.Function)
	add = func(fn *ssa.Function) {
		if seen[fn] {
			return
		}
		seen[fn] = true
		out = append(out, fn)
		for _, anon := range fn.AnonFuncs {
			add(anon)
		}
	}
	for _, p := range au.prog.Own {
		sp := au.prog.SSA.Package(p.Types)
		if sp == nil {
			continue
		}
		var names []string
		for name := range sp.Members {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			switch m := sp.Members[name].(type) {
			case *ssa.Function:
				add(m)
			case *ssa.Type:
				if n, ok := m.Type().(*types.Named); ok && n.TypeParams().Len() > 0 {
					continue
				}
				for _, t := range []types.Type{m.Type(), types.NewPointer(m.Type())} {
					ms := sp.Prog.MethodSets.MethodSet(t)
					for j := range ms.Len() {
						if fn := sp.Prog.MethodValue(ms.At(j)); fn != nil && fn.Pkg == sp && fn.Synthetic == "" {
							add(fn)
						}
					}
				}
			}
		}
	}
	return out
}

// findEntries finds the entry points the main module's code registers:
// net/http ServeMux patterns, gin and chi routes, gRPC services.
func (au *auditor) findEntries() ([]entryPoint, []string) {
	funcs := au.ownFuncs()
	r := &routers{parent: map[ssa.Value]routerParent{}}
	// Sub-routers first (chi Mount and Route, gin Group), so that routes
	// get their full prefix whatever the order of the code.
	for _, fn := range funcs {
		forCalls(fn, func(c ssa.CallInstruction) { r.subRouter(c) })
	}
	var out []entryPoint
	var notes []string
	for _, fn := range funcs {
		forCalls(fn, func(c ssa.CallInstruction) {
			if ep, ok := au.httpEntry(fn, c); ok {
				out = append(out, ep)
			}
			if ep, ok := r.route(fn, c); ok {
				out = append(out, ep)
			}
			eps, note := au.grpcEntries(fn, c)
			out = append(out, eps...)
			if note != "" {
				notes = append(notes, note)
			}
		})
	}
	// A gRPC registration in generated code (RegisterXServer calling
	// RegisterService) is also found where the user calls it: keep the
	// user's, which says which program registers it.
	byUser := map[string]bool{}
	for _, ep := range out {
		if ep.kind == "grpc" && au.user(ep.where) {
			byUser[ep.name] = true
		}
	}
	out = slices.DeleteFunc(out, func(ep entryPoint) bool {
		return ep.kind == "grpc" && byUser[ep.name] && !au.user(ep.where)
	})
	return out, notes
}

// forCalls calls f with each call instruction of fn.
func forCalls(fn *ssa.Function, f func(ssa.CallInstruction)) {
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			if c, ok := instr.(ssa.CallInstruction); ok {
				f(c)
			}
		}
	}
}

// constString returns the value of a constant string, or false.
func constString(v ssa.Value) (string, bool) {
	k, ok := v.(*ssa.Const)
	if !ok || k.Value == nil || k.Value.Kind() != constant.String {
		return "", false
	}
	return constant.StringVal(k.Value), true
}

// calleeIn returns the static callee of c when it is a function or method
// of the package path, with its arguments after the receiver.
func calleeIn(c ssa.CallInstruction, path string) (*ssa.Function, []ssa.Value) {
	callee := c.Common().StaticCallee()
	if callee == nil || callee.Pkg == nil {
		if o := callee; o != nil && o.Origin() != nil && o.Origin().Pkg != nil && o.Origin().Pkg.Pkg.Path() == path {
			return o, c.Common().Args[1:]
		}
		return nil, nil
	}
	if callee.Pkg.Pkg.Path() != path {
		return nil, nil
	}
	args := c.Common().Args
	if callee.Signature.Recv() != nil && len(args) > 0 {
		args = args[1:]
	}
	return callee, args
}

// httpEntry recognizes http.Handle, http.HandleFunc and the ServeMux
// methods with a constant pattern.
func (au *auditor) httpEntry(fn *ssa.Function, c ssa.CallInstruction) (entryPoint, bool) {
	callee, args := calleeIn(c, "net/http")
	if callee == nil || (callee.Name() != "Handle" && callee.Name() != "HandleFunc") || len(args) != 2 {
		return entryPoint{}, false
	}
	pattern, ok := constString(args[0])
	if !ok {
		return entryPoint{}, false
	}
	handlers := au.handlerFuncs(args[1], 2)
	if len(handlers) == 0 && au.isRouter(args[1]) {
		return entryPoint{}, false // its routes are entry points of their own
	}
	return entryPoint{kind: "net/http", name: pattern, pos: c.Pos(), where: fn, handlers: handlers, server: "net/http.server"}, true
}

// isRouter reports whether v holds a gin or chi router, whose routes are
// entry points of their own.
func (au *auditor) isRouter(v ssa.Value) bool {
	v = strip(v)
	t := v.Type()
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return false
	}
	path := n.Obj().Pkg().Path()
	return path == ginPkg || path == chiPkg
}

// strip returns the value v converts.
func strip(v ssa.Value) ssa.Value {
	for {
		switch x := v.(type) {
		case *ssa.MakeInterface:
			v = x.X
		case *ssa.ChangeType:
			v = x.X
		case *ssa.ChangeInterface:
			v = x.X
		default:
			return v
		}
	}
}

// handlerFuncs returns the functions an http.Handler or handler function
// value v runs: a function, a closure, a method value, a value of a type
// with a ServeHTTP method, or what a function returns (depth calls deep).
func (au *auditor) handlerFuncs(v ssa.Value, depth int) []*ssa.Function {
	switch x := strip(v).(type) {
	case *ssa.Function, *ssa.MakeClosure:
		return funcValues(x)
	case *ssa.Call:
		callee := x.Call.StaticCallee()
		if callee == nil || depth == 0 {
			return nil
		}
		var out []*ssa.Function
		for _, b := range callee.Blocks {
			if ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return); ok && len(ret.Results) == 1 {
				for _, f := range au.handlerFuncs(ret.Results[0], depth-1) {
					if !slices.Contains(out, f) {
						out = append(out, f)
					}
				}
			}
		}
		return out
	default:
		t := x.Type()
		if p, ok := t.Underlying().(*types.Pointer); ok {
			t = p.Elem()
		}
		if _, ok := t.(*types.Named); !ok || au.isRouter(x) {
			return nil
		}
		if m := methodByName(au.prog.SSA, t, "ServeHTTP"); m != nil && m.Synthetic == "" {
			return []*ssa.Function{m}
		}
	}
	return nil
}

// routers resolves the prefixes of gin and chi routes: each router value
// (the result of gin.New, chi.NewRouter, Group, With, Route's argument) is
// mounted under a parent router with a prefix.
type routers struct {
	parent map[ssa.Value]routerParent
}

type routerParent struct {
	router ssa.Value // "" when the router is a root
	prefix string
}

// origin returns the router value v refers to: through conversions and
// the RouterGroup a gin Engine embeds.
func origin(v ssa.Value) ssa.Value {
	for {
		v = strip(v)
		if fa, ok := v.(*ssa.FieldAddr); ok {
			v = fa.X
			continue
		}
		return v
	}
}

// routerCall returns the method c calls on a gin or chi router, its
// receiver and its arguments, or "".
func routerCall(c ssa.CallInstruction) (pkg, method string, recv ssa.Value, args []ssa.Value) {
	com := c.Common()
	if com.IsInvoke() {
		t := com.Value.Type()
		if n, ok := t.(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == chiPkg {
			return chiPkg, com.Method.Name(), com.Value, com.Args
		}
		return "", "", nil, nil
	}
	callee := com.StaticCallee()
	if callee == nil || callee.Pkg == nil || callee.Signature.Recv() == nil || len(com.Args) == 0 {
		return "", "", nil, nil
	}
	switch p := callee.Pkg.Pkg.Path(); p {
	case ginPkg, chiPkg:
		return p, callee.Name(), com.Args[0], com.Args[1:]
	}
	return "", "", nil, nil
}

// subRouter records the router c mounts, if it mounts one.
func (r *routers) subRouter(c ssa.CallInstruction) {
	pkg, method, recv, args := routerCall(c)
	if pkg == "" {
		return
	}
	call, _ := c.(*ssa.Call)
	switch {
	case pkg == ginPkg && method == "Group" && len(args) >= 1 && call != nil:
		prefix, _ := constString(args[0])
		r.parent[call] = routerParent{origin(recv), prefix}
	case pkg == chiPkg && (method == "Route" || method == "Group") && len(args) >= 1:
		prefix := ""
		if method == "Route" {
			prefix, _ = constString(args[0])
		}
		if call != nil {
			r.parent[call] = routerParent{origin(recv), prefix}
		}
		for _, f := range funcValues(args[len(args)-1]) {
			if len(f.Params) > 0 {
				r.parent[f.Params[0]] = routerParent{origin(recv), prefix}
			}
		}
	case pkg == chiPkg && method == "With" && call != nil:
		r.parent[call] = routerParent{origin(recv), ""}
	case pkg == chiPkg && method == "Mount" && len(args) == 2:
		prefix, _ := constString(args[0])
		r.parent[origin(args[1])] = routerParent{origin(recv), prefix}
	}
}

// prefix returns the full prefix of router v, and whether some of it
// could not be followed.
func (r *routers) prefix(v ssa.Value) (string, bool) {
	var parts []string
	partial := false
	for range 32 {
		p, ok := r.parent[v]
		if !ok {
			// A router made by a call (gin.New(), chi.NewRouter()) and
			// mounted nowhere is a root; one that comes from a parameter,
			// a variable or a field may be mounted where the analysis
			// cannot see.
			_, root := v.(*ssa.Call)
			partial = !root
			break
		}
		parts = append(parts, p.prefix)
		v = p.router
	}
	slices.Reverse(parts)
	out := ""
	for _, s := range parts {
		out = joinRoute(out, s)
	}
	if partial {
		out = "…" + out
	}
	return out, partial
}

// joinRoute joins a router prefix and a pattern, as gin and chi do.
func joinRoute(prefix, pattern string) string {
	switch {
	case pattern == "":
		return prefix
	case prefix == "":
		return pattern
	}
	return strings.TrimSuffix(prefix, "/") + "/" + strings.TrimPrefix(pattern, "/")
}

// The HTTP methods of gin's and chi's route methods.
var (
	ginMethods = map[string]string{"GET": "GET", "POST": "POST", "PUT": "PUT", "DELETE": "DELETE", "PATCH": "PATCH", "HEAD": "HEAD", "OPTIONS": "OPTIONS", "Any": "ANY"}
	chiMethods = map[string]string{"Get": "GET", "Post": "POST", "Put": "PUT", "Delete": "DELETE", "Patch": "PATCH", "Head": "HEAD", "Options": "OPTIONS", "Connect": "CONNECT", "Trace": "TRACE", "Handle": "", "HandleFunc": ""}
)

// route recognizes a gin or chi route registration with a constant
// pattern.
func (r *routers) route(fn *ssa.Function, c ssa.CallInstruction) (entryPoint, bool) {
	pkg, method, recv, args := routerCall(c)
	var verb, pattern string
	var handlerArgs []ssa.Value
	switch {
	case pkg == ginPkg && ginMethods[method] != "" && len(args) == 2:
		verb = ginMethods[method]
		pattern, _ = constString(args[0])
		handlerArgs = sliceElems(args[1])
	case pkg == ginPkg && method == "Handle" && len(args) == 3:
		verb, _ = constString(args[0])
		pattern, _ = constString(args[1])
		handlerArgs = sliceElems(args[2])
	case pkg == chiPkg && len(args) == 2:
		v, ok := chiMethods[method]
		if !ok {
			return entryPoint{}, false
		}
		verb = v
		pattern, _ = constString(args[0])
		handlerArgs = args[1:]
	case pkg == chiPkg && (method == "Method" || method == "MethodFunc") && len(args) == 3:
		verb, _ = constString(args[0])
		pattern, _ = constString(args[1])
		handlerArgs = args[2:]
	default:
		return entryPoint{}, false
	}
	if pattern == "" {
		return entryPoint{}, false
	}
	prefix, partial := r.prefix(origin(recv))
	name := joinRoute(prefix, pattern)
	if partial && prefix == "…" {
		name = "…" + pattern
	}
	if verb != "" {
		name = verb + " " + name
	}
	ep := entryPoint{kind: "chi", name: name, pos: c.Pos(), where: fn, server: "net/http.server", partial: partial}
	if pkg == ginPkg {
		ep.kind = "gin"
	}
	for _, h := range handlerArgs {
		ep.handlers = append(ep.handlers, funcValues(h)...)
	}
	return ep, true
}

// sliceElems returns the values stored into the elements of a slice built
// for a variadic call, in index order.
func sliceElems(v ssa.Value) []ssa.Value {
	s, ok := v.(*ssa.Slice)
	if !ok {
		return nil
	}
	alloc, ok := s.X.(*ssa.Alloc)
	if !ok || alloc.Referrers() == nil {
		return nil
	}
	var out []ssa.Value
	for _, ref := range *alloc.Referrers() {
		ia, ok := ref.(*ssa.IndexAddr)
		if !ok || ia.Referrers() == nil {
			continue
		}
		for _, r := range *ia.Referrers() {
			if st, ok := r.(*ssa.Store); ok && st.Addr == ia {
				out = append(out, st.Val)
			}
		}
	}
	return out
}

// grpcEntries recognizes a gRPC service registration: a call of
// RegisterService (on *grpc.Server or a grpc.ServiceRegistrar), or of a
// function that makes one (a generated RegisterXServer), with a
// ServiceDesc variable whose Methods and Streams name their handlers.
func (au *auditor) grpcEntries(fn *ssa.Function, c ssa.CallInstruction) ([]entryPoint, string) {
	desc := registeredDesc(c)
	if desc == nil {
		callee := c.Common().StaticCallee()
		if callee == nil || !strings.HasPrefix(callee.Name(), "Register") || !strings.HasSuffix(callee.Name(), "Server") {
			return nil, ""
		}
		forCalls(callee, func(inner ssa.CallInstruction) {
			if d := registeredDesc(inner); d != nil {
				desc = d
			}
		})
		if desc == nil {
			return nil, ""
		}
	}
	service, methods, ok := au.serviceDesc(desc)
	if !ok {
		return nil, fmt.Sprintf("gRPC service %s registered at %s: its ServiceDesc is not a composite literal the analysis can read, so its methods are not listed", desc.Name(), au.posOf(c.Pos()))
	}
	var out []entryPoint
	for _, m := range methods {
		ep := entryPoint{kind: "grpc", name: "/" + service + "/" + m.name, pos: c.Pos(), where: fn, server: "grpc.server"}
		if m.handler != nil {
			ep.handlers = []*ssa.Function{m.handler}
		}
		out = append(out, ep)
	}
	return out, ""
}

// registeredDesc returns the ServiceDesc variable c registers, when c
// calls RegisterService with the address of a package-level variable.
func registeredDesc(c ssa.CallInstruction) *ssa.Global {
	com := c.Common()
	var arg ssa.Value
	switch {
	case com.IsInvoke() && com.Method.Name() == "RegisterService" && len(com.Args) == 2:
		arg = com.Args[0]
	default:
		callee, args := calleeIn(c, grpcPkg)
		if callee == nil || callee.Name() != "RegisterService" || len(args) != 2 {
			return nil
		}
		arg = args[0]
	}
	g, _ := strip(arg).(*ssa.Global)
	return g
}

// grpcMethod is a method or stream of a ServiceDesc.
type grpcMethod struct {
	name    string
	handler *ssa.Function
}

// serviceDesc reads the ServiceName, Methods and Streams of the
// composite literal that initializes the ServiceDesc variable g.
func (au *auditor) serviceDesc(g *ssa.Global) (string, []grpcMethod, bool) {
	obj := g.Object()
	var pkg *packages.Package
	packages.Visit(au.prog.Packages, nil, func(p *packages.Package) {
		if p.Types == obj.Pkg() {
			pkg = p
		}
	})
	if pkg == nil {
		return "", nil, false
	}
	var lit *ast.CompositeLit
	for _, f := range pkg.Syntax {
		ast.Inspect(f, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok {
				return lit == nil
			}
			for k, name := range vs.Names {
				if pkg.TypesInfo.Defs[name] == obj && k < len(vs.Values) {
					lit, _ = ast.Unparen(vs.Values[k]).(*ast.CompositeLit)
				}
			}
			return false
		})
	}
	if lit == nil {
		return "", nil, false
	}
	info := pkg.TypesInfo
	str := func(e ast.Expr) string {
		if tv, ok := info.Types[e]; ok && tv.Value != nil && tv.Value.Kind() == constant.String {
			return constant.StringVal(tv.Value)
		}
		return ""
	}
	fun := func(e ast.Expr) *ssa.Function {
		var id *ast.Ident
		switch x := ast.Unparen(e).(type) {
		case *ast.Ident:
			id = x
		case *ast.SelectorExpr:
			id = x.Sel
		}
		if id == nil {
			return nil
		}
		if f, ok := info.Uses[id].(*types.Func); ok {
			return au.prog.SSA.FuncValue(f)
		}
		return nil
	}
	var service string
	var methods []grpcMethod
	for _, elt := range lit.Elts {
		kv, ok := elt.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		key, _ := kv.Key.(*ast.Ident)
		if key == nil {
			continue
		}
		switch key.Name {
		case "ServiceName":
			service = str(kv.Value)
		case "Methods", "Streams":
			list, ok := kv.Value.(*ast.CompositeLit)
			if !ok {
				continue
			}
			for _, e := range list.Elts {
				ml, ok := e.(*ast.CompositeLit)
				if !ok {
					continue
				}
				var m grpcMethod
				for _, f := range ml.Elts {
					if fkv, ok := f.(*ast.KeyValueExpr); ok {
						if k, ok := fkv.Key.(*ast.Ident); ok {
							switch k.Name {
							case "MethodName", "StreamName":
								m.name = str(fkv.Value)
							case "Handler":
								m.handler = fun(fkv.Value)
							}
						}
					}
				}
				if m.name != "" {
					methods = append(methods, m)
				}
			}
		}
	}
	return service, methods, service != ""
}

// routeExcluded reports whether the configuration's exclude.routes
// covers the HTTP entry point name: the runtime serves the requests that
// a ServeMux holding the excluded patterns matches under a suppressing
// context. A ServeMux pattern matches by its text; a gin or chi route
// with parameters cannot be turned into one request, and is taken as not
// excluded.
func (au *auditor) routeExcluded(kind, name string) bool {
	if len(au.pl.routes) == 0 {
		return false
	}
	if kind == "net/http" {
		return slices.Contains(au.pl.routes, name)
	}
	method, path, ok := strings.Cut(name, " ")
	if !ok || strings.ContainsAny(path, "{:*…") {
		return false
	}
	mux := http.NewServeMux()
	for _, r := range au.pl.routes {
		if !registerRoute(mux, r) {
			return false
		}
	}
	req := &http.Request{Method: method, Host: "localhost", URL: &url.URL{Path: path}}
	_, pattern := mux.Handler(req)
	return pattern != ""
}

// registerRoute adds a pattern to mux, reporting false when the ServeMux
// refuses it (the configuration was checked, so this is not expected).
func registerRoute(mux *http.ServeMux, pattern string) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	mux.Handle(pattern, http.NotFoundHandler())
	return true
}
