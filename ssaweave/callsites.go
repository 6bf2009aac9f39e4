package ssaweave

import (
	"fmt"
	"go/token"
	"go/types"

	"github.com/ssaweave/ssaweave/analysis"
	"golang.org/x/tools/go/ssa"
)

// CallRule is the rule name of call sites woven at the call (EditCall) in
// plans: calls, in the program's own code, of an API that takes no
// context (a rule's ContextFree).
//
// Like GoRule it is a built-in analysis: its decision needs the dataflow
// at the call (which context is in scope, how control leaves the
// statement) and the call graph below the callee.
const CallRule = "call.context"

// callSites plans the program's calls of context-free APIs (see
// analysis.CallSites): one site each, woven (an EditCall, and a Bind in
// every main with telemetry that links the package) when a context is in
// scope at the call, the statement holding it can be rewritten, and the
// callee makes spans of a rule woven in a program that reaches the call.
// It must run after every Telemetry rule and the function spans are
// decided, like goroutines.
func (p *planner) callSites() {
	if len(p.calls) == 0 {
		return
	}
	own := map[*ssa.Package]bool{}
	for _, cs := range p.calls {
		own[cs.Package] = true
	}
	want := map[token.Pos]bool{}
	for _, cs := range p.calls {
		want[cs.Lparen] = true
	}
	pickCall := func(in ssa.Instruction) ssa.CallInstruction {
		if c, ok := in.(*ssa.Call); ok && want[c.Pos()] {
			return c
		}
		return nil
	}
	instrs := make([]map[token.Pos][]goAt, len(p.mains))
	makers := make([]*spanMakers, len(p.mains))
	links := make([]map[*types.Package]bool, len(p.mains))
	for i := range p.mains {
		instrs[i] = p.siteInstrs(i, own, pickCall)
		if p.telemetry[i] {
			makers[i] = p.spanMakers(i)
			links[i] = imports(p.mains[i].Pkg)
		}
	}
	hooks := map[*ssa.Package]map[string]bool{}

	for _, cs := range p.calls {
		m := analysis.Match{Rule: &analysis.Rule{Name: CallRule}, Name: cs.Decl, Func: cs.Func, Package: cs.Package, Decl: cs.Pos}
		if m.Func == nil {
			continue // no SSA for the call: nothing can run it
		}
		callee := cs.Callee.String()
		// Reachability first: a call that no program makes (or makes
		// only through an excluded root, //ssaweave:ignore on its file
		// among them) is pruned for that reason, whatever its context.
		at := make([][]goAt, len(p.graphs))
		for i := range p.graphs {
			at[i] = instrs[i][cs.Lparen]
		}
		reachers, idle, quiet, witness, enclosing := p.siteReaches(at, makers)
		switch {
		case len(reachers) > 0:
		case len(quiet) > 0:
			reason, path := p.reached(instrs[quiet[0]][cs.Lparen][0].fn, quiet)
			p.site(m, StatusPruned, reason+", but "+callee+" makes no span woven in that program", path)
			continue
		case len(idle) > 0:
			reason, _ := p.reached(instrs[idle[0]][cs.Lparen][0].fn, idle)
			p.site(m, StatusPruned, reason+", but no telemetry is woven into that program", nil)
			continue
		default:
			reason, path := p.unreachable(cs.Func)
			p.site(m, StatusPruned, reason, path)
			continue
		}
		reason, path := p.reached(enclosing, reachers)
		switch {
		case cs.Refused != "":
			p.site(m, StatusPruned, fmt.Sprintf("%s, but %s takes no context, and %s", reason, callee, cs.Refused), path)
			continue
		case cs.Ctx == "" && cs.Escaping != "":
			p.site(m, StatusPruned, fmt.Sprintf("%s, but %s takes no context, and the context in scope, %s, is outside the function literal holding the call, which does not capture it and escapes: capturing it could keep it alive as long as the literal", reason, callee, cs.Escaping), path)
			continue
		case cs.Ctx == "":
			p.site(m, StatusPruned, reason+", but "+callee+" takes no context, and none is in scope", path)
			continue
		}

		hook := contextHookName(hooks, "ssaweaveCall", cs.Package, cs.Decl, cs.Index)
		maker := witness[len(witness)-1]
		makes := fmt.Sprintf("reaches %s (%s) in %d calls", maker, makers[reachers[0]].makes(maker), len(witness))
		if len(witness) == 1 {
			makes = fmt.Sprintf("makes a span itself (%s)", makers[reachers[0]].makes(maker))
		}
		reason = fmt.Sprintf("%s; %s takes no context and %s: its spans get the trace context of %s (%s), %s",
			reason, callee, makes, cs.Ctx, cs.CtxType, formDoc(cs.Form))
		p.site(m, StatusWoven, reason, path)
		p.weaveContext(cs.Package, cs.File, Edit{
			Kind: EditCall,
			Func: cs.Decl,
			Hook: hook,
			Rule: CallRule,
			Line: cs.Pos.Line,
			Col:  cs.Pos.Column,
			Ctx:  cs.Ctx,
			Form: cs.Form,
		}, links)
	}
}

// formDoc says, for a reason, how a form hands over the context.
func formDoc(form string) string {
	if form == analysis.CallDefer {
		return "set before the statement and restored when the function returns"
	}
	return "set around the statement"
}
