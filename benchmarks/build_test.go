package benchmarks

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"

	"github.com/ssaweave/ssaweave/ssaweave"
)

// buildMode is one way of building a program.
type buildMode struct {
	name string
	// manual builds the program's hand-instrumented variant (build tag
	// manual); programs without one are not built in this mode.
	manual bool
	argv   func(tool, out, pkg string) []string
}

// buildModes are the four builds compared: the plain program, the same
// program instrumented by hand, and the plain program woven by ssaweave
// through its wrapper and through -toolexec alone.
var buildModes = []buildMode{
	{name: "plain", argv: func(_, out, pkg string) []string { return []string{"go", "build", "-o", out, pkg} }},
	{name: "manual", manual: true, argv: func(_, out, pkg string) []string {
		return []string{"go", "build", "-tags", "manual", "-o", out, pkg}
	}},
	{name: "wrapper", argv: func(tool, out, pkg string) []string { return []string{tool, "go", "build", "-o", out, pkg} }},
	{name: "toolexec", argv: func(tool, out, pkg string) []string {
		return []string{"go", "build", "-toolexec=" + tool, "-o", out, pkg}
	}},
}

// buildProgram is a program BenchmarkBuild builds.
type buildProgram struct {
	name   string
	src    string // module directory, copied afresh for each build mode
	pkg    string // main package, relative to src ("./cmd/server")
	manual bool   // has a hand-instrumented variant (build tag manual)
	// edit is the user file, relative to src, that the touch step touches
	// and the edit step appends a comment to.
	edit string
	// changes are the plan changes, applied one after the other after the
	// edit step, each measured as a step of its own.
	changes []planChange
}

// planChange is an edit of the program's source that changes the plan.
type planChange struct {
	name string
	// apply edits the program in dir; nonce makes the new source unique
	// to this round, so that no build cache entry of an earlier round
	// can serve it.
	apply func(dir, nonce string) error
}

// buildRounds counts BenchmarkBuild's rounds in this process; each round
// starts with the next build mode, so that no mode always runs first (on a
// shared machine, load drifts).
var buildRounds int

// BenchmarkBuild measures builds side by side: for each program and build
// mode, in one round, a first build (cold with SSAWEAVE_BENCH_COLD=1: empty
// GOCACHE and ssaweave cache), a build with nothing changed (noop), after
// touching one user file without changing it (touch), after appending a
// comment to it (edit), and after each plan change the program defines
// (adding a handler). Per mode and step it reports wall
// and CPU seconds and, when strace is available, how many packages were
// compiled, and for woven modes how many of those a plain build of the
// same change did not compile (extra-pkgs; the packages are logged); then
// the ratios of the round: cold builds against the hand-instrumented build,
// the other steps against plain go; and the binaries' sizes. In wrapper
// mode, the edits are those of an edit loop: before the first step that
// changes a file, an unmeasured edit and plan start the configuration's
// plan server, as a developer's first edit does.
//
// Programs: server (testdata/bench/cmd/server, with a hand-instrumented
// variant) and, with SSAWEAVE_BENCH_REAL, a large real program. Without
// SSAWEAVE_BENCH_BUILD=all or SSAWEAVE_BENCH_COLD=1, a round is a few warm
// builds of server (see buildRound), which is what CI runs.
func BenchmarkBuild(b *testing.B) {
	tool := ssaweaveTool(b)
	progs := []buildProgram{serverBuildProgram(b)}
	if spec := os.Getenv(envBenchRealBuild); spec != "" {
		progs = append(progs, realBuildProgram(b, spec))
	}
	cold := os.Getenv(envBenchCold) == "1"
	all := cold || os.Getenv(envBenchBuild) == "all"
	if !straceOK() {
		b.Logf("strace is not usable here (or %s=0): compiled packages are not counted", envBenchStrace)
	}
	for _, p := range progs {
		b.Run(p.name, func(b *testing.B) {
			sums := map[string]float64{}
			for range b.N {
				for k, v := range buildRound(b, tool, p, cold, all) {
					sums[k] += v
				}
			}
			keys := make([]string, 0, len(sums))
			for k := range sums {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				b.ReportMetric(sums[k]/float64(b.N), k)
			}
		})
	}
}

