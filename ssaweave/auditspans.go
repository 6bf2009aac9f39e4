package ssaweave

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"os"
	"slices"
	"strings"

	"github.com/ssaweave/ssaweave/analysis"
	"github.com/ssaweave/ssaweave/callgraph"
	"golang.org/x/tools/go/ssa"
)

// auditor computes an audit from the analysis behind a plan.
type auditor struct {
	prog *analysis.Program
	pl   *planner

	ownPkgs   map[*ssa.Package]bool
	generated map[string]bool // files of the main module that say "Code generated ... DO NOT EDIT."
	loops     map[*ssa.Function][]int
	sources   map[string][]string // file → lines, for Source fields

	// Per main package, computed on first use.
	makers  []*spanMakers
	toward  []*toward // from library code to a span maker, never through the user's code
	entryFn []map[*ssa.Function]bool
	callees []map[ssa.CallInstruction][]*ssa.Function

	// visited records, per entry point (index into the result of
	// entries), the user functions its requests run, for Explain.
	visited []map[*ssa.Function]bool
}

func newAuditor(prog *analysis.Program, pl *planner) *auditor {
	au := &auditor{
		prog:      prog,
		pl:        pl,
		ownPkgs:   map[*ssa.Package]bool{},
		generated: map[string]bool{},
		loops:     map[*ssa.Function][]int{},
		sources:   map[string][]string{},
		makers:    make([]*spanMakers, len(pl.mains)),
		toward:    make([]*toward, len(pl.mains)),
		entryFn:   make([]map[*ssa.Function]bool, len(pl.mains)),
		callees:   make([]map[ssa.CallInstruction][]*ssa.Function, len(pl.mains)),
	}
	for _, p := range prog.Own {
		if sp := prog.SSA.Package(p.Types); sp != nil {
			au.ownPkgs[sp] = true
		}
		for _, f := range p.Syntax {
			if ast.IsGenerated(f) {
				au.generated[prog.Fset.File(f.Pos()).Name()] = true
			}
		}
	}
	return au
}

// own reports whether fn belongs to a package of the main module
// (generated code included).
func (au *auditor) own(fn *ssa.Function) bool {
	if o := fn.Origin(); o != nil {
		fn = o
	}
	return fn.Pkg != nil && au.ownPkgs[fn.Pkg]
}

// user reports whether fn is code the user writes: declared (not
// synthesized) in a package of the main module, in a file that is not
// generated. Generated code (gRPC stubs) counts as library code: a call of
// a generated client method is where a span is made.
func (au *auditor) user(fn *ssa.Function) bool {
	if fn.Synthetic != "" && fn.Synthetic != rangeFuncBody || !au.own(fn) || !fn.Pos().IsValid() {
		return false
	}
	return !au.generated[au.prog.Fset.File(fn.Pos()).Name()]
}

// spanMakers returns what makes spans in program i (planner.spanMakers).
func (au *auditor) spanMakers(i int) *spanMakers {
	if au.makers[i] == nil {
		au.makers[i] = au.pl.spanMakers(i)
	}
	return au.makers[i]
}

// entryTargets returns the targets of the entry-point rules matched in
// program i: the functions that dispatch requests to handlers. Spans of a
// request never come from the code that dispatches another.
func (au *auditor) entryTargets(i int) map[*ssa.Function]bool {
	if au.entryFn[i] == nil {
		au.entryFn[i] = map[*ssa.Function]bool{}
		for _, m := range au.pl.matches {
			if m.Rule.Entry {
				au.entryFn[i][m.Func] = true
			}
		}
	}
	return au.entryFn[i]
}

