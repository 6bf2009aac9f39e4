package ssaweave

import (
	"fmt"
	"go/token"
	"go/types"
	"slices"
	"strconv"
	"strings"

	"github.com/ssaweave/ssaweave/analysis"
	"golang.org/x/tools/go/ssa"
)

// GoRule is the rule name of go statement sites in plans.
//
// It is a built-in analysis rather than a value of analysis.Rules: a rule
// there targets one declared function of a package, resolved by type, and
// is woven where that function is reachable; this one targets statements
// of the program's own code, and its decision needs the statement's
// dataflow (which context is live there, what the goroutine receives) and
// the call graph below the goroutine, which no Rule field can express.
const GoRule = "goroutine.context"

// goAt is a call instruction (a go statement's, or a call's) in a
// function of a program's call graph.
type goAt struct {
	fn    *ssa.Function
	instr ssa.CallInstruction
}

// siteReaches decides, for a site with the instructions at[i] in program
// i, which programs reach it and make spans below it: reachers (programs
// with telemetry in which a callee of the site reaches a span maker), idle
// (reached, but no telemetry there) and quiet (reached, nothing below makes
// spans). witness is the path from a callee to a span maker in reachers[0],
// and enclosing the function holding the site there.
func (p *planner) siteReaches(at [][]goAt, makers []*spanMakers) (reachers, idle, quiet []int, witness []*ssa.Function, enclosing *ssa.Function) {
	for i, g := range p.graphs {
		if len(at[i]) == 0 {
			continue
		}
		if !p.telemetry[i] {
			idle = append(idle, i)
			continue
		}
		var callees []*ssa.Function
		for _, a := range at[i] {
			callees = append(callees, g.CalleesAt(a.fn, a.instr)...)
		}
		path := g.PathFrom(callees, func(fn *ssa.Function) bool { return makers[i].makes(fn) != "" })
		if path == nil {
			quiet = append(quiet, i)
			continue
		}
		if len(reachers) == 0 {
			witness, enclosing = path, at[i][0].fn
		}
		reachers = append(reachers, i)
	}
	return reachers, idle, quiet, witness, enclosing
}

// spanMakers is, for one program, what makes spans that a goroutine's
// context can parent.
type spanMakers struct {
	funcs map[*ssa.Function]string // function → rule whose spans it makes
}

// makes returns the rule whose spans fn makes, or "".
func (s *spanMakers) makes(fn *ssa.Function) string {
	if o := fn.Origin(); o != nil {
		fn = o
	}
	return s.funcs[fn]
}

// goroutines plans the go statements of the program's own code (see
// analysis.GoStatements): one site each, woven (an EditGo, and a Bind in
// every main with telemetry that links the package) when the goroutine
// does not receive a context, a context is in scope at the statement, and
// what the goroutine may call makes spans in a program that reaches the
// statement and has telemetry. It must run after every Telemetry rule and
// the function spans are decided.
func (p *planner) goroutines() {
	if len(p.gos) == 0 {
		return
	}
	own := map[*ssa.Package]bool{}
	for _, gs := range p.gos {
		own[gs.Package] = true
	}
	instrs := make([]map[token.Pos][]goAt, len(p.mains))
	makers := make([]*spanMakers, len(p.mains))
	links := make([]map[*types.Package]bool, len(p.mains))
	for i := range p.mains {
		instrs[i] = p.siteInstrs(i, own, pickGo)
		if p.telemetry[i] {
			makers[i] = p.spanMakers(i)
			links[i] = imports(p.mains[i].Pkg)
		}
	}
	hooks := map[*ssa.Package]map[string]bool{}

	for _, gs := range p.gos {
		m := analysis.Match{Rule: &analysis.Rule{Name: GoRule}, Name: gs.Decl, Func: gs.Func, Package: gs.Package, Decl: gs.Pos}
		if m.Func == nil {
			continue // no SSA for the statement: nothing can run it
		}
		switch {
		case gs.Decl == "":
			p.site(m, StatusPruned, "the go statement is in a package-level variable's initializer, outside any function declaration, which ssaweave does not rewrite", nil)
			continue
		case gs.Receives != "":
			p.site(m, StatusPruned, "the goroutine receives a context: "+gs.Receives, nil)
			continue
		}

		// Reachability first: a statement that no program runs (or runs
		// only through an excluded root, //ssaweave:ignore on its file
		// among them) is pruned for that reason, whatever its context.
		at := make([][]goAt, len(p.graphs))
		for i := range p.graphs {
			at[i] = instrs[i][gs.Go]
		}
		reachers, idle, quiet, witness, enclosing := p.siteReaches(at, makers)
		switch {
		case len(reachers) > 0:
		case len(quiet) > 0:
			reason, path := p.reached(instrs[quiet[0]][gs.Go][0].fn, quiet)
			p.site(m, StatusPruned, reason+", but nothing the goroutine may call makes spans", path)
			continue
		case len(idle) > 0:
			reason, _ := p.reached(instrs[idle[0]][gs.Go][0].fn, idle)
			p.site(m, StatusPruned, reason+", but no telemetry is woven into that program", nil)
			continue
		default:
			reason, path := p.unreachable(gs.Func)
			p.site(m, StatusPruned, reason, path)
			continue
		}
		reason, path := p.reached(enclosing, reachers)
		switch {
		case gs.Ctx == "" && gs.Escaping != "":
			p.site(m, StatusPruned, fmt.Sprintf("%s, but the context in scope, %s, is outside the function literal holding the go statement, which does not capture it and escapes: capturing it could keep it alive as long as the literal (the goroutine still inherits the trace context of the goroutine running the literal)", reason, gs.Escaping), path)
			continue
		case gs.Ctx == "":
			p.site(m, StatusPruned, reason+", but no traced context in scope", path)
			continue
		}

		hook := contextHookName(hooks, "ssaweaveGo", gs.Package, gs.Decl, gs.Index)
		maker := witness[len(witness)-1]
		reason = fmt.Sprintf("%s; the goroutine reaches %s (%s) in %d calls and inherits the trace context of %s (%s)",
			reason, maker, makers[reachers[0]].makes(maker), len(witness), gs.Ctx, gs.CtxType)
		p.site(m, StatusWoven, reason, path)
		p.weaveContext(gs.Package, gs.File, Edit{
			Kind: EditGo,
			Func: gs.Decl,
			Hook: hook,
			Rule: GoRule,
			Line: gs.Pos.Line,
			Col:  gs.Pos.Column,
			Ctx:  gs.Ctx,
		}, links)
	}
}

