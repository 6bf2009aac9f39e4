package ssaweave

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ssaweave/ssaweave/analysis"
)

const (
	rtPkg      = "github.com/ssaweave/ssaweave/rt"
	nethttpPkg = "github.com/ssaweave/ssaweave/rt/nethttp"
	testTool   = "ssaweave-test"
)

// Whole-program loading of net/http takes seconds, so each testdata
// program is planned once per test binary and shared.
var (
	plansMu sync.Mutex
	plans   = map[string]*plannedProgram{}
)

type plannedProgram struct {
	once sync.Once
	plan *Plan
	err  error
}

// testOptions are the options that plan testdata/dir. The tests that use
// them were written for RTA's answers, so they ask for RTA whatever auto
// would choose; precision_test.go compares the algorithms.
func testOptions(dir string) Options {
	return Options{Dir: filepath.Join("testdata", dir), Patterns: []string{"./..."}, Tool: testTool, Algorithm: "rta"}
}

// planOf returns the plan of testdata/dir, built once.
func planOf(t *testing.T, dir string) *Plan {
	t.Helper()
	return planPatterns(t, dir, "./...")
}

// planPatterns returns the plan of the packages patterns name in
// testdata/dir, built once: a program whose mains must be decided apart
// (a rule is woven if any main of a plan reaches it) is planned per main.
func planPatterns(t *testing.T, dir string, patterns ...string) *Plan {
	t.Helper()
	key := dir + " " + strings.Join(patterns, " ")
	plansMu.Lock()
	pp := plans[key]
	if pp == nil {
		pp = &plannedProgram{}
		plans[key] = pp
	}
	plansMu.Unlock()
	opts := testOptions(dir)
	opts.Patterns = patterns
	pp.once.Do(func() { pp.plan, pp.err = Build(context.Background(), opts) })
	if pp.err != nil {
		t.Fatal(pp.err)
	}
	return pp.plan
}

// siteOf returns the only site of rule in function fn, failing otherwise.
func siteOf(t *testing.T, p *Plan, rule, fn string) Site {
	t.Helper()
	var found []Site
	for _, s := range p.Sites {
		if s.Rule == rule && s.Function == fn {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d sites of %s in %s, want 1; sites: %+v", len(found), rule, fn, p.Sites)
	}
	return found[0]
}

// lineOf returns the text of line n of file.
func lineOf(t *testing.T, file string, n int) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for i := 1; sc.Scan(); i++ {
		if i == n {
			return sc.Text()
		}
	}
	t.Fatalf("%s has no line %d", file, n)
	return ""
}

// checkEdit checks that p edits exactly the function fn of pkg, once, in
// a file named base whose line the edit names starts with decl.
func checkEdit(t *testing.T, p *Plan, pkg, base string, want Edit, decl string) {
	t.Helper()
	pe := p.Edits(pkg)
	if pe == nil {
		t.Fatalf("no edits for %s", pkg)
	}
	var fe *FileEdits
	for i := range pe.Files {
		if filepath.Base(pe.Files[i].File) == base {
			fe = &pe.Files[i]
		}
	}
	if fe == nil || !filepath.IsAbs(fe.File) {
		t.Fatalf("edits of %s in files %+v, want an absolute .../%s", pkg, pe.Files, base)
	}
	var got *Edit
	for i, e := range fe.Edits {
		if e.Func == want.Func && e.Rule == want.Rule {
			if got != nil {
				t.Fatalf("edits of %s: %+v, want one of %s by %s", pkg, fe.Edits, want.Func, want.Rule)
			}
			got = &fe.Edits[i]
		}
	}
	if got == nil {
		t.Fatalf("edits of %s: %+v, want one of %s by %s", pkg, fe.Edits, want.Func, want.Rule)
	}
	want.Line = got.Line
	if *got != want {
		t.Errorf("edit of %s = %+v, want %+v", pkg, *got, want)
	}
	if line := lineOf(t, fe.File, got.Line); !strings.HasPrefix(line, decl) {
		t.Errorf("%s:%d is %q, want the declaration %q", fe.File, got.Line, line, decl)
	}
}

