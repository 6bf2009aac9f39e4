package ssaweave

import (
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/pprof/profile"
	"github.com/ssaweave/ssaweave/analysis"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
)

// Audits of programs are loaded once per test binary and shared.
var (
	auditsMu sync.Mutex
	audits   = map[string]*auditedProgram{}
)

type auditedProgram struct {
	once  sync.Once
	audit *Audit
	err   error
}

// auditOf returns the audit of the program in dir (relative to this
// package), with the default call graph (auto), as ssaweave audit makes it.
func auditOf(t *testing.T, dir string) *Audit {
	t.Helper()
	auditsMu.Lock()
	ap := audits[dir]
	if ap == nil {
		ap = &auditedProgram{}
		audits[dir] = ap
	}
	auditsMu.Unlock()
	ap.once.Do(func() {
		ap.audit, ap.err = BuildAudit(context.Background(), AuditOptions{
			Options: Options{Dir: dir, Patterns: []string{"."}, Tool: testTool},
			Profile: "off",
		})
	})
	if ap.err != nil {
		t.Fatal(ap.err)
	}
	return ap.audit
}

const auditApp = "../testdata/auditapp"

// entry returns the entry point named name, failing the test without it.
func entry(t *testing.T, a *Audit, name string) Entry {
	t.Helper()
	for _, e := range a.Entries {
		if e.Name == name {
			return e
		}
	}
	var names []string
	for _, e := range a.Entries {
		names = append(names, e.Name)
	}
	t.Fatalf("no entry point %q; have %q", name, names)
	return Entry{}
}

// lineWith returns the 1-based line of the only line of file that contains
// text, so that tests do not break when testdata is edited above it.
func lineWith(t *testing.T, file, text string) int {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	line := 0
	for i, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, text) {
			if line != 0 {
				t.Fatalf("%s: %q is on lines %d and %d", file, text, line, i+1)
			}
			line = i + 1
		}
	}
	if line == 0 {
		t.Fatalf("%s has no line with %q", file, text)
	}
	return line
}