// towardSpans returns, for program i, which functions reach a span maker
// through library code alone, and how. The user's code is not passed
// through (a library that calls back into the program makes no span of
// its own), nor an entry point's dispatch (serving a request is not a
// call's span), nor excluded functions. A dynamic call (an interface
// method, a function value) in library code is followed only into the
// caller's own package or a package it imports: a library calls the
// methods of a value the program handed it (fmt's String calls, a
// driver's methods) on whatever the program passes, which says nothing of
// what the library itself does, and would otherwise make os.Getenv reach
// a gRPC client under RTA.
func (au *auditor) towardSpans(i int) *toward {
	if au.toward[i] != nil {
		return au.toward[i]
	}
	makers := au.spanMakers(i)
	entry := au.entryTargets(i)
	blocked := func(fn *ssa.Function) bool {
		return au.user(fn) || entry[fn] || au.pl.excl.Excluded(fn) != ""
	}
	t := &toward{next: map[*ssa.Function]*ssa.Function{}}
	nodes := au.pl.graphs[i].CallGraph().Nodes
	var queue []*ssa.Function
	for fn := range nodes {
		if fn != nil && makers.makes(fn) != "" && !blocked(fn) {
			queue = append(queue, fn)
		}
	}
	byName := func(fns []*ssa.Function) {
		slices.SortFunc(fns, func(a, b *ssa.Function) int { return cmp.Compare(a.String(), b.String()) })
	}
	byName(queue)
	for _, fn := range queue {
		t.next[fn] = nil
	}
	var callers []*ssa.Function
	for len(queue) > 0 {
		fn := queue[0]
		queue = queue[1:]
		callers = callers[:0]
		for _, e := range nodes[fn].In {
			c := e.Caller.Func
			if _, seen := t.next[c]; seen || c == nil || blocked(c) {
				continue
			}
			// Edges without a call site stand for calls the algorithm
			// infers (reflection): not the library's own doing.
			if e.Site == nil || e.Site.Common().StaticCallee() == nil && !au.imports(c, fn) {
				continue
			}
			callers = append(callers, c)
		}
		byName(callers)
		for _, c := range callers {
			if _, seen := t.next[c]; !seen {
				t.next[c] = fn
				queue = append(queue, c)
			}
		}
	}
	au.toward[i] = t
	return t
}

// imports reports whether the package of caller is the package of callee
// or imports it directly.
func (au *auditor) imports(caller, callee *ssa.Function) bool {
	from, to := funcPackage(caller), funcPackage(callee)
	if from == nil || to == nil {
		return false
	}
	return from == to || slices.Contains(from.Imports(), to)
}

// funcPackage returns the package that declares fn, or what a wrapper
// wraps, or the function a closure is in; nil if none.
func funcPackage(fn *ssa.Function) *types.Package {
	for ; fn != nil; fn = fn.Parent() {
		if o := fn.Origin(); o != nil {
			fn = o
		}
		if fn.Pkg != nil {
			return fn.Pkg.Pkg
		}
		if obj := fn.Object(); obj != nil && obj.Pkg() != nil {
			return obj.Pkg()
		}
	}
	return nil
}

// toward holds shortest call chains to span makers (towardSpans).
type toward struct {
	next map[*ssa.Function]*ssa.Function // next hop; makers map to nil
}

// Path returns the chain from fn to a span maker, both included, or nil.
func (t *toward) Path(fn *ssa.Function) []*ssa.Function {
	if _, ok := t.next[fn]; !ok {
		return nil
	}
	var path []*ssa.Function
	for f := fn; f != nil; f = t.next[f] {
		path = append(path, f)
	}
	return path
}

// calleesAt returns the callees of each call instruction of the functions
// of program i's call graph, as the graph resolved them.
func (au *auditor) calleesAt(i int, instr ssa.CallInstruction) []*ssa.Function {
	if au.callees[i] == nil {
		au.callees[i] = map[ssa.CallInstruction][]*ssa.Function{}
		for fn, n := range au.pl.graphs[i].CallGraph().Nodes {
			if fn == nil || !au.user(fn) {
				continue
			}
			for _, e := range n.Out {
				if e.Site != nil && !slices.Contains(au.callees[i][e.Site], e.Callee.Func) {
					au.callees[i][e.Site] = append(au.callees[i][e.Site], e.Callee.Func)
				}
			}
		}
		for _, cs := range au.callees[i] {
			slices.SortFunc(cs, func(a, b *ssa.Function) int { return cmp.Compare(a.String(), b.String()) })
		}
	}
	return au.callees[i][instr]
}

// maxLoopDepth bounds the loop depths summed along call chains, so that
// recursion through loops ends.
const maxLoopDepth = 8

// unwrap returns the functions a synthetic wrapper (a bound method, an
// interface method thunk) calls, or fn itself.
func unwrap(fn *ssa.Function) []*ssa.Function {
	if fn.Synthetic == "" || fn.Synthetic == rangeFuncBody || len(fn.Blocks) == 0 {
		return []*ssa.Function{fn}
	}
	var out []*ssa.Function
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			if c, ok := instr.(ssa.CallInstruction); ok {
				if callee := c.Common().StaticCallee(); callee != nil {
					out = append(out, callee)
				}
			}
		}
	}
	if len(out) == 0 {
		return []*ssa.Function{fn}
	}
	return out
}