// buildRound builds p once in every mode, measuring each step, and
// returns the metrics of the round by unit name. Unless all is set, the
// toolexec-only mode (whose plan changes rebuild every package) and the
// steps after the first plan change are left out, for CI's single run.
func buildRound(b *testing.B, tool string, p buildProgram, cold, all bool) map[string]float64 {
	var modes []buildMode
	for _, m := range buildModes {
		if (!m.manual || p.manual) && (all || m.name != "toolexec") {
			modes = append(modes, m)
		}
	}
	shift := buildRounds % len(modes)
	buildRounds++
	modes = append(modes[shift:], modes[:shift]...)

	first := "first"
	if cold {
		first = "cold"
	}
	steps := []string{first, "noop", "touch", "edit"}
	for _, c := range p.changes {
		steps = append(steps, c.name)
	}
	if !all {
		steps = []string{first, "noop", "touch", p.changes[0].name}
	}
	costs := map[string]map[string]cost{} // mode, step
	sizes := map[string]int64{}
	for _, m := range modes {
		for attempt := 1; ; attempt++ {
			c, size, err := buildSteps(b, tool, p, m, steps, cold)
			if err == nil {
				costs[m.name], sizes[m.name] = c, size
				break
			}
			var se *straceError
			if !errors.As(err, &se) || attempt == 3 {
				b.Fatal(err)
			}
			// strace lost track of a process (rare, seen once in a
			// toolexec-only build): the build's outcome is unknown, so
			// the mode starts over, from empty caches if cold.
			b.Logf("%s, %s mode: %v; measuring the mode again", p.name, m.name, err)
		}
	}

	metrics := map[string]float64{}
	counted := straceOK()
	for mode, byStep := range costs {
		for step, c := range byStep {
			metrics[mode+"-"+step+"-s"] = c.wall.Seconds()
			metrics[mode+"-"+step+"-cpu-s"] = c.cpu.Seconds()
			if counted {
				metrics[mode+"-"+step+"-pkgs"] = float64(len(c.compiled))
			}
		}
		metrics[mode+"-MB"] = float64(sizes[mode]) / 1e6
	}
	ratio := func(name string, num, den float64) {
		if den > 0 {
			metrics[name] = num / den
		}
	}
	for _, mode := range []string{"manual", "wrapper", "toolexec"} {
		if _, ok := costs[mode]; !ok {
			continue
		}
		// A first build is compared with the hand-instrumented one, which
		// compiles the SDK and an exporter too; the others with plain go.
		base := "plain"
		if _, ok := costs["manual"]; ok && mode != "manual" {
			base = "manual"
		}
		ratio(mode+"/"+base+"-"+first+"-x", costs[mode][first].wall.Seconds(), costs[base][first].wall.Seconds())
		ratio(mode+"/"+base+"-"+first+"-cpu-x", costs[mode][first].cpu.Seconds(), costs[base][first].cpu.Seconds())
		ratio(mode+"/"+base+"-size-x", float64(sizes[mode]), float64(sizes[base]))
		if base != "plain" {
			ratio(mode+"/plain-size-x", float64(sizes[mode]), float64(sizes["plain"]))
		}
		if mode == "manual" {
			continue
		}
		for _, step := range steps[1:] {
			w, pl := costs[mode][step], costs["plain"][step]
			ratio(mode+"/plain-"+step+"-x", w.wall.Seconds(), pl.wall.Seconds())
			ratio(mode+"/plain-"+step+"-cpu-x", w.cpu.Seconds(), pl.cpu.Seconds())
			if counted {
				extra := without(w.compiled, pl.compiled)
				metrics[mode+"-"+step+"-extra-pkgs"] = float64(len(extra))
				if len(extra) > 0 {
					b.Logf("%s %s: %s compiled %d packages a plain build did not: %s", p.name, step, mode, len(extra), abbreviate(extra, 12))
				}
			}
		}
	}
	return metrics
}

