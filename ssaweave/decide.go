package ssaweave

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/ssaweave/ssaweave/analysis"
	"github.com/ssaweave/ssaweave/callgraph"
	"golang.org/x/tools/go/ssa"
)

// planner turns matches and call graphs into a plan. Reachability is per
// program (main package): a function another main reaches does not make
// this one need its hook. Edits, however, are per package and shared by
// every program of the build, since the go command compiles a package
// once: in a program that does not link the hook's package, the hook stays
// nil and the rewritten function behaves as the original.
type planner struct {
	pos     positions
	mains   []*ssa.Package
	tests   map[*ssa.Package]analysis.TestOf // test mains among mains (go test)
	graphs  []*callgraph.Graph               // parallel to mains: reachability without exclusions
	full    []*callgraph.Graph               // parallel to mains: the whole call graphs
	matches []analysis.Match
	spans   []analysis.FuncSpan
	paths   []analysis.FuncSpan // path span candidates, when path spans are on
	gos     []analysis.GoStmt   // go statements of the main module
	calls   []analysis.CallSite // calls of context-free APIs in the main module
	excl    *analysis.Exclusions
	hot     *hotPaths                // profiles and threshold that keep function spans off hot paths
	routes  []string                 // excluded routes, for the runtime
	probe   map[probeKey]probeTarget // soundness builds: the function of each site that can be probed; nil otherwise

	plan      *Plan
	sites     []sortedSite
	telemetry []bool            // per main: some Telemetry rule is woven
	hooks     []map[string]bool // per main: hook packages to link
	signals   []bool            // per main: HandleSignals
	provider  []bool            // per main: BindAlways (the program installs a TracerProvider)
	atReturn  []string          // per main: deferred function name
	binds     [][]Bind          // per main: hook variables of the program's packages
	edits     map[string]map[string][]Edit
}

func (p *planner) run(rules []analysis.Rule) *Plan {
	n := len(p.mains)
	p.telemetry = make([]bool, n)
	p.hooks = make([]map[string]bool, n)
	p.signals = make([]bool, n)
	p.provider = make([]bool, n)
	p.atReturn = make([]string, n)
	p.binds = make([][]Bind, n)
	for i := range p.hooks {
		p.hooks[i] = make(map[string]bool)
	}
	// Roles are evaluated in dependency order: support rules depend on
	// which programs have telemetry.
	for _, role := range []analysis.Role{analysis.Telemetry, analysis.FlushOnExit, analysis.Correlates, analysis.AtMainReturn, analysis.HandlesSignals, analysis.InstallsProvider} {
		for i := range rules {
			if r := &rules[i]; r.Role == role {
				p.rule(r)
			}
		}
		if role == analysis.Telemetry {
			p.pathSpans()
			p.funcSpans()
			p.goroutines()
			p.callSites()
		}
	}
	return p.finish()
}

// rule evaluates one rule over every program.
func (p *planner) rule(r *analysis.Rule) {
	var ms []analysis.Match
	for _, m := range p.matches {
		if m.Rule.Name == r.Name {
			ms = append(ms, m)
		}
	}
	switch r.Role {
	case analysis.Telemetry:
		for _, m := range ms {
			p.telemetryMatch(m)
		}
	case analysis.FlushOnExit, analysis.Correlates:
		for _, m := range ms {
			p.supportMatch(m)
		}
	case analysis.AtMainReturn:
		for _, m := range ms {
			p.atMainReturn(m)
		}
	case analysis.HandlesSignals:
		// A program-level decision, made for every program whether or
		// not the target package is linked.
		for i := range p.mains {
			p.handlesSignals(i, r, ms)
		}
	case analysis.InstallsProvider:
		for i := range p.mains {
			p.installsProvider(i, r, ms)
		}
	}
}

// telemetryMatch weaves m if any program reaches it and does not
// instrument it itself.
func (p *planner) telemetryMatch(m analysis.Match) {
	var reachers, self []int
	for i, g := range p.graphs {
		switch {
		case !g.Reachable(m.Func):
		case p.selfInstrumented(i, m) != nil:
			self = append(self, i)
		default:
			reachers = append(reachers, i)
			p.telemetry[i] = true
			p.hooks[i][m.Rule.HookPackage] = true
		}
	}
	if len(reachers) == 0 && len(self) > 0 {
		p.selfSite(m, self)
		return
	}
	if len(reachers) == 0 {
		reason, path := p.unreachable(m.Func)
		p.site(m, StatusPruned, reason, path)
		return
	}
	reason, path := p.reached(m.Func, reachers)
	p.site(m, StatusWoven, reason, path)
	p.edit(m)
}

