package ssaweave

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ssaweave/ssaweave/analysis"
)

// AuditSchemaVersion is the version of the JSON schema of Audit
// (AUDIT.md). Like SchemaVersion, it changes only when a field changes
// meaning or disappears.
const AuditSchemaVersion = 1

// Audit is what the plan costs: every site with where it sits (loop
// depth, profile weight), every entry point with the spans one request
// makes, totals, and (filled by the command) binary sizes and benchmark
// deltas. It is computed from the analysis that makes the plan, which it
// embeds unchanged.
type Audit struct {
	Schema    int      `json:"schema"`    // AuditSchemaVersion
	Algorithm string   `json:"algorithm"` // call-graph algorithm, as in the plan
	Dir       string   `json:"dir"`       // directory the packages were loaded from
	Patterns  []string `json:"patterns"`  // package patterns as given

	// Sites are the plan's sites, in plan order, with their cost.
	Sites []AuditSite `json:"sites"`
	// Entries are the entry points of each program: HTTP routes, gRPC
	// methods, and main itself. Sorted by main, then kind, then name.
	Entries []Entry `json:"entries"`
	// Totals sum up sites and entries.
	Totals Totals `json:"totals"`
	// Profile describes the profile sample weights come from; nil
	// without one.
	Profile *ProfileInfo `json:"profile,omitempty"`
	// Sizes are the binary sizes of each main package built plainly and
	// woven (ssaweave audit measures them unless -size=false).
	Sizes []Size `json:"sizes,omitempty"`
	// Bench holds the measured benchmark deltas (ssaweave audit -bench).
	Bench *Bench `json:"bench,omitempty"`
	// Notes say what the audit could not determine, one sentence each.
	Notes []string `json:"notes,omitempty"`
	// Plan is the plan the audit describes.
	Plan *Plan `json:"plan"`

	au *auditor // the analysis, for Explain; nil once unmarshalled
}

// AuditSite is one site of the plan with what it costs.
type AuditSite struct {
	Site
	// LoopDepth is how many loops of its function enclose the site: 0
	// for a declaration (the rule's function itself), the loops around a
	// go statement. For library functions the number that matters is at
	// the user call sites that lead to them: Calls.
	LoopDepth int `json:"loopDepth"`
	// Source is the text of the site's line, trimmed.
	Source string `json:"source,omitempty"`
	// Calls are the call sites in the main module's code whose calls make
	// this site's spans (woven telemetry sites only), from every entry
	// point, sorted by position.
	Calls []SpanCall `json:"calls,omitempty"`
	// Samples is the profile weight of the site's function; nil without
	// a profile.
	Samples *Samples `json:"samples,omitempty"`
}

// Entry is one entry point of a program and the spans one request (or,
// for main, one run) makes.
type Entry struct {
	Main string `json:"main"` // import path of the main package
	// Kind is net/http, gin, chi, grpc or main.
	Kind string `json:"kind"`
	// Name is the route ("GET /orders/{id}", gin's "GET /users/:id"), the
	// gRPC method ("/pkg.Service/Method") or "main". A route prefix the
	// analysis could not follow is shown as "…".
	Name string `json:"name"`
	// Pos is where the entry point is registered (file:line:col).
	Pos string `json:"pos"`
	// Handlers are the functions a request runs first (middleware passed
	// with the route included).
	Handlers []string `json:"handlers"`
	// Server is the rule whose woven site makes the request's server
	// span, or "" (main; or a server whose rule is not woven).
	Server string `json:"server,omitempty"`
	// Calls are the call sites in the main module's code, reachable from
	// the handlers, that make spans: each makes one span per execution.
	Calls []SpanCall `json:"calls"`
	// Spans counts the spans per kind: the server span, then the calls.
	Spans []SpanCount `json:"spans"`
	// Total is the spans one request makes when every call site runs
	// once: a call site in a loop counts once (it makes at least one per
	// iteration).
	Total int `json:"total"`
	// InLoops counts the calls that sit in a loop.
	InLoops int `json:"inLoops"`
	// Note says what the analysis could not see, if anything.
	Note string `json:"note,omitempty"`
}

// SpanCall is a call in the main module's code that makes a span: a call
// of a library function that reaches a span-making function (a telemetry
// rule's target or sink) without passing through the program's code
// again, or a call of a function with a function span.
type SpanCall struct {
	Pos      string `json:"pos"`      // file:line:col of the call
	Function string `json:"function"` // the function that makes the call
	Callee   string `json:"callee"`   // the function called
	Target   string `json:"target"`   // the span-making function it reaches
	Rule     string `json:"rule"`     // the rule whose spans Target makes
	Kind     string `json:"kind"`     // span kind: server, client, database, redis, internal
	// LoopDepth counts the loops around the call: in its function and
	// around the calls that lead there from the entry point.
	LoopDepth int `json:"loopDepth"`
	// Path is a call chain from the entry point's handler to Function,
	// then from Callee to Target.
	Path []string `json:"path"`
	// Source is the text of the call's line, trimmed.
	Source string `json:"source,omitempty"`
	// Entries are the entry points whose requests run the call (in
	// AuditSite.Calls only).
	Entries []string `json:"entries,omitempty"`
	// Samples is the profile weight of the call's line; nil without a
	// profile.
	Samples *Samples `json:"samples,omitempty"`
}

