package ssaweave

import (
	"cmp"
	"fmt"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ssaweave/ssaweave/analysis"
	"golang.org/x/tools/go/ssa"
)

// DefaultHot is the hot-path threshold when neither the configuration's
// hot key nor $SSAWEAVE_HOT sets one: a function span is not woven when
// its function is on the stack in at least this percentage of the CPU
// profile's samples.
//
// Why 5%: a recorded span costs 1–2 µs (BenchmarkFuncSpan/sampled in
// rt), cheap next to any call that takes longer. If a span costs no more
// than the call it wraps, it at most doubles the time under the
// function, so a function on the stack in less than 5% of the samples
// can add at most about 5% to the program's CPU time: the overhead
// budget `ssaweave audit -max-overhead` is shown with, and about the
// noise of a benchmark. Above it, a function called often with short
// calls could slow the program measurably, and the profile cannot tell
// whether it is (see "Hot paths" in DESIGN.md).
const DefaultHot = 5.0

// EnvHot names the environment variable that sets the hot-path
// threshold ("5%", "off"), over the configuration file's hot key.
const EnvHot = "SSAWEAVE_HOT"

// hotThreshold is the hot-path threshold of a build.
type hotThreshold struct {
	pct   float64 // percentage of a profile's samples; 0 for off
	raise string  // where to raise it: "hot: in ssaweave.yaml" or EnvHot
}

// String prints the threshold as it is written: "5%" or "off".
func (t hotThreshold) String() string {
	if t.pct == 0 {
		return "off"
	}
	return strconv.FormatFloat(t.pct, 'g', -1, 64) + "%"
}

// hotChoice returns the hot-path threshold of a build: $SSAWEAVE_HOT (in
// Env, then the process environment), else the configuration's hot key,
// else DefaultHot.
func hotChoice(opts Options, s *analysis.Settings) (hotThreshold, error) {
	file := analysis.ConfigFileName
	if s.File != "" {
		file = filepath.Base(s.File)
	}
	if v := envValue(opts.Env, EnvHot); v != "" {
		pct, err := analysis.ParseHot(v)
		if err != nil {
			return hotThreshold{}, fmt.Errorf("ssaweave: %s=%s: %v", EnvHot, v, err)
		}
		return hotThreshold{pct: pct, raise: EnvHot}, nil
	}
	t := hotThreshold{pct: DefaultHot, raise: "hot: in " + file}
	if s.Hot != "" {
		pct, err := analysis.ParseHot(s.Hot)
		if err != nil {
			// ParseSettings checked it; settings made by hand may not be.
			return hotThreshold{}, fmt.Errorf("ssaweave: %s:%d: hot: %v", s.File, s.HotLine, err)
		}
		t.pct = pct
	}
	return t, nil
}

// hotPaths keeps function spans off the program's hot paths: it holds the
// CPU profile of each program (the one go build -pgo uses for it) and
// the threshold, and finds the loops around a function's calls.
type hotPaths struct {
	threshold hotThreshold
	// profiles is parallel to the planner's mains: the profile of each
	// program, nil for none. Programs with the same file share one.
	profiles []*pgoProfile
	own      map[*ssa.Package]bool   // the main module's packages, where calls are looked at
	loops    map[*ssa.Function][]int // loop depths by block, per function (loopDepthIn)
}

// newHotPaths reads the profile of each main package of prog under the
// build's -pgo setting (pgoSetting): the file it names, or with auto the
// default.pgo beside the main package, as the go command finds it. The
// profile of a test binary (go test) is the one of the package under
// test, when that is a main package.
func newHotPaths(prog *analysis.Program, dir, setting string, t hotThreshold) (*hotPaths, error) {
	h := &hotPaths{
		threshold: t,
		profiles:  make([]*pgoProfile, len(prog.Mains)),
		own:       map[*ssa.Package]bool{},
		loops:     map[*ssa.Function][]int{},
	}
	for _, p := range prog.Own {
		if sp := prog.SSA.Package(p.Types); sp != nil {
			h.own[sp] = true
		}
	}
	read := map[string]*pgoProfile{}
	for i, m := range prog.Mains {
		file, err := pgoFile(setting, dir, mainDir(prog, m))
		if err != nil {
			return nil, err
		}
		if file == "" {
			continue
		}
		prof := read[file]
		if prof == nil {
			if prof, err = readPGO(file); err != nil {
				return nil, err
			}
			if !prof.cpu {
				return nil, fmt.Errorf("ssaweave: profile %s holds %s samples, not CPU samples: go build -pgo reads CPU profiles (samples/count or cpu/nanoseconds)", file, prof.info.SampleType)
			}
			read[file] = prof
		}
		h.profiles[i] = prof
	}
	return h, nil
}

// mainDir returns the directory whose default.pgo go build -pgo=auto
// applies to the program of main: its own, or for a test binary the
// directory of the package under test if that is a main package; "" for
// none.
func mainDir(prog *analysis.Program, main *ssa.Package) string {
	if t, ok := prog.Tests[main]; ok {
		if strings.TrimSuffix(t.Name, "_test") == "main" {
			return t.Dir
		}
		return ""
	}
	for _, p := range prog.Packages {
		if p.Types == main.Pkg && len(p.GoFiles) > 0 {
			return filepath.Dir(p.GoFiles[0])
		}
	}
	return ""
}

// hotVerdict is how a function span fares against the profiles of the
// programs that reach its function.
type hotVerdict struct {
	weave []int  // the programs (indices into mains) that get the span
	note  string // appended to a woven site's reason: "; on the stack in ..."
	why   string // why the others do not: "hot: on the stack in ..."; "" when all do
}