// selfInstrumented returns the first function of m.InstrumentedBy that
// program i reaches, or nil.
func (p *planner) selfInstrumented(i int, m analysis.Match) *ssa.Function {
	for _, fn := range m.InstrumentedBy {
		if p.graphs[i].Reachable(fn) {
			return fn
		}
	}
	return nil
}

// selfSite records m as pruned because every program that reaches it
// (self, at least one) instruments it itself.
func (p *planner) selfSite(m analysis.Match, self []int) {
	fn := p.selfInstrumented(self[0], m)
	reason := fmt.Sprintf("the program instruments this itself: %s is reachable (%s)", fn, p.graphs[self[0]].Algorithm())
	p.site(m, StatusPruned, reason, callgraph.Names(p.graphs[self[0]].Path(fn)))
}

// supportMatch weaves m if a program with telemetry reaches it (and does
// not do m's job itself).
func (p *planner) supportMatch(m analysis.Match) {
	var reachers, idle, self []int
	for i, g := range p.graphs {
		switch {
		case !g.Reachable(m.Func):
		case p.telemetry[i] && p.selfInstrumented(i, m) != nil:
			self = append(self, i)
		case p.telemetry[i]:
			reachers = append(reachers, i)
			p.hooks[i][m.Rule.HookPackage] = true
		default:
			idle = append(idle, i)
		}
	}
	switch {
	case len(reachers) > 0:
		reason, path := p.reached(m.Func, reachers)
		p.site(m, StatusWoven, reason, path)
		p.edit(m)
	case len(self) > 0:
		p.selfSite(m, self)
	case len(idle) > 0:
		reason, _ := p.reached(m.Func, idle)
		p.site(m, StatusPruned, reason+", but no telemetry is woven into that program", nil)
	default:
		reason, path := p.unreachable(m.Func)
		p.site(m, StatusPruned, reason, path)
	}
}

// atMainReturn weaves m, a main function, if its program has telemetry.
func (p *planner) atMainReturn(m analysis.Match) {
	i := slices.Index(p.mains, m.Package)
	if !p.telemetry[i] && p.probe == nil {
		p.site(m, StatusPruned, "no telemetry is woven into this program", nil)
		return
	}
	// A soundness build probes every program, telemetry or not: the main
	// package needs its generated file, which this edit gives it.
	p.hooks[i][m.Rule.HookPackage] = true
	p.atReturn[i] = m.Hook
	reason := "telemetry is woven into this program: flush it when main returns"
	if !p.telemetry[i] {
		reason = "soundness build: the generated file binds the probes"
	}
	p.site(m, StatusWoven, reason, []string{m.Func.String()})
	p.edit(m)
}

// handlesSignals decides whether the runtime of program i installs its own
// signal handler: not if the program reaches one of ms (it handles signals
// itself, and then leaves through main or os.Exit, which flush). The site
// is the program's main function.
func (p *planner) handlesSignals(i int, r *analysis.Rule, ms []analysis.Match) {
	main := p.mains[i].Func("main")
	m := analysis.Match{Rule: r, Name: "main", Func: main, Package: p.mains[i], Decl: main.Prog.Fset.Position(main.Syntax().Pos())}
	if !p.telemetry[i] {
		p.site(m, StatusPruned, "no telemetry is woven into this program", nil)
		return
	}
	var witness analysis.Match
	var path []*ssa.Function
	for _, sm := range ms {
		if sp := p.graphs[i].Path(sm.Func); sp != nil && (path == nil || len(sp) < len(path)) {
			witness, path = sm, sp
		}
	}
	if witness.Func != nil {
		reason := fmt.Sprintf("the program handles signals itself: %s is reachable (%s)", witness.Func, p.graphs[i].Algorithm())
		p.site(m, StatusPruned, reason, callgraph.Names(path))
		return
	}
	p.signals[i] = true
	p.hooks[i][r.HookPackage] = true
	var names []string
	for _, f := range r.Funcs {
		names = append(names, r.Package+"."+f)
	}
	reason := fmt.Sprintf("%s not reachable (%s): the runtime flushes on SIGINT and SIGTERM", strings.Join(names, " and "), p.graphs[i].Algorithm())
	p.site(m, StatusWoven, reason, []string{main.String()})
}