// buildSteps builds p in mode m in a fresh copy, measuring each step, and
// returns the cost of each step and the size of the first binary.
func buildSteps(b *testing.B, tool string, p buildProgram, m buildMode, steps []string, cold bool) (map[string]cost, int64, error) {
	work := b.TempDir()
	// A cold cache of the large program takes gigabytes: free it as soon
	// as the mode is done.
	defer os.RemoveAll(work)
	dir := filepath.Join(work, "src")
	if err := copyTree(p.src, dir); err != nil {
		return nil, 0, err
	}
	out := filepath.Join(work, "bin")
	swCache := filepath.Join(work, "ssaweave-cache")
	settings := []string{"SSAWEAVE_CACHE=" + swCache}
	// The wrapper re-plans edits with a plan server (its default from a
	// configuration's second plan on), which is started below, before any
	// build that strace follows: strace -f would wait for the detached
	// server to exit. Toolexec-only builds plan inside the compiles, under
	// strace, so they use none.
	switch m.name {
	case "wrapper":
		settings = append(settings, ssaweave.EnvPlanServer+"=auto")
		defer ssaweave.StopServers(swCache)
	case "toolexec":
		settings = append(settings, ssaweave.EnvPlanServer+"=off")
	}
	if cold {
		settings = append(settings, "GOCACHE="+filepath.Join(work, "gocache"))
	}
	env := withEnv(settings...)
	argv := m.argv(tool, out, p.pkg)
	costs := map[string]cost{}
	var size int64
	warmed := false // the plan server runs (wrapper mode)
	for i, step := range steps {
		nonce := fmt.Sprintf("%s %s %d", m.name, step, time.Now().UnixNano())
		touch := func() error {
			now := time.Now()
			return os.Chtimes(filepath.Join(dir, p.edit), now, now)
		}
		switch {
		case i == 0 || step == "noop":
		case step == "touch":
			if err := touch(); err != nil {
				return nil, 0, err
			}
		case step == "edit":
			if err := appendFile(filepath.Join(dir, p.edit), "\n// edited by BenchmarkBuild: "+nonce+"\n"); err != nil {
				return nil, 0, err
			}
		default:
			j := slices.IndexFunc(p.changes, func(c planChange) bool { return c.name == step })
			if err := p.changes[j].apply(dir, nonce); err != nil {
				return nil, 0, fmt.Errorf("%s: plan change %s: %v", p.name, step, err)
			}
		}
		// A build that compiles nothing is timed without strace, whose
		// stop at every exec costs more than the build (3.5x a plain
		// no-op here), and more for modes that exec more; its packages
		// are counted in a second run of the same step under strace.
		quick := step == "noop" || step == "touch"
		c, err := measure(b, dir, env, !quick, argv...)
		if err != nil {
			return nil, 0, err
		}
		if quick && straceOK() {
			if step == "touch" {
				if err := touch(); err != nil {
					return nil, 0, err
				}
			}
			counted, err := measure(b, dir, env, true, argv...)
			if err != nil {
				return nil, 0, err
			}
			c.compiled = counted.compiled
		}
		costs[step] = c
		if next := i + 1; next < len(steps) && m.name == "wrapper" && !slices.Contains([]string{"noop", "touch"}, steps[next]) && !warmed {
			// What the first edit after a build does: start the plan
			// server, which loads the program. The measured edits are
			// those of an edit loop, re-planned by that server.
			warmed = true
			if err := appendFile(filepath.Join(dir, p.edit), "\n// plan server warm-up: "+nonce+"\n"); err != nil {
				return nil, 0, err
			}
			if _, err := measure(b, dir, env, false, tool, "plan", p.pkg); err != nil {
				return nil, 0, err
			}
		}
		if i == 0 {
			fi, err := os.Stat(out)
			if err != nil {
				return nil, 0, err
			}
			size = fi.Size()
		}
	}
	return costs, size, nil
}

