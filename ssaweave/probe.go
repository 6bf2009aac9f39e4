package ssaweave

import (
	"cmp"
	"slices"
	"strings"

	"github.com/ssaweave/ssaweave/analysis"
)

// A soundness build (Options.Probe) checks the analysis against reality:
// instead of the plan's edits, every site that names a function — woven
// or pruned, whatever its rule — gets an EditProbe that records, when the
// function first runs, the site's index in the plan. Running the program
// (its tests, or requests) and comparing what ran with what the plan
// pruned as unreachable shows any unsound decision: a pruned site that ran
// would have lost its spans. Nothing else is woven, so the program behaves
// as the plain one and links only the runtime's core.

// EnvProbe names the environment variable that makes `ssaweave go` build
// for soundness checking (Options.Probe).
const EnvProbe = "SSAWEAVE_PROBE"

// probeMap returns the planner's probe table: nil when probes are off.
func probeMap(on bool) map[probeKey]probeTarget {
	if !on {
		return nil
	}
	return map[probeKey]probeTarget{}
}

// probeKey identifies a site as the plan lists it.
type probeKey struct{ pos, rule, fn, pkg string }

// probeTarget is the declaration a site's probe goes into.
type probeTarget struct {
	pkg  string // import path
	file string // absolute file name
	name string // "Func" or "Type.Method"
	line int
}

// noteProbe records m's declaration as the probe target of the site just
// recorded for it, when probes are on and m names a function whose body
// the rule is about: goroutine and program-level sites are not probed.
func (p *planner) noteProbe(m analysis.Match) {
	if p.probe == nil || m.Rule.Kind == analysis.EditNone && m.Rule.Name != FuncSpanRule || m.Rule.Kind == analysis.EditDefer {
		return
	}
	s := p.sites[len(p.sites)-1]
	p.probe[probeKey{s.Pos, s.Rule, s.Function, s.Package}] = probeTarget{
		pkg: m.Package.Pkg.Path(), file: m.Decl.Filename, name: m.Name, line: m.Decl.Line,
	}
}

// applyProbes replaces pl's edits and links with probes: one EditProbe per
// probed function and, in every main, a Bind per probe of a package it
// links, assigning rt.Probe(site index).
func (p *planner) applyProbes(pl *Plan) {
	type fileKey struct{ pkg, file string }
	edits := map[fileKey][]Edit{}
	var binds []Bind
	hooks := map[string]bool{}
	for i, s := range pl.Sites {
		t, ok := p.probe[probeKey{s.Pos, s.Rule, s.Function, s.Package}]
		if !ok {
			continue
		}
		hook := "ssaweaveProbe_" + strings.ReplaceAll(t.name, ".", "_")
		if hooks[t.pkg+" "+hook] {
			continue // one function, several rules: one probe, the first site
		}
		hooks[t.pkg+" "+hook] = true
		k := fileKey{t.pkg, t.file}
		edits[k] = append(edits[k], Edit{Kind: EditProbe, Func: t.name, Hook: hook, Rule: s.Rule, Line: t.line})
		binds = append(binds, Bind{Package: t.pkg, Var: hook, Func: BindProbe, Site: i})
	}
	// main.return stays: it is what gives each main package its generated
	// file (which binds the probes), and a flush at main's return is
	// harmless.
	for _, pe := range pl.Packages {
		for _, fe := range pe.Files {
			for _, e := range fe.Edits {
				if e.Kind == EditDeferCall {
					k := fileKey{pe.ImportPath, fe.File}
					edits[k] = append(edits[k], e)
				}
			}
		}
	}
	pl.Packages = []PackageEdits{}
	pkgs := map[string][]FileEdits{}
	for k, es := range edits {
		slices.SortFunc(es, func(a, b Edit) int { return cmp.Compare(a.Line, b.Line) })
		pkgs[k.pkg] = append(pkgs[k.pkg], FileEdits{File: k.file, Edits: es})
	}
	for pkg, files := range pkgs {
		slices.SortFunc(files, func(a, b FileEdits) int { return cmp.Compare(a.File, b.File) })
		pl.Packages = append(pl.Packages, PackageEdits{ImportPath: pkg, Files: files})
	}
	slices.SortFunc(pl.Packages, func(a, b PackageEdits) int { return cmp.Compare(a.ImportPath, b.ImportPath) })
	for i, m := range p.mains {
		linked := imports(m.Pkg)
		var mb []Bind
		for _, b := range binds {
			for tp := range linked {
				if tp.Path() == b.Package {
					mb = append(mb, b)
					break
				}
			}
		}
		pl.Mains[i].Hooks = []string{analysis.RuntimePackage}
		pl.Mains[i].HandleSignals = false
		pl.Mains[i].ExcludeRoutes = nil
		pl.Mains[i].Binds = mb
	}
}