func TestServerWoven(t *testing.T) {
	p := planOf(t, "hello")
	if p.Schema != SchemaVersion || p.Tool != testTool || p.Algorithm != "rta" || !filepath.IsAbs(p.Dir) {
		t.Errorf("header = %d %q %q %q", p.Schema, p.Tool, p.Algorithm, p.Dir)
	}

	srv := siteOf(t, p, "net/http.server", "(net/http.serverHandler).ServeHTTP")
	if srv.Status != StatusWoven || srv.Reason != "reachable from main (rta)" || srv.Package != "net/http" {
		t.Errorf("server site = %+v", srv)
	}
	if !strings.HasPrefix(srv.Pos, "$GOROOT/src/net/http/server.go:") || !strings.HasSuffix(srv.Pos, ":1") {
		t.Errorf("server site pos = %q", srv.Pos)
	}
	if len(srv.Path) < 3 || srv.Path[0] != "example.com/hello.main" || srv.Path[len(srv.Path)-1] != "(net/http.serverHandler).ServeHTTP" {
		t.Errorf("server path = %v", srv.Path)
	}
	if !slices.Contains(srv.Path, "net/http.ListenAndServe") {
		t.Errorf("server path %v does not go through net/http.ListenAndServe", srv.Path)
	}

	exit := siteOf(t, p, "os.exit", "os.Exit")
	if exit.Status != StatusWoven || exit.Path[len(exit.Path)-1] != "os.Exit" {
		t.Errorf("os.Exit site = %+v", exit)
	}
	ret := siteOf(t, p, "main.return", "example.com/hello.main")
	if ret.Status != StatusWoven || ret.Pos != "main.go:10:1" || ret.Package != "example.com/hello" {
		t.Errorf("main.return site = %+v", ret)
	}
	sig := siteOf(t, p, "signal.flush", "example.com/hello.main")
	if sig.Status != StatusWoven || sig.Pos != "main.go:10:1" {
		t.Errorf("signal.flush site = %+v", sig)
	}

	want := []Main{{
		ImportPath:    "example.com/hello",
		Hooks:         []string{rtPkg, nethttpPkg},
		HandleSignals: true,
		AtMainReturn:  "ssaweave_atMainReturn",
	}}
	if len(p.Mains) != 1 || !mainEqual(p.Mains[0], want[0]) {
		t.Errorf("mains = %+v, want %+v", p.Mains, want)
	}
	if !p.Woven() {
		t.Error("Woven() = false")
	}

	if got := len(p.Packages); got != 3 {
		t.Errorf("%d packages edited, want 3: %+v", got, p.Packages)
	}
	checkEdit(t, p, "net/http", "server.go",
		Edit{Kind: EditAround, Func: "serverHandler.ServeHTTP", Hook: "ssaweaveHook_serverHandler_ServeHTTP", Rule: "net/http.server"},
		"func (sh serverHandler) ServeHTTP(")
	checkEdit(t, p, "os", "proc.go",
		Edit{Kind: EditBefore, Func: "Exit", Hook: "ssaweaveHook_Exit", Rule: "os.exit"},
		"func Exit(")
	checkEdit(t, p, "example.com/hello", "main.go",
		Edit{Kind: EditDeferCall, Func: "main", Hook: "ssaweave_atMainReturn", Rule: "main.return"},
		"func main()")
	if f := p.Edits("example.com/hello").Files[0].File; f != filepath.Join(p.Dir, "main.go") {
		t.Errorf("main edit in %s, want %s", f, filepath.Join(p.Dir, "main.go"))
	}
}

func mainEqual(a, b Main) bool {
	return a.ImportPath == b.ImportPath && slices.Equal(a.Hooks, b.Hooks) &&
		a.HandleSignals == b.HandleSignals && a.AtMainReturn == b.AtMainReturn
}

