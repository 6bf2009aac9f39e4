package ssaweave

import (
	"errors"
	"fmt"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ssaweave/ssaweave/callgraph"
	"golang.org/x/tools/go/ssa"
)

// Explanation says why one line was, or was not, instrumented.
type Explanation struct {
	Pos     string   `json:"pos"`     // the line, as file:line
	Answers []string `json:"answers"` // one paragraph each
}

// WriteText writes the explanation, one paragraph per answer.
func (e *Explanation) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	for _, a := range e.Answers {
		fmt.Fprintf(ew, "%s: %s\n", e.Pos, a)
	}
	return ew.err
}

// Explain answers why the line of file (relative to dir, or as plans
// print it) was or was not instrumented: the sites on it, the calls on it
// that make spans and the entry points that run them, or why nothing is
// woven there. It needs the analysis: an Audit read back from JSON cannot
// explain.
func (a *Audit) Explain(dir, file string, line int) (*Explanation, error) {
	au := a.au
	if au == nil {
		return nil, errors.New("this audit has no analysis to explain with")
	}
	name := au.planFile(dir, file)
	ex := &Explanation{Pos: fmt.Sprintf("%s:%d", name, line)}
	say := func(format string, args ...any) { ex.Answers = append(ex.Answers, fmt.Sprintf(format, args...)) }

	atLine := func(pos string) bool {
		f, l, _ := splitPos(pos)
		return f == name && l == line
	}
	// Sites declared or written on the line.
	for _, s := range a.Sites {
		if !atLine(s.Pos) {
			continue
		}
		what := "site"
		if s.Rule == GoRule {
			what = "go statement"
		}
		text := fmt.Sprintf("%s %s %s of %s: %s", s.Status, s.Rule, what, ShortName(s.Function), s.Reason)
		if len(s.Path) > 0 {
			text += "; path: " + chain(s.Path, 1<<20)
		}
		if s.LoopDepth > 0 {
			text += fmt.Sprintf("; in %d loop(s)", s.LoopDepth)
		}
		if len(s.Calls) > 0 {
			text += fmt.Sprintf("; %d call(s) in your code make its spans (the first at %s)", len(s.Calls), s.Calls[0].Pos)
		}
		say("%s", text)
	}
	// Calls on the line that make spans.
	seen := map[string]bool{}
	for _, e := range a.Entries {
		for _, c := range e.Calls {
			if !atLine(c.Pos) {
				continue
			}
			k := c.Pos + c.Rule
			var entries []string
			for _, e2 := range a.Entries {
				for _, c2 := range e2.Calls {
					if c2.Pos == c.Pos && c2.Rule == c.Rule {
						entries = append(entries, e2.Name)
					}
				}
			}
			if seen[k] {
				continue
			}
			seen[k] = true
			loop := "once each time it runs"
			if c.LoopDepth > 0 {
				loop = fmt.Sprintf("in %d loop(s), so at least one per iteration", c.LoopDepth)
			}
			if c.Rule == FuncSpanRule {
				say("the call of %s starts its function span (rule %s, woven); path: %s; it runs in %s, %s",
					ShortName(c.Callee), c.Rule, chain(c.Path, 1<<20), strings.Join(entries, ", "), loop)
				continue
			}
			say("the call of %s makes a %s span (rule %s, woven): it reaches %s, which makes it, through library code alone; path: %s; it runs in %s, %s",
				ShortName(c.Callee), c.Kind, c.Rule, ShortName(c.Target), chain(c.Path, 1<<20), strings.Join(entries, ", "), loop)
		}
	}
	if len(ex.Answers) > 0 {
		return ex, nil
	}

	// Nothing on the line: find the function around it.
	fn := au.funcAt(name, line)
	if fn == nil {
		if !au.knownFile(name) {
			say("no package of the program holds this file: nothing in it is instrumented (the audit loaded %s)", strings.Join(a.Patterns, " "))
		} else {
			say("the line is not inside a function: nothing there runs, so nothing is instrumented")
		}
		return ex, nil
	}
	short := ShortName(fn.String())
	for _, s := range a.Sites {
		if s.Function == fn.String() && s.Rule == FuncSpanRule {
			say("the line is in %s, whose function span is %s at %s: %s", short, s.Status, s.Pos, s.Reason)
		}
	}
	reachers := []int{}
	for i, g := range au.pl.graphs {
		if g.Reachable(fn) {
			reachers = append(reachers, i)
		}
	}
	if len(reachers) == 0 {
		reason, path := au.pl.unreachable(fn)
		if len(path) > 0 {
			reason += ": " + chain(path, 1<<20)
		}
		say("no rule instruments this line: it is in %s, which is %s", short, reason)
		return ex, nil
	}
	i := reachers[0]
	var runs []string
	for k, e := range a.Entries {
		if k < len(au.visited) && au.visited[k][fn] && e.Main == au.pl.mains[i].Pkg.Path() {
			runs = append(runs, e.Name)
		}
	}
	where := fmt.Sprintf("it is in %s, reachable from main (%s): %s", short, au.pl.graphs[i].Algorithm(), chain(callgraph.Names(au.pl.graphs[i].Path(fn)), 1<<20))
	if len(runs) > 0 {
		where += "; it runs in " + strings.Join(runs, ", ")
	}
	calls := au.callsAt(fn, name, line)
	if len(calls) == 0 {
		say("no rule instruments this line: there is no call on it; %s", where)
		return ex, nil
	}
	toward := au.pl.graphs[i].Toward(func(f *ssa.Function) bool { return au.spanMakers(i).makes(f) != "" })
	for _, c := range calls {
		var names []string
		for _, callee := range au.calleesAt(i, c) {
			names = append(names, ShortName(callee.String()))
			if chain := toward.Path(callee); chain != nil {
				target := chain[len(chain)-1]
				say("the call of %s makes no span itself, but it leads to one: %s, through your code or a server's request dispatch, reaches %s (%s); that span is counted at the call in your code nearest to it, or at the entry point that serves the request; %s",
					ShortName(callee.String()), chainNames(chain), ShortName(target.String()), au.spanMakers(i).makes(target), where)
				return ex, nil
			}
		}
		switch {
		case len(names) == 0:
			names = append(names, "a function the call graph does not resolve")
		case len(names) > 3:
			names = append(names[:3], fmt.Sprintf("%d more callees", len(names)-3))
		}
		say("no rule instruments this line: the call of %s reaches no function that makes spans in this program (no woven telemetry rule's target or sink, no function span); %s",
			strings.Join(names, " or "), where)
	}
	return ex, nil
}