// spanCalls follows, in program i, the user code that starts runs (an
// entry point's handlers) and returns the calls that make spans: calls of
// library functions that reach a span maker through library code, and
// calls of functions with a function span. It follows calls into user
// functions, and functions the user code hands to library functions
// (callbacks, goroutine bodies), never entering blocked functions. It
// returns the user functions it ran through too.
func (au *auditor) spanCalls(i int, starts []*ssa.Function, blocked map[*ssa.Function]bool) ([]SpanCall, map[*ssa.Function]bool) {
	makers := au.spanMakers(i)
	toward := au.towardSpans(i)
	entry := au.entryTargets(i)
	g := au.pl.graphs[i]
	skip := func(fn *ssa.Function) bool {
		return blocked[fn] || entry[fn] || !g.Reachable(fn)
	}

	depth := map[*ssa.Function]int{}            // user function → loops around its calls from the start
	parent := map[*ssa.Function]*ssa.Function{} // first caller found, for paths
	var queue []*ssa.Function
	visit := func(fn, from *ssa.Function, d int) {
		d = min(d, maxLoopDepth)
		if old, seen := depth[fn]; seen && old >= d {
			return
		}
		if _, seen := depth[fn]; !seen {
			parent[fn] = from
		}
		depth[fn] = d
		queue = append(queue, fn)
	}
	calls := map[string]*SpanCall{}
	record := func(c SpanCall) {
		k := c.Pos + " " + c.Rule
		if old := calls[k]; old == nil || c.LoopDepth > old.LoopDepth {
			calls[k] = &c
		}
	}
	pathTo := func(fn *ssa.Function) []string {
		var chain []*ssa.Function
		for f := fn; f != nil; f = parent[f] {
			chain = append(chain, f)
		}
		slices.Reverse(chain)
		return callgraph.Names(chain)
	}

	// The handlers: user functions, or library code (a generated gRPC
	// method handler, a method value's wrapper) whose callees in user
	// code are the handlers, two calls deep at most.
	frontier := slices.Clone(starts)
	for hop := 0; hop < 3 && len(frontier) > 0; hop++ {
		var next []*ssa.Function
		for _, fn := range frontier {
			if skip(fn) && hop > 0 {
				continue
			}
			if au.user(fn) {
				visit(fn, nil, 0)
				continue
			}
			if n := g.CallGraph().Nodes[fn]; n != nil {
				for _, e := range n.Out {
					next = append(next, e.Callee.Func)
				}
			}
		}
		frontier = next
	}
	for _, fn := range starts {
		if au.user(fn) && makers.makes(fn) == FuncSpanRule {
			record(SpanCall{Pos: au.pl.pos.pos(au.prog.Fset.Position(fn.Pos())), Function: fn.String(), Callee: fn.String(), Target: fn.String(),
				Rule: FuncSpanRule, Kind: spanKind(FuncSpanRule), Path: []string{fn.String()}})
		}
	}

	for len(queue) > 0 {
		fn := queue[0]
		queue = queue[1:]
		d := depth[fn]
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				call, ok := instr.(ssa.CallInstruction)
				if !ok {
					continue
				}
				at := d + au.loopDepth(instr)
				pos := call.Pos()
				if !pos.IsValid() {
					pos = fn.Pos()
				}
				here := au.prog.Fset.Position(pos)
				libraryCall := false
				for _, c := range au.calleesAt(i, call) {
					for _, callee := range unwrap(c) {
						if skip(callee) {
							continue
						}
						if au.user(callee) {
							if makers.makes(callee) == FuncSpanRule {
								record(SpanCall{Pos: au.pl.pos.pos(here), Function: fn.String(), Callee: callee.String(), Target: callee.String(),
									Rule: FuncSpanRule, Kind: spanKind(FuncSpanRule), LoopDepth: at, Path: append(pathTo(fn), callee.String())})
							}
							visit(callee, fn, at)
							continue
						}
						libraryCall = true
						if chain := toward.Path(callee); chain != nil {
							target := chain[len(chain)-1]
							rule := makers.makes(target)
							record(SpanCall{Pos: au.pl.pos.pos(here), Function: fn.String(), Callee: callee.String(), Target: target.String(),
								Rule: rule, Kind: spanKind(rule), LoopDepth: at, Path: append(pathTo(fn), callgraph.Names(chain)...)})
						}
					}
				}
				if !libraryCall {
					continue
				}
				// Functions handed to library code may be called by it.
				for _, op := range call.Common().Args {
					for _, f := range funcValues(op) {
						if au.user(f) && !skip(f) {
							visit(f, fn, at)
						}
					}
				}
			}
		}
	}

	out := make([]SpanCall, 0, len(calls))
	for _, c := range calls {
		c.Source = au.sourceLine(c.Pos)
		out = append(out, *c)
	}
	sortCalls(out)
	ran := map[*ssa.Function]bool{}
	for fn := range depth {
		ran[fn] = true
	}
	return out, ran
}

// funcValues returns the functions a value of function type may be, when
// it is a function, a closure or a conversion of one.
func funcValues(v ssa.Value) []*ssa.Function {
	for {
		switch x := v.(type) {
		case *ssa.Function:
			return unwrap(x)
		case *ssa.MakeClosure:
			return unwrap(x.Fn.(*ssa.Function))
		case *ssa.ChangeType:
			v = x.X
		case *ssa.MakeInterface:
			v = x.X
		default:
			return nil
		}
	}
}

