package ssaweave

import (
	"fmt"
	"strings"

	"github.com/ssaweave/ssaweave/analysis"
)

// FuncSpanRule is the rule name of function-span sites in plans.
const FuncSpanRule = "function.span"

// funcSpans plans the function spans: one site per selected function,
// woven where a program reaches it (exclusions applied), with an EditSpan
// in its file and a Bind in every main that reaches it. A function span is
// telemetry: a program that reaches one links the runtime.
func (p *planner) funcSpans() {
	for _, fs := range p.spans {
		m := analysis.Match{
			Rule:    &analysis.Rule{Name: FuncSpanRule},
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
		hook := "ssaweaveSpan_" + strings.ReplaceAll(fs.Name, ".", "_")
		for _, i := range reachers {
			p.telemetry[i] = true
			p.hooks[i][analysis.RuntimePackage] = true
			p.binds[i] = append(p.binds[i], Bind{Package: fs.Func.Pkg.Pkg.Path(), Var: hook, Func: BindFuncSpan})
		}
		reason, path := p.reached(fs.Func, reachers)
		path = append(path, fs.Via...)
		p.site(m, StatusWoven, fmt.Sprintf("selected by %s; %s", fs.Source, reason), path)
		m.Hook = hook
		e := p.edit(m)
		e.Span, e.Parent, e.ParentKind = fs.Span, fs.Parent, fs.ParentKind
	}
}
