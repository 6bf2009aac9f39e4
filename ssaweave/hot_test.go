package ssaweave

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// copyTestdata copies testdata/name into a new temporary directory and
// returns it.
func copyTestdata(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", name))); err != nil {
		t.Fatal(err)
	}
	return dir
}

// hotProfile profiles testdata/hot with go test -cpuprofile, in a copy of
// its own (profiles come from builds elsewhere), and returns the profile
// and the share of its samples in which crunch is on the stack, counted
// by function name, independently of how the planner matches functions.
func hotProfile(t *testing.T) (file string, crunch float64) {
	t.Helper()
	dir := copyTestdata(t, "hot")
	file = filepath.Join(dir, "cpu.pgo")
	cmd := exec.Command("go", "test", "-count=1", "-vet=off", "-run=TestRun", "-cpuprofile="+file, "-o", filepath.Join(dir, "hot.test"), ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test -cpuprofile: %v\n%s", err, out)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	var total, on int64
	for _, s := range p.Sample {
		total += s.Value[0] // samples/count
		hit := false
		for _, loc := range s.Location {
			for _, l := range loc.Line {
				hit = hit || l.Function != nil && strings.HasSuffix(l.Function.Name, ".crunch")
			}
		}
		if hit {
			on += s.Value[0]
		}
	}
	// crunch does three quarters of the work: a profile with too few
	// samples to show it cannot test anything.
	if total < 10 || float64(on)/float64(total) < 0.3 {
		t.Fatalf("profile %s: crunch on the stack in %d of %d samples; the work in testdata/hot is too short to profile", file, on, total)
	}
	return file, float64(on) / float64(total)
}

// TestHotPaths plans testdata/hot with a real CPU profile of it: the
// function span of crunch, on the stack in about 75% of the samples, is
// pruned as hot; the one of report, never sampled, is woven. -pgo=off,
// GOFLAGS, an explicit -pgo file, the hot key and $SSAWEAVE_HOT change
// that as they should, and the profile is part of the plan cache key.
func TestHotPaths(t *testing.T) {
	ctx := context.Background()
	prof, share := hotProfile(t)
	dir := copyTestdata(t, "hot")
	data, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "default.pgo"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work", "work.go")
	// Reasons name the directive, on the line above the function.
	crunchLine := lineWith(t, work, "func crunch(") - 1
	reportLine := lineWith(t, work, "func Report(") - 1
	callLine := lineWith(t, work, "sum += crunch(")
	callCol := strings.Index(lineOf(t, work, callLine), "crunch(") + len("crunch") + 1 // the call's parenthesis
	const (
		crunch = "example.com/hot/work.crunch"
		report = "example.com/hot/work.Report"
	)
	var planHot func(t *testing.T, dir string, patterns, env []string, flags ...string) *Plan
	planWith := func(t *testing.T, env []string, flags ...string) *Plan {
		t.Helper()
		return planHot(t, dir, []string{"."}, env, flags...)
	}
	planHot = func(t *testing.T, dir string, patterns, env []string, flags ...string) *Plan {
		t.Helper()
		p, err := Build(ctx, Options{Dir: dir, Patterns: patterns, Tool: testTool, Algorithm: "rta", BuildFlags: flags, Env: env})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// The share as the plan prints it: the profile's own, by name.
	pct := strconv.FormatFloat(share*100, 'f', 1, 64) + "%"
	loop := fmt.Sprintf("called in a loop at work/work.go:%d:%d", callLine, callCol)
	hotReason := func(profile, threshold, raise string) string {
		return fmt.Sprintf("selected by //ssaweave:span at work/work.go:%d; reachable from main (rta), but hot: on the stack in %s of the samples of %s (threshold %s) and %s: a span per call would cost too much; raise %s to weave it",
			crunchLine, pct, profile, threshold, loop, raise)
	}
	coolReason := regexp.MustCompile(fmt.Sprintf(`^selected by //ssaweave:span at work/work\.go:%d; reachable from main \(rta\); on the stack in (none|<0\.1%%|\d\.\d%%) of the samples of default\.pgo \(threshold 5%%\)$`, reportLine))
	woven := func(t *testing.T, p *Plan, fn string) Site {
		t.Helper()
		s := siteOf(t, p, FuncSpanRule, fn)
		if s.Status != StatusWoven {
			t.Errorf("%s: %s %q, want woven", fn, s.Status, s.Reason)
		}
		return s
	}
	bound := func(p *Plan, main string) []string {
		var vars []string
		for _, b := range p.Main(main).Binds {
			vars = append(vars, b.Var)
		}
		return vars
	}

	t.Run("default.pgo", func(t *testing.T) {
		p := planWith(t, nil)
		s := siteOf(t, p, FuncSpanRule, crunch)
		if want := hotReason("default.pgo", "5%", "hot: in ssaweave.yaml"); s.Status != StatusPruned || s.Reason != want {
			t.Errorf("crunch: %s %q,\nwant pruned %q", s.Status, s.Reason, want)
		}
		if len(s.Path) == 0 || s.Path[len(s.Path)-1] != crunch {
			t.Errorf("crunch: path %q, want the witness path to it", s.Path)
		}
		r := woven(t, p, report)
		if !coolReason.MatchString(r.Reason) {
			t.Errorf("report: reason %q, want it to match %s", r.Reason, coolReason)
		}
		// The profile shows report at most in passing: below the threshold.
		if m := coolReason.FindStringSubmatch(r.Reason); m != nil && m[1] != "none" && m[1] != "<0.1%" {
			if v, _ := strconv.ParseFloat(strings.TrimSuffix(m[1], "%"), 64); v >= 5 {
				t.Errorf("report woven at %s, above the threshold", m[1])
			}
		}
		if got, want := bound(p, "example.com/hot"), []string{"ssaweaveSpan_Report"}; !slices.Equal(got, want) {
			t.Errorf("binds %q, want %q: a hot span must not be bound", got, want)
		}
		for _, fe := range p.Edits("example.com/hot/work").Files {
			for _, e := range fe.Edits {
				if e.Func == "crunch" {
					t.Errorf("edit %+v of the hot function", e)
				}
			}
		}
	})

	t.Run("-pgo=off", func(t *testing.T) {
		p := planWith(t, nil, "-pgo=off")
		for _, fn := range []string{crunch, report} {
			if s := woven(t, p, fn); strings.Contains(s.Reason, "samples") {
				t.Errorf("%s: reason %q mentions a profile", fn, s.Reason)
			}
		}
		if s := siteOf(t, p, FuncSpanRule, crunch); !strings.HasSuffix(s.Reason, "; "+loop) {
			t.Errorf("crunch: reason %q does not flag the loop around its call (%s)", s.Reason, loop)
		}
		if got, want := bound(p, "example.com/hot"), []string{"ssaweaveSpan_Report", "ssaweaveSpan_crunch"}; !slices.Equal(got, want) {
			t.Errorf("binds %q, want %q", got, want)
		}
	})

	t.Run("GOFLAGS=-pgo=off", func(t *testing.T) {
		woven(t, planWith(t, []string{"GOFLAGS=-pgo=off"}), crunch)
	})

	t.Run("-pgo=FILE", func(t *testing.T) {
		// The command line's -pgo wins over GOFLAGS and over default.pgo.
		s := siteOf(t, planWith(t, []string{"GOFLAGS=-pgo=off"}, "-pgo="+prof), FuncSpanRule, crunch)
		if want := hotReason(filepath.ToSlash(prof), "5%", "hot: in ssaweave.yaml"); s.Status != StatusPruned || s.Reason != want {
			t.Errorf("crunch: %s %q,\nwant pruned %q", s.Status, s.Reason, want)
		}
		if _, err := Build(ctx, Options{Dir: dir, Patterns: []string{"."}, Tool: testTool, BuildFlags: []string{"-pgo=missing.pgo"}}); err == nil || !strings.Contains(err.Error(), "-pgo=missing.pgo") {
			t.Errorf("a missing -pgo file: err = %v", err)
		}
	})

	t.Run("hot", func(t *testing.T) {
		config := filepath.Join(dir, "ssaweave.yaml")
		defer os.Remove(config)
		write := func(src string) {
			if err := os.WriteFile(config, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write("# every function span, however hot\nhot: off\n")
		s := woven(t, planWith(t, nil), crunch)
		if want := fmt.Sprintf("; on the stack in %s of the samples of default.pgo (threshold off); %s", pct, loop); !strings.HasSuffix(s.Reason, want) {
			t.Errorf("crunch: reason %q, want it to end with %q", s.Reason, want)
		}
		// The environment wins over the file.
		s = siteOf(t, planWith(t, []string{EnvHot + "=5%"}), FuncSpanRule, crunch)
		if want := hotReason("default.pgo", "5%", EnvHot); s.Status != StatusPruned || s.Reason != want {
			t.Errorf("crunch with %s=5%%: %s %q,\nwant pruned %q", EnvHot, s.Status, s.Reason, want)
		}
		if share < 0.99 {
			// A threshold just above crunch's share weaves it.
			above := fmt.Sprintf("%d%%", int(share*100)+1)
			write("hot: " + above + "\n")
			s = woven(t, planWith(t, nil), crunch)
			if want := "(threshold " + above + ")"; !strings.Contains(s.Reason, want) {
				t.Errorf("crunch: reason %q does not name the threshold %s", s.Reason, above)
			}
		}
		if _, err := Build(ctx, Options{Dir: dir, Patterns: []string{"."}, Tool: testTool, Env: []string{EnvHot + "=5"}}); err == nil || !strings.Contains(err.Error(), EnvHot+"=5: ") {
			t.Errorf("%s=5: err = %v, want an error naming it", EnvHot, err)
		}
	})

	t.Run("per program", func(t *testing.T) {
		// go build ./... gives each main package its own default.pgo:
		// idle has none, so crunch is woven there, and only there (the
		// edit is shared; hot does not bind its hook).
		p := planHot(t, dir, []string{"./..."}, nil)
		s := siteOf(t, p, FuncSpanRule, crunch)
		want := fmt.Sprintf("selected by //ssaweave:span at work/work.go:%d; reachable from main (rta) in example.com/hot/idle; %s; not woven in example.com/hot: hot: on the stack in %s of the samples of default.pgo (threshold 5%%): a span per call would cost too much; raise hot: in ssaweave.yaml to weave it",
			crunchLine, loop, pct)
		if s.Status != StatusWoven || s.Reason != want {
			t.Errorf("crunch: %s %q,\nwant woven %q", s.Status, s.Reason, want)
		}
		if got, want := bound(p, "example.com/hot"), []string{"ssaweaveSpan_Report"}; !slices.Equal(got, want) {
			t.Errorf("hot binds %q, want %q", got, want)
		}
		if got, want := bound(p, "example.com/hot/idle"), []string{"ssaweaveSpan_Report", "ssaweaveSpan_crunch"}; !slices.Equal(got, want) {
			t.Errorf("idle binds %q, want %q", got, want)
		}
	})

	t.Run("cache key", func(t *testing.T) {
		key := func(opts Options) string {
			t.Helper()
			k, err := CacheKey(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			return k
		}
		auto := Options{Dir: dir, Patterns: []string{"."}, Tool: testTool}
		off := Options{Dir: dir, Patterns: []string{"."}, Tool: testTool, BuildFlags: []string{"-pgo=off"}}
		explicit := Options{Dir: dir, Patterns: []string{"."}, Tool: testTool, BuildFlags: []string{"-pgo=" + filepath.Join(dir, "default.pgo")}}
		before := []string{key(auto), key(off), key(explicit), key(Options{Dir: dir, Patterns: []string{"."}, Tool: testTool, Env: []string{EnvHot + "=off"}})}
		if before[0] == before[3] {
			t.Error("the hot threshold does not change the key")
		}
		if err := os.WriteFile(filepath.Join(dir, "default.pgo"), append(slices.Clone(data), 0), 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.WriteFile(filepath.Join(dir, "default.pgo"), data, 0o644)
		if key(auto) == before[0] {
			t.Error("editing default.pgo does not change the key")
		}
		if key(explicit) == before[2] {
			t.Error("editing the -pgo file does not change the key")
		}
		if key(off) != before[1] {
			t.Error("with -pgo=off, editing default.pgo changes the key")
		}
	})
}

// TestPGOSetting checks that the -pgo setting is found as the go command
// finds it.
func TestPGOSetting(t *testing.T) {
	for _, tc := range []struct {
		flags   []string
		goflags string
		want    string
	}{
		{nil, "", "auto"},
		{[]string{"-tags=x"}, "-mod=mod", "auto"},
		{[]string{"-pgo=off"}, "", "off"},
		{[]string{"-pgo", "a.pgo", "--pgo=b.pgo"}, "", "b.pgo"},
		{nil, "-mod=mod -pgo=c.pgo", "c.pgo"},
		{[]string{"-pgo=auto"}, "-pgo=off", "auto"},
	} {
		if got := pgoSetting(tc.flags, tc.goflags); got != tc.want {
			t.Errorf("pgoSetting(%q, %q) = %q, want %q", tc.flags, tc.goflags, got, tc.want)
		}
	}
}