// SpanCount counts one kind of span of an entry point.
type SpanCount struct {
	Kind    string `json:"kind"`    // server, client, database, redis, internal, ...
	Count   int    `json:"count"`   // spans when each call site runs once
	InLoops int    `json:"inLoops"` // how many of them are in a loop (≥1 per iteration)
}

// Totals sum up an audit.
type Totals struct {
	Sites     int `json:"sites"`
	Woven     int `json:"woven"`
	Pruned    int `json:"pruned"`
	Entries   int `json:"entries"`
	SpanCalls int `json:"spanCalls"` // distinct call sites that make spans
	InLoops   int `json:"inLoops"`   // of which in a loop
	// MaxSpans is the largest Entry.Total, and MaxSpansEntry its entry
	// ("main-package name").
	MaxSpans      int    `json:"maxSpans"`
	MaxSpansEntry string `json:"maxSpansEntry,omitempty"`
}

// ProfileInfo describes the profile of an audit.
type ProfileInfo struct {
	File       string `json:"file"`
	SampleType string `json:"sampleType"` // e.g. "samples/count"
	Total      int64  `json:"total"`      // sum of the samples' values
}

// Samples is the weight of a site or call in the profile: the summed
// values of the samples whose stack passes through it, and their share of
// the profile's total. It estimates how often, relative to the rest of the
// program, the code runs; it is not a call count.
type Samples struct {
	Value int64   `json:"value"`
	Share float64 `json:"share"`
}

// Size is the size of one main package's binary, plain and woven.
type Size struct {
	Main  string `json:"main"`
	Plain int64  `json:"plain"` // bytes
	Woven int64  `json:"woven"` // bytes
}

// Bench is a measured comparison of the packages' benchmarks, built
// plainly and woven.
type Bench struct {
	Count      int        `json:"count"`      // runs of each build
	Confidence float64    `json:"confidence"` // of the intervals, e.g. 0.95
	Alpha      float64    `json:"alpha"`      // significance level of the p-values
	Rows       []BenchRow `json:"rows"`
}

// BenchRow compares one benchmark's unit (sec/op, B/op, allocs/op).
type BenchRow struct {
	Package string       `json:"package"`
	Name    string       `json:"name"`
	Unit    string       `json:"unit"`
	Plain   BenchSummary `json:"plain"`
	Woven   BenchSummary `json:"woven"`
	// Delta is (woven - plain) / plain of the centers; 0 when plain is 0.
	Delta float64 `json:"delta"`
	// P is the p-value of the difference (Mann-Whitney U test), and
	// Significant says whether it is below Alpha.
	P           float64 `json:"p"`
	Significant bool    `json:"significant"`
	// Warnings are benchstat's, such as too few samples.
	Warnings []string `json:"warnings,omitempty"`
}

// BenchSummary is the center (median) of a sample and its confidence
// interval.
type BenchSummary struct {
	Center float64 `json:"center"`
	// Lo and Hi bound the confidence interval; both are absent when the
	// sample is too small for one at the confidence level (fewer than 6
	// runs for 95%).
	Lo *float64 `json:"lo,omitempty"`
	Hi *float64 `json:"hi,omitempty"`
	N  int      `json:"n"`
}

// AuditOptions say what to audit.
type AuditOptions struct {
	Options
	// Profile is the -pgo setting of the audit and of the plan it
	// describes: a CPU profile to weigh sites with (relative to the
	// current directory), or "off" for none; "" keeps the build flags'
	// setting, by default default.pgo in a main package's directory when
	// there is one (go build -pgo=auto). The plan prunes hot function
	// spans by the same profile (hot.go).
	Profile string
	// Progress, when set, is told of each phase of the analysis.
	Progress func(phase string)
}

// auditRun carries Audit's wishes through build (Options.audit).
type auditRun struct {
	progress func(string)
	prog     *analysis.Program
	pl       *planner
}

// phase reports a phase of the analysis; r may be nil.
func (r *auditRun) phase(s string) {
	if r != nil && r.progress != nil {
		r.progress(s)
	}
}

// keep records the analysis behind a plan; r may be nil.
func (r *auditRun) keep(prog *analysis.Program, pl *planner) {
	if r != nil {
		r.prog, r.pl = prog, pl
	}
}