// without returns the elements of a that are not in b, sorted, each once.
func without(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// abbreviate joins the first n of list.
func abbreviate(list []string, n int) string {
	if len(list) <= n {
		return strings.Join(list, " ")
	}
	return strings.Join(list[:n], " ") + fmt.Sprintf(" ... (%d more)", len(list)-n)
}

// appendFile appends text to the file at path.
func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// insertAfter inserts text after the first occurrence of anchor in the
// file at path.
func insertAfter(path, anchor, text string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	i := strings.Index(string(data), anchor)
	if i < 0 {
		return fmt.Errorf("%s: no %q to insert after", path, anchor)
	}
	i += len(anchor)
	return os.WriteFile(path, []byte(string(data[:i])+text+string(data[i:])), 0o644)
}

// serverBuildProgram is testdata/bench's service. Its plan changes add a
// route each: one whose handler calls a function with a //ssaweave:span
// directive (the rewrite of internal/users changes), then one whose
// handler calls another service (net/http's client gets woven, so the
// rewrite of net/http changes).
func serverBuildProgram(b *testing.B) buildProgram {
	const route = "\tmux.HandleFunc(\"GET /users/{id}\", users.Get)\n"
	return buildProgram{
		name:   "server",
		src:    filepath.Join(repoRoot(b), "testdata", "bench"),
		pkg:    "./cmd/server",
		manual: true,
		edit:   "internal/users/users.go",
		changes: []planChange{
			{name: "handler", apply: func(dir, nonce string) error {
				if err := insertAfter(filepath.Join(dir, "cmd/server/main.go"), route, "\tmux.HandleFunc(\"GET /users/{id}/card\", users.Card)\n"); err != nil {
					return err
				}
				return os.WriteFile(filepath.Join(dir, "internal/users/card.go"), []byte(strings.ReplaceAll(cardSource, "NONCE", nonce)), 0o644)
			}},
			{name: "client", apply: func(dir, nonce string) error {
				if err := insertAfter(filepath.Join(dir, "cmd/server/main.go"), route, "\tmux.HandleFunc(\"GET /users/{id}/avatar\", users.Avatar)\n"); err != nil {
					return err
				}
				return os.WriteFile(filepath.Join(dir, "internal/users/avatar.go"), []byte(strings.ReplaceAll(avatarSource, "NONCE", nonce)), 0o644)
			}},
		},
	}
}

// cardSource is the handler the "handler" plan change adds.
const cardSource = `package users

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// Card serves GET /users/{id}/card (added by BenchmarkBuild: NONCE).
func Card(w http.ResponseWriter, r *http.Request) {
	name, err := cardName(r.Context(), r.PathValue("id"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	fmt.Fprintf(w, "<b>%s</b>\n", name)
}

// cardName looks the user up, in a span of its own.
//
//ssaweave:span
func cardName(ctx context.Context, id string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	u, ok := table[id]
	if !ok {
		return "", errors.New("no such user")
	}
	return u.Name, nil
}
`

// avatarSource is the handler the "client" plan change adds.
const avatarSource = `package users

import (
	"io"
	"net/http"
)

// Avatar serves GET /users/{id}/avatar from another service (added by
// BenchmarkBuild: NONCE).
func Avatar(w http.ResponseWriter, r *http.Request) {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, "http://127.0.0.1:9/avatars/"+r.PathValue("id"), nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	io.Copy(w, resp.Body)
}
`

// realBuildProgram fetches the main package spec names
// (importpath@version) through the module proxy and makes it a program
// of a temporary module: the main package's files are copied to the
// module's root, so that they are user files the benchmark can edit, as
// with xcaddy-style custom builds. The module's requirements are raised
// to the versions the runtime (rt/go.mod) requires where the program's
// are older, so that toolexec-only builds, which cannot resolve one module
// graph for both, link; every mode builds that same module graph.
func realBuildProgram(b *testing.B, spec string) buildProgram {
	b.Helper()
	pkg, _, _ := strings.Cut(spec, "@")
	dir := filepath.Join(b.TempDir(), "real")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	gocmd, files := fetchMain(b, envBenchRealBuild, spec, dir)
	if !slices.Contains(files, "main.go") {
		b.Fatalf("%s=%s: the main package has no main.go to edit", envBenchRealBuild, spec)
	}

	rtmod, err := os.ReadFile(filepath.Join(repoRoot(b), "rt", "go.mod"))
	if err != nil {
		b.Fatal(err)
	}
	rt, err := modfile.ParseLax("rt/go.mod", rtmod, nil)
	if err != nil {
		b.Fatal(err)
	}
	have := map[string]string{}
	for _, line := range strings.Split(gocmd("list", "-m", "-f", "{{.Path}} {{.Version}}", "all"), "\n") {
		if path, v, ok := strings.Cut(line, " "); ok {
			have[path] = v
		}
	}
	var raise []string
	for _, r := range rt.Require {
		if v, ok := have[r.Mod.Path]; ok && semver.Compare(v, r.Mod.Version) < 0 {
			raise = append(raise, r.Mod.Path+"@"+r.Mod.Version)
		}
	}
	if len(raise) > 0 {
		b.Logf("raising to the runtime's versions: %s", strings.Join(raise, " "))
		gocmd(append([]string{"get"}, raise...)...)
	}
	gocmd("mod", "tidy")
	return buildProgram{
		name: filepath.Base(pkg),
		src:  dir,
		pkg:  ".",
		edit: "main.go",
		changes: []planChange{
			{name: "span", apply: func(dir, nonce string) error {
				if err := insertAfter(filepath.Join(dir, "main.go"), "func main() {\n", "\tssaweaveBenchStart()\n"); err != nil {
					return err
				}
				return os.WriteFile(filepath.Join(dir, "ssaweave_bench.go"), []byte(strings.ReplaceAll(realSpanSource, "NONCE", nonce)), 0o644)
			}},
		},
	}
}

// realSpanSource is what the plan change of the real program adds: a
// function with a //ssaweave:span directive, called first thing in main
// (the program's routes come from its configuration, so there is no
// handler to add in code).
const realSpanSource = `package main

import "context"

// ssaweaveBenchStart is added by BenchmarkBuild (NONCE).
func ssaweaveBenchStart() { _ = ssaweaveBenchTraced(context.Background()) }

// ssaweaveBenchTraced has a function span.
//
//ssaweave:span
func ssaweaveBenchTraced(ctx context.Context) error { return ctx.Err() }
`