// judgeHot decides which of the programs reachers (at least one) weave
// the function span of fn, declared at pos: those in whose profile fn is
// on the stack in fewer samples than the threshold. The profile measures
// time, not calls: the share is the function's cumulative weight, which
// estimates how much of the program's work runs under it (see DESIGN.md,
// "Hot paths"). Loops around fn's calls in the main module are reported,
// not judged.
func (p *planner) judgeHot(fn *ssa.Function, pos string, reachers []int) hotVerdict {
	h := p.hot
	if h == nil {
		return hotVerdict{weave: reachers}
	}
	var v hotVerdict
	var hot []int
	for _, i := range reachers {
		prof := h.profiles[i]
		if s := h.share(i, pos); prof != nil && s != nil && h.threshold.pct > 0 &&
			float64(s.Value)*100 >= h.threshold.pct*float64(prof.total) {
			hot = append(hot, i)
		} else {
			v.weave = append(v.weave, i)
		}
	}
	loop := p.loopAround(fn, reachers)
	if len(v.weave) == 0 {
		v.why = p.hotWhy(hot, pos, loop)
		return v
	}
	if s := p.shares(v.weave, pos); s != "" {
		v.note = fmt.Sprintf("; on the stack in %s (threshold %s)", s, h.threshold)
	}
	if loop != "" {
		v.note += "; " + loop
	}
	if len(hot) > 0 {
		var names []string
		for _, i := range hot {
			names = append(names, p.mains[i].Pkg.Path())
		}
		v.why = p.hotWhy(hot, pos, "")
		v.note += "; not woven in " + strings.Join(names, ", ") + ": " + v.why
	}
	return v
}

// hotWhy says why the programs hot do not weave the function span of the
// function declared at pos: "hot: on the stack in 12.3% of the samples of
// default.pgo (threshold 5%)", then loop if not "", and what to do.
func (p *planner) hotWhy(hot []int, pos, loop string) string {
	if loop != "" {
		loop = " and " + loop
	}
	return fmt.Sprintf("hot: on the stack in %s (threshold %s)%s: a span per call would cost too much; raise %s to weave it",
		p.shares(hot, pos), p.hot.threshold, loop, p.hot.threshold.raise)
}

// share returns the samples of program i's profile in which the function
// declared at pos is on the stack; nil without a profile or samples.
func (h *hotPaths) share(i int, pos string) *Samples {
	if h.profiles[i] == nil {
		return nil
	}
	return h.profiles[i].onStack(pos)
}

// shares describes the share of the function declared at pos in the
// profiles of the programs mains, each profile once: "12.3% of the
// samples of default.pgo", "none of the samples of default.pgo", joined
// with "and"; "" when none of them has a profile with samples.
func (p *planner) shares(mains []int, pos string) string {
	var parts []string
	seen := map[*pgoProfile]bool{}
	for _, i := range mains {
		prof := p.hot.profiles[i]
		if prof == nil || prof.total == 0 || seen[prof] {
			continue
		}
		seen[prof] = true
		parts = append(parts, fmt.Sprintf("%s of the samples of %s", sharePercent(prof.onStack(pos)), p.pos.file(prof.info.File)))
	}
	return strings.Join(parts, " and ")
}

// sharePercent prints a share with one decimal: "12.3%", "<0.1%", or "none"
// for no samples.
func sharePercent(s *Samples) string {
	switch {
	case s == nil:
		return "none"
	case s.Share < 0.0005:
		return "<0.1%"
	}
	return strconv.FormatFloat(s.Share*100, 'f', 1, 64) + "%"
}

// loopAround describes the deepest loop around a call of fn in the main
// module's code, in the programs reachers: "called in a loop at
// main.go:31:10", "called in 2 nested loops at ...", or "" when no call
// the call graph knows is in a loop. Calls from library code (a server's
// accept loop calling a handler) are not counted: every handler would be
// in a loop.
func (p *planner) loopAround(fn *ssa.Function, reachers []int) string {
	if p.hot == nil {
		return ""
	}
	depth := 0
	var at token.Position
	for _, i := range reachers {
		g := p.graphs[i]
		n := g.CallGraph().Nodes[fn]
		if n == nil {
			continue
		}
		for _, e := range n.In {
			if e.Site == nil || e.Caller == nil || e.Caller.Func == nil {
				continue
			}
			caller := e.Caller.Func
			if caller.Synthetic != "" && caller.Synthetic != rangeFuncBody || !g.Reachable(caller) {
				continue
			}
			pkg := caller.Pkg
			if pkg == nil && caller.Origin() != nil {
				pkg = caller.Origin().Pkg
			}
			if !p.hot.own[pkg] {
				continue
			}
			d := loopDepthIn(p.hot.loops, e.Site)
			pos := caller.Prog.Fset.Position(e.Site.Pos())
			if d == 0 || !pos.IsValid() {
				continue
			}
			if c := cmp.Or(cmp.Compare(d, depth), cmp.Compare(at.Filename, pos.Filename), cmp.Compare(at.Line, pos.Line), cmp.Compare(at.Column, pos.Column)); depth == 0 || c > 0 {
				depth, at = d, pos
			}
		}
	}
	switch depth {
	case 0:
		return ""
	case 1:
		return "called in a loop at " + p.pos.pos(at)
	}
	return fmt.Sprintf("called in %d nested loops at %s", depth, p.pos.pos(at))
}