// BuildAudit analyses the program opts names as Build does and returns what
// the plan costs. It never uses the plan cache: it needs the analysis, not
// only its result.
func BuildAudit(ctx context.Context, opts AuditOptions) (*Audit, error) {
	run := &auditRun{progress: opts.Progress}
	o := opts.Options
	o.audit = run
	if pgo := opts.Profile; pgo != "" {
		// The last -pgo wins, as for the go command: the plan is then
		// the one go build -pgo=<Profile> makes.
		if pgo != "off" {
			abs, err := filepath.Abs(pgo)
			if err != nil {
				return nil, fmt.Errorf("ssaweave audit: profile: %w", err)
			}
			pgo = abs
		}
		o.BuildFlags = append(slices.Clone(o.BuildFlags), "-pgo="+pgo)
	}
	plan, err := build(ctx, o, nil, analysis.Load)
	if err != nil {
		return nil, err
	}
	au := newAuditor(run.prog, run.pl)
	a := &Audit{
		Schema:    AuditSchemaVersion,
		Algorithm: plan.Algorithm,
		Dir:       plan.Dir,
		Patterns:  plan.Patterns,
		Plan:      plan,
		au:        au,
	}
	run.phase("entry points")
	a.Entries, a.Notes = au.entries()
	run.phase("sites")
	a.Sites = au.sites(plan, a.Entries)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// The plan read the profiles of its programs; weigh with the first
	// (by main package), as the audit has one profile.
	for _, prof := range run.pl.hot.profiles {
		if prof != nil {
			run.phase("profile")
			a.weigh(prof)
			break
		}
	}
	a.total()
	return a, nil
}

// total fills a.Totals.
func (a *Audit) total() {
	t := Totals{Sites: len(a.Sites), Entries: len(a.Entries)}
	for _, s := range a.Sites {
		switch s.Status {
		case StatusWoven:
			t.Woven++
		case StatusPruned:
			t.Pruned++
		}
	}
	calls := map[string]bool{}
	loops := map[string]bool{}
	for _, e := range a.Entries {
		for _, c := range e.Calls {
			k := c.Pos + " " + c.Rule
			calls[k] = true
			if c.LoopDepth > 0 {
				loops[k] = true
			}
		}
		if e.Total > t.MaxSpans {
			t.MaxSpans, t.MaxSpansEntry = e.Total, e.Name+" ("+e.Main+")"
		}
	}
	t.SpanCalls, t.InLoops = len(calls), len(loops)
	a.Totals = t
}

// spanKind is the kind of span a rule makes, as audits count them: what
// the rule declares (analysis.Rule.SpanKind), so that an integration is
// declared in one place and the audit knows no rule by name. Function
// spans, a built-in analysis rather than a rule, declare theirs in
// funcspans.go.
func spanKind(rule string) string {
	if rule == FuncSpanRule {
		return funcSpanKind
	}
	for i := range analysis.Rules {
		if r := &analysis.Rules[i]; r.Name == rule && r.SpanKind != "" {
			return r.SpanKind
		}
	}
	// Every telemetry rule declares a kind (analysis checks it when it
	// matches rules), so only a rule that makes no spans gets here; its
	// name still says what the count is.
	return rule
}

// countSpans fills e.Spans, e.Total and e.InLoops from e.Server and
// e.Calls.
func (e *Entry) countSpans() {
	byKind := map[string]*SpanCount{}
	var order []string
	add := func(kind string, loop bool) {
		c := byKind[kind]
		if c == nil {
			c = &SpanCount{Kind: kind}
			byKind[kind] = c
			order = append(order, kind)
		}
		c.Count++
		if loop {
			c.InLoops++
		}
	}
	if e.Server != "" {
		add(spanKind(e.Server), false)
	}
	for _, c := range e.Calls {
		add(c.Kind, c.LoopDepth > 0)
		if c.LoopDepth > 0 {
			e.InLoops++
		}
	}
	e.Spans = make([]SpanCount, 0, len(order))
	e.Total = 0
	for _, k := range order {
		e.Spans = append(e.Spans, *byKind[k])
		e.Total += byKind[k].Count
	}
}

// SpanSummary describes the spans of one request in words: "1 server
// span, 3 database spans (1 in a loop: ≥1 per iteration), 1 client span".
func (e *Entry) SpanSummary() string {
	if len(e.Spans) == 0 {
		return "no span"
	}
	var parts []string
	for _, c := range e.Spans {
		s := fmt.Sprintf("%d %s span", c.Count, c.Kind)
		if c.Count != 1 {
			s += "s"
		}
		if c.InLoops > 0 {
			s += fmt.Sprintf(" (%d in a loop: ≥1 per iteration)", c.InLoops)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// sortEntries sorts entries by main, kind (main first), name and
// position.
func sortEntries(es []Entry) {
	rank := func(kind string) int {
		if kind == "main" {
			return 0
		}
		return 1
	}
	slices.SortFunc(es, func(a, b Entry) int {
		return cmp.Or(cmp.Compare(a.Main, b.Main), cmp.Compare(rank(a.Kind), rank(b.Kind)), cmp.Compare(a.Kind, b.Kind),
			cmp.Compare(a.Name, b.Name), cmp.Compare(a.Pos, b.Pos))
	})
}