// sortCalls sorts calls by position (numerically), then rule.
func sortCalls(calls []SpanCall) {
	slices.SortFunc(calls, func(a, b SpanCall) int {
		af, al, ac := splitPos(a.Pos)
		bf, bl, bc := splitPos(b.Pos)
		return cmp.Or(cmp.Compare(af, bf), cmp.Compare(al, bl), cmp.Compare(ac, bc), cmp.Compare(a.Rule, b.Rule))
	})
}

// splitPos splits "file:line:col".
func splitPos(pos string) (file string, line, col int) {
	file = pos
	if i := strings.LastIndexByte(file, ':'); i >= 0 {
		fmt.Sscan(file[i+1:], &col)
		file = file[:i]
	}
	if i := strings.LastIndexByte(file, ':'); i >= 0 {
		fmt.Sscan(file[i+1:], &line)
		file = file[:i]
	}
	return file, line, col
}

// sites returns the plan's sites with their loop depths, source lines and
// the calls from entries that make their spans.
func (au *auditor) sites(plan *Plan, entries []Entry) []AuditSite {
	goDepth := map[string]int{}
	for _, gs := range au.pl.gos {
		if gs.Func == nil {
			continue
		}
		for _, b := range gs.Func.Blocks {
			for _, instr := range b.Instrs {
				if g, ok := instr.(*ssa.Go); ok && g.Pos() == gs.Go {
					goDepth[au.pl.pos.pos(gs.Pos)] = au.loopDepth(g)
				}
			}
		}
	}
	type key struct{ rule, target string }
	byRule := map[key]map[string]*SpanCall{}
	for _, e := range entries {
		for _, c := range e.Calls {
			k := key{c.Rule, ""}
			if c.Rule == FuncSpanRule {
				k.target = c.Target
			}
			if byRule[k] == nil {
				byRule[k] = map[string]*SpanCall{}
			}
			sc := byRule[k][c.Pos]
			if sc == nil {
				cc := c
				cc.Entries = nil
				sc = &cc
				byRule[k][c.Pos] = sc
			}
			sc.LoopDepth = max(sc.LoopDepth, c.LoopDepth)
			if name := e.Name; !slices.Contains(sc.Entries, name) {
				sc.Entries = append(sc.Entries, name)
			}
		}
	}
	out := make([]AuditSite, len(plan.Sites))
	for i, s := range plan.Sites {
		as := AuditSite{Site: s, LoopDepth: goDepth[s.Pos], Source: au.sourceLine(s.Pos)}
		if s.Status == StatusWoven {
			k := key{s.Rule, ""}
			if s.Rule == FuncSpanRule {
				k.target = s.Function
			}
			for _, c := range byRule[k] {
				as.Calls = append(as.Calls, *c)
			}
			sortCalls(as.Calls)
		}
		out[i] = as
	}
	return out
}

// sourceLine returns the trimmed text of the line at pos (a plan
// position), or "".
func (au *auditor) sourceLine(pos string) string {
	file, line, _ := splitPos(pos)
	lines, ok := au.sources[file]
	if !ok {
		if data, err := os.ReadFile(au.absFile(file)); err == nil {
			lines = strings.Split(string(data), "\n")
		}
		au.sources[file] = lines
	}
	if line < 1 || line > len(lines) {
		return ""
	}
	return strings.TrimSpace(lines[line-1])
}

// absFile turns a file name as plans print it back into a path.
func (au *auditor) absFile(file string) string {
	p := au.pl.pos
	if rest, ok := strings.CutPrefix(file, "$GOROOT/"); ok {
		return p.goroot + "/" + rest
	}
	if strings.HasPrefix(file, "/") {
		return file
	}
	if first, _, _ := strings.Cut(file, "/"); strings.Contains(first, "@") || strings.Contains(file, "@v") {
		return p.modcache + "/" + file
	}
	return p.dirs[0] + "/" + file
}

// posOf returns the plan position of pos.
func (au *auditor) posOf(pos token.Pos) string {
	return au.pl.pos.pos(au.prog.Fset.Position(pos))
}

// methodByName returns the method name of the named type t (or *t), or
// nil.
func methodByName(prog *ssa.Program, t types.Type, name string) *ssa.Function {
	for _, tt := range []types.Type{t, types.NewPointer(t)} {
		ms := prog.MethodSets.MethodSet(tt)
		for j := range ms.Len() {
			if sel := ms.At(j); sel.Obj().Name() == name {
				return prog.MethodValue(sel)
			}
		}
	}
	return nil
}