// TestClientOnly plans a program that sends HTTP requests and serves
// none: the client rule is woven, the server rule pruned.
func TestClientOnly(t *testing.T) {
	p := planOf(t, "client")
	if srv := siteOf(t, p, "net/http.server", "(net/http.serverHandler).ServeHTTP"); srv.Status != StatusPruned {
		t.Errorf("server site = %+v", srv)
	}
	cl := siteOf(t, p, "net/http.client", "net/http.send")
	if cl.Status != StatusWoven || len(cl.Path) < 2 || cl.Path[0] != "example.com/client.main" || cl.Path[1] != "net/http.Get" {
		t.Errorf("client site = %+v", cl)
	}
	checkEdit(t, p, "net/http", "client.go",
		Edit{Kind: EditFilter, Func: "send", Hook: "ssaweaveHook_send", Rule: "net/http.client"},
		"func send(")
}

func TestServerPruned(t *testing.T) {
	for _, dir := range []string{"dead"} {
		t.Run(dir, func(t *testing.T) {
			p := planOf(t, dir)
			srv := siteOf(t, p, "net/http.server", "(net/http.serverHandler).ServeHTTP")
			if srv.Status != StatusPruned || srv.Reason != "not reachable from main or init (rta)" || len(srv.Path) != 0 {
				t.Errorf("server site = %+v", srv)
			}
			for _, s := range p.Sites {
				if s.Status != StatusPruned {
					t.Errorf("site %+v woven in a program without telemetry", s)
				}
			}
			if len(p.Packages) != 0 {
				t.Errorf("edits: %+v", p.Packages)
			}
			if len(p.Mains) != 1 || len(p.Mains[0].Hooks) != 0 || p.Mains[0].HandleSignals || p.Mains[0].AtMainReturn != "" {
				t.Errorf("mains = %+v", p.Mains)
			}
			if p.Woven() {
				t.Error("Woven() = true")
			}
		})
	}
}

// TestMultipleMains plans three programs built together: decisions are per
// program, edits of shared packages are made once.
func TestMultipleMains(t *testing.T) {
	p := planOf(t, "multi")
	const (
		server = "example.com/multi/cmd/server"
		signal = "example.com/multi/cmd/signal"
		tool   = "example.com/multi/cmd/tool"
	)
	if got := len(p.Mains); got != 3 {
		t.Fatalf("%d mains, want 3", got)
	}
	// The server already declares ssaweave_atMainReturn.
	if m := p.Main(server); m == nil || !mainEqual(*m, Main{ImportPath: server, Hooks: []string{rtPkg, nethttpPkg}, HandleSignals: true, AtMainReturn: "ssaweave_atMainReturn_2"}) {
		t.Errorf("server main = %+v", m)
	}
	checkEdit(t, p, server, "main.go",
		Edit{Kind: EditDeferCall, Func: "main", Hook: "ssaweave_atMainReturn_2", Rule: "main.return"},
		"func main()")

	// The signal program handles signals itself.
	if m := p.Main(signal); m == nil || !mainEqual(*m, Main{ImportPath: signal, Hooks: []string{rtPkg, nethttpPkg}, AtMainReturn: "ssaweave_atMainReturn"}) {
		t.Errorf("signal main = %+v", m)
	}
	sig := siteOf(t, p, "signal.flush", signal+".main")
	if sig.Status != StatusPruned || !strings.Contains(sig.Reason, "handles signals itself") ||
		len(sig.Path) < 2 || sig.Path[0] != signal+".main" || sig.Path[len(sig.Path)-1] != "os/signal.Notify" {
		t.Errorf("signal.flush site = %+v", sig)
	}
	if s := siteOf(t, p, "signal.flush", server+".main"); s.Status != StatusWoven {
		t.Errorf("server's signal.flush site = %+v", s)
	}

	// The client-only tool links the client hook only, though net/http's
	// server is edited for the others.
	if m := p.Main(tool); m == nil || !mainEqual(*m, Main{ImportPath: tool, Hooks: []string{rtPkg, nethttpPkg}, HandleSignals: true, AtMainReturn: "ssaweave_atMainReturn"}) {
		t.Errorf("tool main = %+v", m)
	}
	srv := siteOf(t, p, "net/http.server", "(net/http.serverHandler).ServeHTTP")
	if srv.Status != StatusWoven || srv.Reason != "reachable from main (rta) in "+server+", "+signal || srv.Path[0] != server+".main" {
		t.Errorf("server site = %+v", srv)
	}
	if pe := p.Edits("net/http"); pe == nil || len(pe.Files) != 2 || len(pe.Files[0].Edits) != 1 || len(pe.Files[1].Edits) != 1 {
		t.Errorf("net/http edits = %+v, want one in client.go and one in server.go", pe)
	}
}