// installsProvider decides whether the generated file of program i binds
// the hook variables of the program's own packages (Main.Binds) only when
// the runtime records spans, or always: always if the program reaches one
// of ms (it installs a TracerProvider of its own, whose spans the hooks
// must follow whatever the runtime's configuration). Programs whose
// packages have no hook variable get no site: there is nothing to decide.
// The site is the program's main function.
func (p *planner) installsProvider(i int, r *analysis.Rule, ms []analysis.Match) {
	if !slices.ContainsFunc(p.binds[i], func(b Bind) bool { return b.Func != BindProbe }) {
		return
	}
	main := p.mains[i].Func("main")
	m := analysis.Match{Rule: r, Name: "main", Func: main, Package: p.mains[i], Decl: main.Prog.Fset.Position(main.Syntax().Pos())}
	var witness analysis.Match
	var path []*ssa.Function
	for _, sm := range ms {
		if sp := p.graphs[i].Path(sm.Func); sp != nil && (path == nil || len(sp) < len(path)) {
			witness, path = sm, sp
		}
	}
	if witness.Func != nil {
		p.provider[i] = true
		reason := fmt.Sprintf("the program installs a TracerProvider of its own: %s is reachable (%s), so its hooks stay bound even with tracing off", witness.Func, p.graphs[i].Algorithm())
		p.site(m, StatusPruned, reason, callgraph.Names(path))
		return
	}
	reason := fmt.Sprintf("%s.%s not reachable (%s): with tracing off the program's hooks stay unbound and cost a nil check", r.Package, r.Funcs[0], p.graphs[i].Algorithm())
	p.site(m, StatusWoven, reason, []string{main.String()})
}

// reached describes how fn is reached in the programs reachers (indices
// into mains, at least one) and returns the witness path in the first.
func (p *planner) reached(fn *ssa.Function, reachers []int) (reason string, path []string) {
	g := p.graphs[reachers[0]]
	chain := g.Path(fn) // not nil: every reachable function has a path
	root := "main"
	if chain[0] != g.Roots()[0] {
		root = "init"
	}
	reason = fmt.Sprintf("reachable from %s (%s)", root, g.Algorithm())
	if len(p.mains) > 1 {
		var names []string
		for _, i := range reachers {
			names = append(names, p.mains[i].Pkg.Path())
		}
		reason += " in " + strings.Join(names, ", ")
	}
	return reason, callgraph.Names(chain)
}

// unreachable says why fn is reachable in no program: either it is not
// reachable at all, or only through a function the user excluded, in
// which case the path through it is returned.
func (p *planner) unreachable(fn *ssa.Function) (reason string, path []string) {
	for _, g := range p.full {
		chain := g.Path(fn)
		if chain == nil {
			continue
		}
		for _, f := range chain {
			if why := p.excl.Excluded(f); why != "" {
				return fmt.Sprintf("reachable only through %s, which is excluded: %s", f, why), callgraph.Names(chain)
			}
		}
	}
	return fmt.Sprintf("not reachable from main or init (%s)", p.plan.Algorithm), nil
}

// site records a site for m.
func (p *planner) site(m analysis.Match, status, reason string, path []string) {
	if path == nil {
		path = []string{}
	}
	p.sites = append(p.sites, sortedSite{file: p.pos.file(m.Decl.Filename), line: m.Decl.Line, col: m.Decl.Column, Site: Site{
		Pos:      p.pos.pos(m.Decl),
		Package:  m.Package.Pkg.Path(),
		Function: m.Func.String(),
		Rule:     m.Rule.Name,
		Status:   status,
		Reason:   reason,
		Path:     path,
	}})
	p.noteProbe(m)
}

// sortedSite is a site with its position split, so that sites sort by line
// number rather than by the text of the position.
type sortedSite struct {
	file      string
	line, col int
	Site
}

// notes describes the rules that matched no function of the library
// version the program uses.
func notes(unmatched []analysis.Unmatched) []string {
	var out []string
	for _, u := range unmatched {
		out = append(out, fmt.Sprintf("rule %s does not apply to the version of %s in this build: %v", u.Rule.Name, u.Package, u.Err))
	}
	slices.Sort(out)
	return out
}