// chainNames prints a chain of functions with short names.
func chainNames(fns []*ssa.Function) string {
	return chain(callgraph.Names(fns), 1<<20)
}

// planFile returns file as plans print it: relative to the load
// directory, $GOROOT/..., module@version/.... file is taken relative to
// dir (the user's working directory), else to the load directory, else
// as given.
func (au *auditor) planFile(dir, file string) string {
	for _, base := range []string{dir, au.pl.pos.dirs[0]} {
		p := file
		if !filepath.IsAbs(p) {
			p = filepath.Join(base, file)
		}
		if abs, err := filepath.Abs(p); err == nil {
			if _, err := os.Stat(abs); err == nil {
				return au.pl.pos.file(abs)
			}
		}
	}
	return filepath.ToSlash(file)
}

// knownFile reports whether a file of the program has the plan name name.
func (au *auditor) knownFile(name string) bool {
	found := false
	au.prog.Fset.Iterate(func(f *token.File) bool {
		found = au.pl.pos.file(f.Name()) == name
		return !found
	})
	return found
}

// funcAt returns the innermost function of the main module's packages
// whose body holds the line, or nil.
func (au *auditor) funcAt(name string, line int) *ssa.Function {
	var best *ssa.Function
	bestLen := 0
	for _, fn := range au.ownFuncs() {
		syn := fn.Syntax()
		if syn == nil {
			continue
		}
		start, end := au.prog.Fset.Position(syn.Pos()), au.prog.Fset.Position(syn.End())
		if au.pl.pos.file(start.Filename) != name || line < start.Line || line > end.Line {
			continue
		}
		if n := end.Line - start.Line; best == nil || n < bestLen {
			best, bestLen = fn, n
		}
	}
	return best
}

// callsAt returns the call instructions of fn on the line.
func (au *auditor) callsAt(fn *ssa.Function, name string, line int) []ssa.CallInstruction {
	var out []ssa.CallInstruction
	forCalls(fn, func(c ssa.CallInstruction) {
		p := au.prog.Fset.Position(c.Pos())
		if p.Line == line && au.pl.pos.file(p.Filename) == name {
			out = append(out, c)
		}
	})
	slices.SortFunc(out, func(a, b ssa.CallInstruction) int { return int(a.Pos() - b.Pos()) })
	return out
}