// callLines returns "kind@line(loop depth)" for each call, in order.
func callLines(calls []SpanCall) []string {
	var out []string
	for _, c := range calls {
		_, line, _ := splitPos(c.Pos)
		out = append(out, strings.Join([]string{c.Kind, "@", itoa(line), "(", itoa(c.LoopDepth), ")"}, ""))
	}
	return out
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestLoopDepths(t *testing.T) {
	const src = `package p

func f(n int, xs []int, seq func(func(int) bool)) {
	g(0)
	for i := 0; i < n; i++ {
		g(1)
		for _, x := range xs {
			g(2 + x)
		}
		g(1)
	}
again:
	g(1)
	if n > 0 {
		n--
		goto again
	}
	for x := range seq {
		g(1 + x)
	}
	g(0)
}

func g(int) {}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	pkg, _, err := ssautil.BuildPackage(&types.Config{Importer: importer.Default()}, fset, types.NewPackage("p", "p"), []*ast.File{f}, ssa.SanityCheckFunctions)
	if err != nil {
		t.Fatal(err)
	}
	au := &auditor{loops: map[*ssa.Function][]int{}}
	// Each call g(k) with a constant k, or g(k + x), sits in k loops.
	var visit func(fn *ssa.Function)
	checked := 0
	visit = func(fn *ssa.Function) {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				call, ok := instr.(*ssa.Call)
				if !ok || call.Call.StaticCallee() == nil || call.Call.StaticCallee().Name() != "g" {
					continue
				}
				line := fset.Position(call.Pos()).Line
				text := strings.Split(src, "\n")[line-1]
				want := int(text[strings.Index(text, "g(")+2] - '0')
				if got := au.loopDepth(call); got != want {
					t.Errorf("line %d %q: loop depth %d, want %d", line, strings.TrimSpace(text), got, want)
				}
				checked++
			}
		}
		for _, anon := range fn.AnonFuncs {
			visit(anon)
		}
	}
	visit(pkg.Func("f"))
	if checked != 7 {
		t.Errorf("checked %d calls of g, want 7", checked)
	}
}

func TestAuditEntries(t *testing.T) {
	a := auditOf(t, auditApp)
	main := filepath.Join(auditApp, "main.go")
	l := func(text string) string { return itoa(lineWith(t, main, text)) }
	tests := []struct {
		name, server, summary string
		total                 int
		calls                 []string
	}{
		{"main", "", "1 database span", 1, []string{"database@" + l(`"CREATE TABLE`) + "(0)"}},
		{"GET /health", "net/http.server", "1 server span", 1, nil},
		{"GET /orders/{id}", "net/http.server", "1 server span, 3 database spans (1 in a loop: ≥1 per iteration), 1 client span", 5, []string{
			"database@" + l(`"SELECT id FROM orders`) + "(0)",
			"database@" + l(`"SELECT price FROM items`) + "(1)",
			"database@" + l(`"SELECT id, price FROM items`) + "(0)",
			"client@" + l(`http.DefaultClient.Do(req)`) + "(0)",
		}},
		// A handler given as a value of a type with a ServeHTTP method.
		{"GET /stats", "net/http.server", "1 server span, 1 database span", 2, []string{"database@" + l(`"SELECT count(*)`) + "(0)"}},
		// A call of a function with a function span, and a database call
		// in a goroutine the handler starts.
		{"POST /orders", "net/http.server", "1 server span, 1 internal span, 2 database spans", 4, []string{
			"internal@" + l(`s.insert(r.Context())`) + "(0)",
			"database@" + l(`INSERT INTO audit`) + "(0)",
			"database@" + l(`"INSERT INTO orders`) + "(0)",
		}},
	}
	if len(a.Entries) != len(tests) {
		t.Errorf("%d entry points, want %d: %+v", len(a.Entries), len(tests), a.Entries)
	}
	for _, tt := range tests {
		e := entry(t, a, tt.name)
		if e.Server != tt.server || e.Total != tt.total || e.SpanSummary() != tt.summary {
			t.Errorf("%s: server %q, %d spans (%s); want %q, %d (%s)", tt.name, e.Server, e.Total, e.SpanSummary(), tt.server, tt.total, tt.summary)
		}
		if got := callLines(e.Calls); !slices.Equal(got, tt.calls) {
			t.Errorf("%s: calls %q, want %q", tt.name, got, tt.calls)
		}
		for _, c := range e.Calls {
			if len(c.Path) < 2 || c.Source == "" {
				t.Errorf("%s: call at %s has path %q and source %q", tt.name, c.Pos, c.Path, c.Source)
			}
		}
	}
	if got := a.Totals; got.Entries != 5 || got.SpanCalls != 9 || got.InLoops != 1 || got.MaxSpans != 5 || !strings.HasPrefix(got.MaxSpansEntry, "GET /orders/{id}") {
		t.Errorf("totals %+v", got)
	}
}

func TestAuditSites(t *testing.T) {
	a := auditOf(t, auditApp)
	if len(a.Sites) != len(a.Plan.Sites) {
		t.Fatalf("%d sites, plan has %d", len(a.Sites), len(a.Plan.Sites))
	}
	for i, s := range a.Sites {
		if s.Site.Pos != a.Plan.Sites[i].Pos || s.Status != a.Plan.Sites[i].Status {
			t.Errorf("site %d is %s %s, plan has %s %s", i, s.Pos, s.Status, a.Plan.Sites[i].Pos, a.Plan.Sites[i].Status)
		}
	}
	byRule := map[string]AuditSite{}
	for _, s := range a.Sites {
		byRule[s.Rule+" "+s.Status] = s
	}
	db := byRule["database/sql woven"]
	if len(db.Calls) != 7 {
		t.Errorf("database/sql site: %d calls, want the 7 database calls of every entry point: %+v", len(db.Calls), db.Calls)
	}
	for _, c := range db.Calls {
		if len(c.Entries) == 0 {
			t.Errorf("call %s lists no entry point", c.Pos)
		}
	}
	if s := byRule["function.span woven"]; len(s.Calls) != 1 || s.Source != "func (s *server) insert(ctx context.Context) error {" {
		t.Errorf("woven function span: calls %+v, source %q", s.Calls, s.Source)
	}
	if s := byRule["function.span pruned"]; len(s.Calls) != 0 || len(s.Path) != 0 {
		t.Errorf("pruned function span has calls %+v or path %q", s.Calls, s.Path)
	}
	if s := byRule["goroutine.context woven"]; s.Source != "go func() {" || s.LoopDepth != 0 {
		t.Errorf("go statement: source %q, loop depth %d", s.Source, s.LoopDepth)
	}
}