// edit records the rewrite m's rule asks for, in the file that declares
// m's function, and returns it for the caller to complete.
func (p *planner) edit(m analysis.Match) *Edit {
	pkg := m.Package.Pkg.Path()
	if p.edits[pkg] == nil {
		p.edits[pkg] = make(map[string][]Edit)
	}
	file := m.Decl.Filename
	kind := EditKind(m.Rule.Kind)
	if m.Rule.Name == FuncSpanRule {
		kind = EditSpan
	}
	p.edits[pkg][file] = append(p.edits[pkg][file], Edit{
		Kind: kind,
		Func: m.Name,
		Hook: m.Hook,
		Rule: m.Rule.Name,
		Line: m.Decl.Line,
	})
	es := p.edits[pkg][file]
	return &es[len(es)-1]
}

// finish fills Mains and Packages and sorts everything.
func (p *planner) finish() *Plan {
	pl := p.plan
	slices.SortStableFunc(p.sites, func(a, b sortedSite) int {
		return cmp.Or(cmp.Compare(a.file, b.file), cmp.Compare(a.line, b.line), cmp.Compare(a.col, b.col),
			cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Function, b.Function), cmp.Compare(a.Package, b.Package))
	})
	// A package under test is in the program twice (plain and with its
	// _test.go files, see analysis.Config.Tests), so its sites and edits
	// come twice: keep one site, the woven one if either is.
	pl.Sites = make([]Site, 0, len(p.sites))
	type siteKey struct{ pos, rule, fn, pkg string }
	seen := make(map[siteKey]int)
	for _, s := range p.sites {
		k := siteKey{s.Pos, s.Rule, s.Function, s.Package}
		if i, ok := seen[k]; ok {
			if pl.Sites[i].Status != StatusWoven && s.Status == StatusWoven {
				pl.Sites[i] = s.Site
			}
			continue
		}
		seen[k] = len(pl.Sites)
		pl.Sites = append(pl.Sites, s.Site)
	}

	pl.Mains = make([]Main, len(p.mains))
	for i, m := range p.mains {
		hooks := []string{}
		if p.telemetry[i] {
			p.hooks[i][analysis.RuntimePackage] = true
			for h := range p.hooks[i] {
				hooks = append(hooks, h)
			}
			slices.Sort(hooks)
		}
		binds := p.binds[i]
		slices.SortFunc(binds, func(a, b Bind) int { return cmp.Or(cmp.Compare(a.Package, b.Package), cmp.Compare(a.Var, b.Var)) })
		binds = slices.Compact(binds)
		var routes []string
		if p.telemetry[i] && len(p.routes) > 0 {
			routes = append(routes, p.routes...)
		}
		pl.Mains[i] = Main{
			ImportPath:    m.Pkg.Path(),
			Hooks:         hooks,
			HandleSignals: p.signals[i],
			BindAlways:    p.provider[i],
			AtMainReturn:  p.atReturn[i],
			Binds:         binds,
			ExcludeRoutes: routes,
		}
		if t, ok := p.tests[m]; ok {
			pl.Mains[i].Test = &TestOf{Package: t.Package, Name: t.Name, Dir: t.Dir}
		}
	}

	pl.Packages = []PackageEdits{}
	for pkg, files := range p.edits {
		pe := PackageEdits{ImportPath: pkg}
		for file, edits := range files {
			slices.SortFunc(edits, func(a, b Edit) int {
				return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col), cmp.Compare(a.Func, b.Func), cmp.Compare(a.Rule, b.Rule),
					cmp.Compare(a.Hook, b.Hook), cmp.Compare(a.Kind, b.Kind))
			})
			edits = slices.Compact(edits) // the two variants of a package under test
			pe.Files = append(pe.Files, FileEdits{File: file, Edits: edits})
		}
		slices.SortFunc(pe.Files, func(a, b FileEdits) int { return cmp.Compare(a.File, b.File) })
		pl.Packages = append(pl.Packages, pe)
	}
	slices.SortFunc(pl.Packages, func(a, b PackageEdits) int { return cmp.Compare(a.ImportPath, b.ImportPath) })
	if p.probe != nil {
		p.applyProbes(pl)
	}
	return pl
}
