package ssaweave

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ssaweave/ssaweave/analysis"
	"github.com/ssaweave/ssaweave/callgraph"
)

// testdata/precision has one main package per kind of dynamic call, each
// reaching (or not) the HTTP client or database/sql through it, with
// //ssaweave:span on the functions whose reachability tells the algorithms
// apart. It is planned once per algorithm.
var (
	precisionMu    sync.Mutex
	precisionPlans = map[string]*plannedProgram{}
)

const prec = "example.com/precision/"

func precisionPlan(t *testing.T, algorithm string) *Plan {
	t.Helper()
	precisionMu.Lock()
	pp := precisionPlans[algorithm]
	if pp == nil {
		pp = &plannedProgram{}
		precisionPlans[algorithm] = pp
	}
	precisionMu.Unlock()
	pp.once.Do(func() {
		opts := testOptions("precision")
		opts.Algorithm = algorithm
		pp.plan, pp.err = Build(context.Background(), opts)
	})
	if pp.err != nil {
		t.Fatal(pp.err)
	}
	return pp.plan
}

// TestPrecisionAPIs checks which programs reach the HTTP client and
// database/sql, and so link their hooks, under each algorithm: RTA reaches
// them in every program that has a dead implementation, method value,
// closure or callback of the right type; VTA only where one flows to the
// call.
func TestPrecisionAPIs(t *testing.T) {
	for _, tc := range []struct {
		algorithm   string
		client, sql []string // programs that reach them
		clientPath  []string // witness in the first
	}{
		{"rta",
			[]string{"closure", "defergo", "field", "generic", "iface", "methodvalue", "reflective"},
			[]string{"generic", "iface"},
			[]string{prec + "closure.main", prec + "closure.apply", prec + "closure.main$1", prec + "closure.postLine", "net/http.Post"}},
		{"vta",
			[]string{"defergo", "generic", "reflective"},
			nil,
			[]string{prec + "defergo.main", prec + "defergo.run", prec + "defergo.main$1", prec + "defergo.fetch", "net/http.Get"}},
	} {
		t.Run(tc.algorithm, func(t *testing.T) {
			p := precisionPlan(t, tc.algorithm)
			if p.Algorithm != tc.algorithm {
				t.Errorf("plan algorithm = %q, want %q", p.Algorithm, tc.algorithm)
			}
			client := siteOf(t, p, "net/http.client", "net/http.send")
			if want := "reachable from main (" + tc.algorithm + ") in " + prec + strings.Join(tc.client, ", "+prec); client.Status != StatusWoven || client.Reason != want {
				t.Errorf("client site: %s, %q\nwant woven, %q", client.Status, client.Reason, want)
			}
			if !slices.Equal(client.Path[:len(tc.clientPath)], tc.clientPath) {
				t.Errorf("client path %v, want it to start %v", client.Path, tc.clientPath)
			}
			db := siteOf(t, p, "database/sql", "database/sql.OpenDB")
			want := "not reachable from main or init (vta)"
			if tc.sql != nil {
				want = "reachable from main (rta) in " + prec + strings.Join(tc.sql, ", "+prec)
			}
			if db.Reason != want {
				t.Errorf("database/sql site: %q, want %q", db.Reason, want)
			}
			for _, m := range p.Mains {
				name := strings.TrimPrefix(m.ImportPath, prec)
				for hook, reachers := range map[string][]string{nethttpPkg: tc.client, rtPkg + "/sql": tc.sql} {
					if got, want := slices.Contains(m.Hooks, hook), slices.Contains(reachers, name); got != want {
						t.Errorf("%s links %s: %v, want %v", name, hook, got, want)
					}
				}
			}
		})
	}
}