func TestExplain(t *testing.T) {
	a := auditOf(t, auditApp)
	main := filepath.Join(auditApp, "main.go")
	tests := []struct {
		file string
		line int
		want []string // in the one answer
	}{
		// A call that makes a span, in a loop.
		{"main.go", lineWith(t, main, `"SELECT price FROM items`), []string{"makes a database span (rule database/sql, woven)", "GET /orders/{id}", "at least one per iteration"}},
		// A woven site declared here.
		{"main.go", lineWith(t, main, "func (s *server) insert("), []string{"woven function.span site of (*auditapp.server).insert", "reachable from main"}},
		// A pruned site.
		{"main.go", lineWith(t, main, "func export("), []string{"pruned function.span site", "not reachable from main or init"}},
		// A line with a call that makes no span.
		{"main.go", lineWith(t, main, `io.WriteString(w, "ok\n")`), []string{"no rule instruments this line", "io.WriteString", "reaches no function that makes spans", "GET /health"}},
		// A line that calls user code that makes spans further down.
		{"main.go", lineWith(t, main, "items, err := s.items(ctx, id)"), []string{"makes no span itself, but it leads to one", "(*sql.DB).QueryContext"}},
		// A line without a call.
		{"main.go", lineWith(t, main, "total += price"), []string{"there is no call on it", "(*auditapp.server).getOrder"}},
		// Outside any function.
		{"main.go", 1, []string{"not inside a function"}},
		// A file of no package of the program.
		{"nosuch.go", 3, []string{"no package of the program holds this file"}},
	}
	for _, tt := range tests {
		ex, err := a.Explain(auditApp, tt.file, tt.line)
		if err != nil {
			t.Errorf("%s:%d: %v", tt.file, tt.line, err)
			continue
		}
		if len(ex.Answers) != 1 {
			t.Errorf("%s:%d: %d answers, want 1: %q", tt.file, tt.line, len(ex.Answers), ex.Answers)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(ex.Answers[0], w) {
				t.Errorf("%s:%d: answer %q lacks %q", tt.file, tt.line, ex.Answers[0], w)
			}
		}
	}
}

