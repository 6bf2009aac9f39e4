package ssaweave

import (
	"fmt"
	"strings"

	"github.com/ssaweave/ssaweave/analysis"
)

// FuncSpanRule is the rule name of function-span sites in plans.
const FuncSpanRule = "function.span"

// funcSpanKind is what the audit counts a function span as (the
// analysis.Rule.SpanKind of this built-in rule): an INTERNAL span of the
// program's own code.
const funcSpanKind = "internal"

// funcSpans plans the function spans: one site per selected function,
// woven where a program reaches it (exclusions applied) and its profile
// does not find it hot (judgeHot), with an EditSpan in its file and a
// Bind in every such main. A function span is telemetry: a program that
// weaves one links the runtime.
func (p *planner) funcSpans() {
	for k, fs := range p.spans {
		m := analysis.Match{
			Rule:    &analysis.Rule{Name: FuncSpanRule, SpanKind: funcSpanKind},
			Name:    fs.Name,
			Func:    fs.Func,
			Package: fs.Func.Pkg,
			Decl:    fs.Decl,
		}
		if fs.Refused != "" {
			p.site(m, StatusPruned, fmt.Sprintf("selected by %s, but %s", fs.Source, fs.Refused), nil)
			continue
		}
		var reachers []int
		for i, g := range p.graphs {
			if g.Reachable(fs.Func) {
				reachers = append(reachers, i)
			}
		}
		if len(reachers) == 0 {
			reason, path := p.unreachable(fs.Func)
			p.site(m, StatusPruned, fmt.Sprintf("selected by %s, but %s", fs.Source, reason), path)
			continue
		}
		// A span on a hot path costs too much: the programs in whose
		// profile the function is hot do not bind its hook (the edit is
		// shared by every program and stays inert there).
		hot := p.judgeHot(fs.Func, p.pos.pos(fs.Decl), reachers)
		if len(hot.weave) == 0 {
			reason, path := p.reached(fs.Func, reachers)
			p.site(m, StatusPruned, fmt.Sprintf("selected by %s; %s, but %s", fs.Source, reason, hot.why), append(path, fs.Via...))
			// It makes no span: goroutine contexts and the audit, which
			// look for span makers in p.spans, must not count it.
			p.spans[k].Refused = hot.why
			continue
		}
		hook := "ssaweaveSpan_" + strings.ReplaceAll(fs.Name, ".", "_")
		for _, i := range hot.weave {
			p.telemetry[i] = true
			p.hooks[i][analysis.RuntimePackage] = true
			p.binds[i] = append(p.binds[i], Bind{Package: fs.Func.Pkg.Pkg.Path(), Var: hook, Func: BindFuncSpan})
		}
		reason, path := p.reached(fs.Func, hot.weave)
		path = append(path, fs.Via...)
		p.site(m, StatusWoven, fmt.Sprintf("selected by %s; %s%s", fs.Source, reason, hot.note), path)
		m.Hook = hook
		e := p.edit(m)
		e.Span, e.Parent, e.ParentKind = fs.Span, fs.Parent, fs.ParentKind
	}
}