func TestTypeError(t *testing.T) {
	_, err := Build(context.Background(), testOptions("typeerr"))
	var le *analysis.LoadError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want a *analysis.LoadError", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "main.go:5:14: cannot use \"not a number\"") {
		t.Errorf("err = %q, want main.go:5:14 and the type checker's message", msg)
	}
}

func TestNoMain(t *testing.T) {
	for _, pattern := range []string{"./...", "./lib"} {
		opts := testOptions("nomain")
		opts.Patterns = []string{pattern}
		_, err := Build(context.Background(), opts)
		if !errors.Is(err, analysis.ErrNoMain) {
			t.Errorf("%s: err = %v, want ErrNoMain", pattern, err)
			continue
		}
		if want := "no main package in [" + pattern + "]: ssaweave instruments programs; name a main package (e.g. ./cmd/server)"; err.Error() != want {
			t.Errorf("%s: err = %q, want %q", pattern, err, want)
		}
	}
}

func TestEditKindsAgree(t *testing.T) {
	for a, p := range map[analysis.EditKind]EditKind{
		analysis.EditBefore: EditBefore,
		analysis.EditAround: EditAround,
		analysis.EditDefer:  EditDeferCall,
		analysis.EditFilter: EditFilter,
		analysis.EditSpan:   EditSpan,
	} {
		if EditKind(a) != p {
			t.Errorf("analysis kind %q is plan kind %q", a, p)
		}
	}
}

func TestWriteText(t *testing.T) {
	p := planOf(t, "hello")
	var buf bytes.Buffer
	if err := p.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != len(p.Sites) {
		t.Fatalf("%d lines for %d sites:\n%s", len(lines), len(p.Sites), buf.String())
	}
	col := -1
	for i, l := range lines {
		s := p.Sites[i]
		if !strings.HasPrefix(l, s.Status+" ") {
			t.Errorf("line %q does not start with the status", l)
		}
		// Columns are aligned: the position starts at the same offset.
		c := strings.Index(l, " "+s.Pos+" ") + 1
		if col == -1 {
			col = c
		} else if c != col {
			t.Errorf("position at column %d, want %d:\n%s", c, col, buf.String())
		}
	}
	want := "\nwoven   net/http.server  $GOROOT/src/net/http/server.go:"
	if !strings.Contains(buf.String(), want) {
		t.Errorf("output lacks %q:\n%s", want[1:], buf.String())
	}
	if !strings.Contains(buf.String(), "reachable from main (rta): example.com/hello.main → net/http.ListenAndServe → ") {
		t.Errorf("output lacks the witness path:\n%s", buf.String())
	}
}