// TestPrecisionConstructs checks, for each kind of dynamic call, the
// function spans of the functions behind it: woven with the path through
// the call, or, under VTA, pruned when nothing it calls can flow there.
// A nil path means pruned as unreachable.
func TestPrecisionConstructs(t *testing.T) {
	const (
		iface, mv, clo, gen = prec + "iface.", prec + "methodvalue.", prec + "closure.", prec + "generic."
		dg, fld, refl       = prec + "defergo.", prec + "field.", prec + "reflective."
	)
	// Dead for VTA, reached by RTA through the call it cannot refine.
	dead := map[string][]string{
		"(" + iface + "httpFetcher).Fetch": {iface + "main", "(" + iface + "httpFetcher).Fetch"},
		"(" + iface + "sqlStore).Put":      {iface + "main", "(" + iface + "sqlStore).Put"},
		"(*" + mv + "remote).get":          {mv + "main", mv + "each", "(*" + mv + "remote).get$bound", "(*" + mv + "remote).get"},
		clo + "postLine":                   {clo + "main", clo + "apply", clo + "main$1", clo + "postLine"},
		gen + "lookup":                     {gen + "main", gen + "mapAll[string, int]", gen + "main$1", gen + "lookup"},
		dg + "report":                      {dg + "main", dg + "run", dg + "report"},
		fld + "remoteError":                {fld + "main", "(*" + fld + "server).run", fld + "remoteError"},
	}
	// Reached by both, through the same call.
	live := map[string][]string{
		"(" + iface + "memFetcher).Fetch": {iface + "main", "(" + iface + "memFetcher).Fetch"},
		"(" + iface + "memStore).Put":     {iface + "main", "(" + iface + "memStore).Put"},
		"(" + mv + "cache).get":           {mv + "main", mv + "each", "(" + mv + "cache).get$bound", "(" + mv + "cache).get"},
		clo + "printLine":                 {clo + "main", clo + "apply", clo + "main$2", clo + "printLine"},
		gen + "length":                    {gen + "main", gen + "mapAll[string, int]", gen + "main$2", gen + "length"},
		dg + "fetch":                      {dg + "main", dg + "run", dg + "main$1", dg + "fetch"},
		fld + "logError":                  {fld + "main", "(*" + fld + "server).run", fld + "logError"},
		// Reached through what VTA cannot see: reflection in fmt,
		// errors.As, atomic.Value, a runtime callback, unsafe.
		"(" + refl + "status).String":    {refl + "main", "fmt.Println", "fmt.Fprintln", "(*fmt.pp).doPrintln", "(*fmt.pp).printArg", "(*fmt.pp).handleMethods", "(" + refl + "status).String"},
		"(" + refl + "fetchError).Retry": {refl + "main", "(" + refl + "fetchError).Retry"},
		"(" + refl + "httpPinger).Ping":  {refl + "main", "(" + refl + "httpPinger).Ping"},
		refl + "callback":                {refl + "main", refl + "callWord", refl + "callback"},
	}
	for _, alg := range []string{"rta", "vta"} {
		t.Run(alg, func(t *testing.T) {
			p := precisionPlan(t, alg)
			check := func(fn string, want []string) {
				t.Helper()
				s := siteOf(t, p, FuncSpanRule, fn)
				if want == nil {
					if s.Status != StatusPruned || !strings.HasSuffix(s.Reason, ", but not reachable from main or init ("+alg+")") || len(s.Path) != 0 {
						t.Errorf("%s: %s, %q, %v; want pruned as unreachable", fn, s.Status, s.Reason, s.Path)
					}
					return
				}
				if s.Status != StatusWoven || !strings.Contains(s.Reason, "; reachable from main ("+alg+") in ") || !slices.Equal(s.Path, want) {
					t.Errorf("%s: %s, %q\n path %v\n want woven, path %v", fn, s.Status, s.Reason, s.Path, want)
				}
			}
			for fn, path := range live {
				check(fn, path)
			}
			for fn, path := range dead {
				if alg == "vta" {
					path = nil
				}
				check(fn, path)
			}
			// The timer callback: the runtime calls time.goFunc, which
			// calls what AfterFunc was given; RTA's witness is any
			// call of a func().
			hb := siteOf(t, p, FuncSpanRule, refl+"heartbeat")
			if hb.Status != StatusWoven || hb.Path[len(hb.Path)-1] != refl+"heartbeat" {
				t.Errorf("heartbeat: %s %v", hb.Status, hb.Path)
			}
			if want := []string{refl + "main", "time.AfterFunc", "time.goFunc", refl + "heartbeat"}; alg == "vta" && !slices.Equal(hb.Path, want) {
				t.Errorf("heartbeat path %v, want %v", hb.Path, want)
			}
		})
	}
}