// weaveContext adds e, an EditGo or EditCall in file of pkg, and binds its
// hook in every program with telemetry that links pkg (links, per main),
// not only in those the call graph says reach the site: binding costs
// nothing, and it keeps reflection or linkname calls the graph cannot see
// in the trace too.
func (p *planner) weaveContext(pkg *ssa.Package, file string, e Edit, links []map[*types.Package]bool) {
	path := pkg.Pkg.Path()
	if p.edits[path] == nil {
		p.edits[path] = make(map[string][]Edit)
	}
	p.edits[path][file] = append(p.edits[path][file], e)
	for i := range p.mains {
		if p.telemetry[i] && links[i][pkg.Pkg] {
			p.binds[i] = append(p.binds[i], Bind{Package: path, Var: e.Hook, Func: BindGoContext})
		}
	}
}

// siteInstrs returns the instructions pick accepts (a go statement's, a
// call's) in the functions of the packages own that program i reaches, by
// position. A site in a generic function has one instruction per instance.
func (p *planner) siteInstrs(i int, own map[*ssa.Package]bool, pick func(ssa.Instruction) ssa.CallInstruction) map[token.Pos][]goAt {
	g := p.graphs[i]
	out := map[token.Pos][]goAt{}
	for fn := range g.CallGraph().Nodes {
		if fn == nil || !g.Reachable(fn) {
			continue
		}
		pkg := fn.Pkg
		if o := fn.Origin(); o != nil {
			pkg = o.Pkg
		}
		if !own[pkg] {
			continue
		}
		for _, b := range fn.Blocks {
			for _, in := range b.Instrs {
				if c := pick(in); c != nil {
					out[c.Pos()] = append(out[c.Pos()], goAt{fn, c})
				}
			}
		}
	}
	// The graph's nodes come from a map: order the instances of a
	// generic function by name, for a deterministic plan.
	for _, at := range out {
		if len(at) > 1 {
			slices.SortFunc(at, func(a, b goAt) int { return strings.Compare(a.fn.String(), b.fn.String()) })
		}
	}
	return out
}

// pickGo accepts go instructions, for siteInstrs.
func pickGo(in ssa.Instruction) ssa.CallInstruction {
	if g, ok := in.(*ssa.Go); ok {
		return g
	}
	return nil
}

// spanMakers returns what makes spans in program i: the sinks of the
// Telemetry rules woven there (Rule.Sinks, or the target itself; entry-point
// rules make no span a goroutine or a caller can parent), and the
// functions with a function span that it reaches.
func (p *planner) spanMakers(i int) *spanMakers {
	s := &spanMakers{funcs: map[*ssa.Function]string{}}
	for _, m := range p.matches {
		if m.Rule.Role != analysis.Telemetry || m.Rule.Entry || !p.graphs[i].Reachable(m.Func) || p.selfInstrumented(i, m) != nil {
			continue
		}
		if len(m.Rule.Sinks) == 0 {
			s.funcs[m.Func] = m.Rule.Name
		}
		for _, fn := range m.Sinks {
			s.funcs[fn] = m.Rule.Name
		}
	}
	for _, fs := range p.spans {
		if fs.Refused == "" && p.graphs[i].Reachable(fs.Func) {
			s.funcs[fs.Func] = FuncSpanRule
		}
	}
	return s
}

// imports returns pkg and every package it imports, transitively: the
// packages a program whose main package is pkg links.
func imports(pkg *types.Package) map[*types.Package]bool {
	seen := map[*types.Package]bool{}
	var visit func(*types.Package)
	visit = func(p *types.Package) {
		if seen[p] {
			return
		}
		seen[p] = true
		for _, q := range p.Imports() {
			visit(q)
		}
	}
	visit(pkg)
	return seen
}

// contextHookName returns the name of the hook variable of an EditGo or
// EditCall: <prefix>_<function>_<n>, n counting such sites of the
// function (decl, as edits name it), so that the name (and with it the
// plan's WeaveID) does not change when lines move. A name the package
// declares already, or another site took (two init functions), gets a
// suffix.
func contextHookName(taken map[*ssa.Package]map[string]bool, prefix string, pkg *ssa.Package, decl string, index int) string {
	if taken[pkg] == nil {
		taken[pkg] = map[string]bool{}
	}
	base := prefix + "_" + strings.ReplaceAll(decl, ".", "_") + "_" + strconv.Itoa(index)
	name := base
	for n := 2; taken[pkg][name] || analysis.Declared(pkg.Pkg, name); n++ {
		name = base + "_" + strconv.Itoa(n)
	}
	taken[pkg][name] = true
	return name
}