// copyAudit returns a deep copy of a, without its analysis.
func copyAudit(t *testing.T, a *Audit) *Audit {
	t.Helper()
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var c Audit
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

func TestAuditProfile(t *testing.T) {
	a := copyAudit(t, auditOf(t, auditApp))
	abs, err := filepath.Abs(filepath.Join(auditApp, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	loopLine := lineWith(t, abs, `"SELECT price FROM items`)
	// A CPU profile as runtime/pprof writes it: 3 samples in the loop's
	// query (one of them recursing through the same line twice), 1
	// elsewhere.
	fn := &profile.Function{ID: 1, Name: "main.(*server).getOrder", Filename: abs, StartLine: 45}
	other := &profile.Function{ID: 2, Name: "runtime.main", Filename: "/usr/local/go/src/runtime/proc.go", StartLine: 100}
	inLoop := &profile.Location{ID: 1, Line: []profile.Line{{Function: fn, Line: int64(loopLine)}}}
	elsewhere := &profile.Location{ID: 2, Line: []profile.Line{{Function: other, Line: 120}}}
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		Sample: []*profile.Sample{
			{Location: []*profile.Location{inLoop, elsewhere}, Value: []int64{1, 10}},
			{Location: []*profile.Location{inLoop, inLoop, elsewhere}, Value: []int64{2, 20}},
			{Location: []*profile.Location{elsewhere}, Value: []int64{1, 10}},
		},
		Location: []*profile.Location{inLoop, elsewhere},
		Function: []*profile.Function{fn, other},
	}
	file := filepath.Join(t.TempDir(), "default.pgo")
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	prof, err := readPGO(file)
	if err != nil {
		t.Fatal(err)
	}
	a.weigh(prof)
	if a.Profile == nil || a.Profile.Total != 4 || a.Profile.SampleType != "samples/count" {
		t.Fatalf("profile %+v, want 4 samples/count", a.Profile)
	}
	e := entry(t, a, "GET /orders/{id}")
	for _, c := range e.Calls {
		_, line, _ := splitPos(c.Pos)
		switch {
		case line == loopLine && (c.Samples == nil || c.Samples.Value != 3 || c.Samples.Share != 0.75):
			t.Errorf("call in the loop: samples %+v, want 3 (75%%)", c.Samples)
		case line != loopLine && c.Samples != nil:
			t.Errorf("call at %s: samples %+v, want none", c.Pos, c.Samples)
		}
	}
	if _, err := readPGO(filepath.Join(auditApp, "main.go")); err == nil || !strings.Contains(err.Error(), "is not a pprof profile") {
		t.Errorf("reading a Go file as a profile: %v", err)
	}
}

func TestAuditJSON(t *testing.T) {
	a := auditOf(t, auditApp)
	var buf bytes.Buffer
	if err := a.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema  int
		Sites   []map[string]any
		Entries []map[string]any
		Totals  map[string]any
		Plan    map[string]any
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != AuditSchemaVersion || doc.Plan["schema"] != float64(SchemaVersion) || len(doc.Sites) == 0 || len(doc.Entries) == 0 || doc.Totals["maxSpans"] != float64(5) {
		t.Fatalf("audit JSON: schema %d, plan %v, %d sites, %d entries, totals %v", doc.Schema, doc.Plan["schema"], len(doc.Sites), len(doc.Entries), doc.Totals)
	}
	pos := regexp.MustCompile(`^[^:]+:\d+:\d+$`)
	for _, s := range doc.Sites {
		if p, _ := s["pos"].(string); !pos.MatchString(p) {
			t.Errorf("site pos %q is not file:line:col", s["pos"])
		}
		if st := s["status"]; st != StatusWoven && st != StatusPruned {
			t.Errorf("site status %q", st)
		}
		for _, k := range []string{"rule", "function", "reason", "path", "loopDepth"} {
			if _, ok := s[k]; !ok {
				t.Errorf("site %v lacks %q", s["pos"], k)
			}
		}
	}
	for _, e := range doc.Entries {
		for _, k := range []string{"main", "kind", "name", "pos", "handlers", "calls", "spans", "total"} {
			if _, ok := e[k]; !ok {
				t.Errorf("entry %v lacks %q", e["name"], k)
			}
		}
	}
}

func TestAuditText(t *testing.T) {
	a := auditOf(t, auditApp)
	var buf bytes.Buffer
	if err := a.WriteText(&buf, 80); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"Sites (11: 9 woven, 2 pruned; call graph vta)", // the call.context of an escaping literal is pruned; hooks.unbound is woven
		"GET /orders/{id}  main.go:",
		"5: 1 server span, 3 database spans (1 in a loop: ≥1 per iteration), 1 client span",
		"loop depth 1",
		"At most 5 spans per request or run, in GET /orders/{id}",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	// Rows of sites may not fit (positions are kept whole), but paths,
	// notes and totals do.
	for _, l := range strings.Split(out, "\n") {
		if (strings.HasPrefix(l, "  via ") || strings.HasPrefix(l, "At most") || strings.HasPrefix(l, "Totals")) && len([]rune(l)) > 80 {
			t.Errorf("line wider than 80 columns: %q", l)
		}
	}
}

// TestAuditSpanKinds checks that the audit counts a rule's spans under the
// kind the rule declares (analysis.Rule.SpanKind) and knows no rule by
// name: changing a declaration changes the count's kind, with nothing
// else to edit. (TestAuditText checks the words on a real program.)
func TestAuditSpanKinds(t *testing.T) {
	n := 0
	for i := range analysis.Rules {
		r := &analysis.Rules[i]
		if r.Role != analysis.Telemetry {
			continue
		}
		n++
		if got := spanKind(r.Name); got != r.SpanKind {
			t.Errorf("rule %s: spans counted as %q, the rule declares %q", r.Name, got, r.SpanKind)
		}
		// The rule set is a package variable: restore it at once, before
		// anything else can plan with it.
		declared := r.SpanKind
		r.SpanKind = "renamed " + declared
		got := spanKind(r.Name)
		r.SpanKind = declared
		if got != "renamed "+declared {
			t.Errorf("rule %s declared as %q: spans counted as %q; the audit must read the declaration", r.Name, "renamed "+declared, got)
		}
	}
	if n == 0 {
		t.Error("no telemetry rule")
	}
	if got := spanKind(FuncSpanRule); got != "internal" {
		t.Errorf("function spans counted as %q, want internal", got)
	}
}

// TestAuditRouters checks the entry points of routers and gRPC services:
// chi routes with their full patterns through Mount and Route, and the
// methods of a gRPC service registered through generated code.
func TestAuditRouters(t *testing.T) {
	tests := []struct {
		dir   string
		names []string
		check func(t *testing.T, a *Audit)
	}{
		{"../testdata/chiapp", []string{"main", "GET /api/admin/stats", "GET /api/users/{id}", "GET /api/users/{id}/boom", "GET /api/users/{id}/orders/{order}", "GET /health"}, nil},
		// gin: a group's prefix, a catch-all parameter, Any-less verbs.
		{"../testdata/ginapp", []string{"main", "GET /api/v1/orders/:order/items/*path", "GET /boom", "GET /users/:id", "POST /api/v1/orders"}, func(t *testing.T, a *Audit) {
			if e := entry(t, a, "GET /users/:id"); e.Kind != "gin" || e.Server != "net/http.server" || len(e.Handlers) != 1 {
				t.Errorf("gin route: %+v", e)
			}
		}},
		{"../testdata/grpcapp", []string{"main", "/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/List", "/grpc.health.v1.Health/Watch", "GET /check"}, func(t *testing.T, a *Audit) {
			if e := entry(t, a, "/grpc.health.v1.Health/Check"); e.Server != "grpc.server" || e.Total != 1 {
				t.Errorf("gRPC method: server %q, %d spans", e.Server, e.Total)
			}
			// The handler calls a generated client: one client span,
			// counted at the user's call, not inside the stub.
			e := entry(t, a, "GET /check")
			if e.SpanSummary() != "1 server span, 1 client span" || len(e.Calls) != 1 || e.Calls[0].Rule != "grpc.client" || !strings.HasPrefix(e.Calls[0].Pos, "main.go:") {
				t.Errorf("GET /check: %s, calls %+v", e.SpanSummary(), e.Calls)
			}
			if e := entry(t, a, "main"); e.Total != 0 {
				t.Errorf("main makes no span, audit says %s: %+v", e.SpanSummary(), e.Calls)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.dir), func(t *testing.T) {
			t.Parallel()
			a := auditOf(t, tt.dir)
			var names []string
			for _, e := range a.Entries {
				names = append(names, e.Name)
			}
			if !slices.Equal(names, tt.names) {
				t.Errorf("entry points %q, want %q", names, tt.names)
			}
			if tt.check != nil {
				tt.check(t, a)
			}
		})
	}
}

func TestRouteExcluded(t *testing.T) {
	au := &auditor{pl: &planner{routes: []string{"GET /health", "/metrics/"}}}
	tests := []struct {
		kind, name string
		want       bool
	}{
		{"net/http", "GET /health", true},
		{"net/http", "/health", false}, // another pattern: the runtime matches by pattern
		{"chi", "GET /health", true},
		{"gin", "HEAD /health", true}, // GET patterns match HEAD requests
		{"chi", "POST /health", false},
		{"chi", "GET /healthz", false},
		{"gin", "GET /metrics/cpu", true},
		{"gin", "GET /users/:id", false}, // parameters: no single request to match
		{"chi", "GET …/health", false},
	}
	for _, tt := range tests {
		if got := au.routeExcluded(tt.kind, tt.name); got != tt.want {
			t.Errorf("routeExcluded(%s, %q) = %v, want %v", tt.kind, tt.name, got, tt.want)
		}
	}
}