// TestAlgorithmChoice checks where the algorithm comes from: Options, then
// $SSAWEAVE_CALLGRAPH, then the configuration file, then auto; and that
// each source rejects an unknown name, saying where it is.
func TestAlgorithmChoice(t *testing.T) {
	t.Setenv(EnvCallGraph, "")
	settings := func(src string) *analysis.Settings {
		s, err := analysis.ParseSettings("ssaweave.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, tc := range []struct {
		opts     Options
		settings *analysis.Settings
		want     string
	}{
		{Options{}, &analysis.Settings{}, "auto"},
		{Options{}, settings("callgraph: rta\n"), "rta"},
		{Options{Env: []string{EnvCallGraph + "=vta"}}, settings("callgraph: rta\n"), "vta"},
		{Options{Algorithm: "rta", Env: []string{EnvCallGraph + "=vta"}}, settings("callgraph: vta\n"), "rta"},
	} {
		if got, err := algorithmChoice(tc.opts, tc.settings); err != nil || got != tc.want {
			t.Errorf("%+v, %q: %q, %v; want %q", tc.opts, tc.settings.CallGraph, got, err, tc.want)
		}
	}
	t.Setenv(EnvCallGraph, "vta")
	if got, _ := algorithmChoice(Options{}, settings("callgraph: rta\n")); got != "vta" {
		t.Errorf("with $%s=vta in the environment: %q", EnvCallGraph, got)
	}

	if _, err := algorithmChoice(Options{Algorithm: "cha"}, &analysis.Settings{}); err == nil || !strings.Contains(err.Error(), `"cha" is not a call-graph algorithm`) {
		t.Errorf("Options.Algorithm cha: %v", err)
	}
	if _, err := algorithmChoice(Options{Env: []string{EnvCallGraph + "=pta"}}, &analysis.Settings{}); err == nil || !strings.Contains(err.Error(), EnvCallGraph+"=pta is not a call-graph algorithm") {
		t.Errorf("%s=pta: %v", EnvCallGraph, err)
	}
	if _, err := analysis.ParseSettings("ssaweave.yaml", []byte("exclude:\n  packages: [x]\ncallgraph: fast\n")); err == nil || !strings.Contains(err.Error(), `ssaweave.yaml:3: callgraph: "fast" is not a call-graph algorithm: use rta, vta or auto`) {
		t.Errorf("callgraph: fast: %v", err)
	}
}

// TestAutoAlgorithm checks that auto refines RTA's graphs with VTA for a
// program no larger than the limit, and keeps RTA's above it.
func TestAutoAlgorithm(t *testing.T) {
	prog, err := analysis.Load(context.Background(), analysis.Config{Dir: filepath.Join("..", "callgraph", "testdata", "dispatch"), Patterns: []string{"."}})
	if err != nil {
		t.Fatal(err)
	}
	rta, err := callgraph.RTA.Graph(prog.SSA, callgraph.Roots(prog.Mains[0]))
	if err != nil {
		t.Fatal(err)
	}
	vta, err := callgraph.VTA.Graph(prog.SSA, callgraph.Roots(prog.Mains[0]))
	if err != nil {
		t.Fatal(err)
	}
	excl := &analysis.Exclusions{}
	for _, tc := range []struct {
		limit int
		want  string
		graph *callgraph.Graph
	}{
		{rta.Len(), "vta", vta},
		{rta.Len() - 1, "rta", rta},
	} {
		cg, err := computeCallGraphs(context.Background(), prog.SSA, prog.Mains, "auto", excl, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if cg.algorithm != tc.want || cg.full[0].Algorithm() != tc.want || cg.full[0].Len() != tc.graph.Len() {
			t.Errorf("limit %d: %s graph of %d functions, want %s (%d)", tc.limit, cg.algorithm, cg.full[0].Len(), tc.want, tc.graph.Len())
		}
	}
}

// TestCacheKeyAlgorithm checks that the plan cache tells the algorithms
// apart, whichever way they are asked for.
func TestCacheKeyAlgorithm(t *testing.T) {
	t.Setenv(EnvCallGraph, "")
	ctx := context.Background()
	key := func(opts Options) string {
		t.Helper()
		k, err := CacheKey(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	base := testOptions("hello")
	base.Algorithm = ""
	keys := map[string]string{}
	for _, alg := range []string{"", "rta", "vta", "auto"} {
		opts := base
		opts.Algorithm = alg
		keys[alg] = key(opts)
	}
	if keys[""] != keys["auto"] || keys["rta"] == keys["vta"] || keys["rta"] == keys["auto"] || keys["vta"] == keys["auto"] {
		t.Errorf("keys by algorithm: %v; want auto the default and the others distinct", keys)
	}
	t.Setenv(EnvCallGraph, "vta")
	if k := key(base); k != keys["vta"] {
		t.Errorf("$%s=vta: key %s, want %s (vta's)", EnvCallGraph, k, keys["vta"])
	}
	t.Setenv(EnvCallGraph, "bogus")
	if _, err := CacheKey(ctx, base); err == nil {
		t.Errorf("$%s=bogus: no error", EnvCallGraph)
	}
}