// TestFuncSpans plans function spans selected by directive and by the
// configuration file, with exclusions by directive, package and route.
func TestFuncSpans(t *testing.T) {
	p := planOf(t, "funcspans")
	const mod = "example.com/funcspans"
	want := map[string]struct {
		status string
		reason string
	}{
		mod + ".load":                    {StatusWoven, "selected by //ssaweave:span at main.go:27; reachable from main (rta)"},
		mod + ".render":                  {StatusWoven, "selected by //ssaweave:span at main.go:34; reachable from main (rta)"},
		mod + ".check":                   {StatusPruned, `selected by //ssaweave:span at main.go:53, but reachable only through example.com/funcspans.healthz, which is excluded: it handles route "GET /health", excluded by ssaweave.yaml:11`},
		mod + ".probe":                   {StatusPruned, "selected by //ssaweave:span at main.go:58, but reachable only through example.com/funcspans.ready, which is excluded: ready is marked //ssaweave:ignore (main.go:46)"},
		mod + ".unused":                  {StatusPruned, "selected by //ssaweave:span at main.go:63, but not reachable from main or init (rta)"},
		"(*" + mod + "/store.Store).Get": {StatusWoven, "selected by ssaweave.yaml:3; reachable from main (rta)"},
		"(*" + mod + "/store.Store).Put": {StatusPruned, "selected by ssaweave.yaml:3, but not reachable from main or init (rta)"},
	}
	for fn, w := range want {
		s := siteOf(t, p, FuncSpanRule, fn)
		if s.Status != w.status || s.Reason != w.reason {
			t.Errorf("%s: %s %q, want %s %q", fn, s.Status, s.Reason, w.status, w.reason)
		}
	}
	n := 0
	for _, s := range p.Sites {
		if s.Rule == FuncSpanRule {
			n++
		}
	}
	if n != len(want) {
		t.Errorf("%d function.span sites, want %d", n, len(want))
	}
	checkEdit(t, p, mod, "main.go",
		Edit{Kind: EditSpan, Func: "load", Hook: "ssaweaveSpan_load", Rule: FuncSpanRule, Span: "users.load", Parent: "ctx", ParentKind: ParentContext},
		"func load(")
	checkEdit(t, p, mod, "main.go",
		Edit{Kind: EditSpan, Func: "render", Hook: "ssaweaveSpan_render", Rule: FuncSpanRule, Span: "main.render", Parent: "#1", ParentKind: ParentRequest},
		"func render(")
	checkEdit(t, p, mod+"/store", "store.go",
		Edit{Kind: EditSpan, Func: "Store.Get", Hook: "ssaweaveSpan_Store_Get", Rule: FuncSpanRule, Span: "store.Store.Get", Parent: "ctx", ParentKind: ParentContext},
		"func (s *Store) Get(")
	m := p.Main(mod)
	wantBinds := []Bind{
		{Package: mod, Var: "ssaweaveSpan_load", Func: BindFuncSpan},
		{Package: mod, Var: "ssaweaveSpan_render", Func: BindFuncSpan},
		{Package: mod + "/store", Var: "ssaweaveSpan_Store_Get", Func: BindFuncSpan},
	}
	if m == nil || !slices.Equal(m.Binds, wantBinds) || !slices.Equal(m.ExcludeRoutes, []string{"GET /health"}) {
		t.Errorf("main = %+v, want binds %+v and excluded route GET /health", m, wantBinds)
	}
	if want := []string{"ssaweave.yaml:6: spans[1] selects no function of the main module"}; !slices.Equal(p.Notes, want) {
		t.Errorf("notes = %q, want %q", p.Notes, want)
	}
}

// TestPathSpans plans path spans (paths: true in ssaweave.yaml): the
// functions on a path from main to a sink (the database, the HTTP client)
// get a function span with the path through them; unreachable functions
// and main itself get none.
func TestPathSpans(t *testing.T) {
	p := planOf(t, "paths")
	const mod = "example.com/paths"
	// With RTA the shortest path to a sink may be another sink than the
	// one the source calls (its call graph is coarse); it must be a sink.
	sinks := []string{"(*database/sql.DB).QueryRowContext", "(*database/sql.Tx).Commit", "net/http.send"}
	for _, fn := range []string{mod + ".getOrder", mod + ".loadOrder", mod + ".fetchPrice"} {
		s := siteOf(t, p, FuncSpanRule, fn)
		if s.Status != StatusWoven || !strings.HasPrefix(s.Reason, "selected by paths: on a path from main to ") {
			t.Errorf("%s: %s %q", fn, s.Status, s.Reason)
		}
		if i := slices.Index(s.Path, fn); i < 0 || s.Path[0] != mod+".main" || !slices.Contains(sinks, s.Path[len(s.Path)-1]) {
			t.Errorf("%s: path %q does not lead from main through it to a sink", fn, s.Path)
		}
	}
	for _, s := range p.Sites {
		if s.Rule == FuncSpanRule && (strings.HasSuffix(s.Function, ".unused") || strings.HasSuffix(s.Function, ".main")) {
			t.Errorf("site %+v: an unreachable function or main got a path span", s)
		}
	}
}
