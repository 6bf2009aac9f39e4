package ssaweave

import (
	"fmt"

	"github.com/ssaweave/ssaweave/analysis"
	"github.com/ssaweave/ssaweave/callgraph"
	"golang.org/x/tools/go/ssa"
)

// PathSpanSource is the Source of path spans in plan reasons.
const PathSpanSource = "paths"

// pathCandidates returns the functions that may get a path span, or nil
// when path spans are off.
func pathCandidates(prog *analysis.Program, s *analysis.Settings, ex *analysis.Exclusions, spans []analysis.FuncSpan) []analysis.FuncSpan {
	if !s.Paths {
		return nil
	}
	return analysis.PathCandidates(prog, ex, spans)
}

// pathSpans gives a function span to every candidate that lies on a call
// path from an entry point to a sink in some program: reachable from main
// (every entry point — HTTP handlers, gRPC methods — is reachable from
// main, and main is one itself) and able to reach a sink, the target of a
// client-side telemetry rule woven in that program (database/sql, the HTTP
// client, gRPC and Redis clients: their Rule.Sinks). Entry-point (server)
// rules are not sinks: they make the entry point's span. Candidates off every such path
// get nothing, and are not listed: the plan would otherwise list every
// function of the program. Each woven one records its path from main to a
// sink through it.
func (p *planner) pathSpans() {
	if len(p.paths) == 0 {
		return
	}
	towards := make([]*callgraph.Toward, len(p.mains))
	for i, g := range p.graphs {
		if !p.telemetry[i] {
			continue
		}
		sinks := p.sinks(i)
		towards[i] = g.Toward(func(fn *ssa.Function) bool { return sinks.makes(fn) != "" })
	}
	for _, fs := range p.paths {
		for i, t := range towards {
			if t == nil || !p.graphs[i].Reachable(fs.Func) || !t.Reaches(fs.Func) {
				continue
			}
			down := t.Path(fs.Func)
			sink := down[len(down)-1]
			fs.Source = fmt.Sprintf("%s: on a path from main to %s (%s)", PathSpanSource, sink, p.sinks(i).makes(sink))
			fs.Via = callgraph.Names(down[1:])
			p.spans = append(p.spans, fs)
			break
		}
	}
}

// sinks returns what makes client-side spans in program i: spanMakers
// without function spans (path spans must not lead to one another) and
// without entry-point rules (which spanMakers leaves out).
func (p *planner) sinks(i int) *spanMakers {
	saved := p.spans
	p.spans = nil
	defer func() { p.spans = saved }()
	return p.spanMakers(i)
}
