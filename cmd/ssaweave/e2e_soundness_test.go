package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ssaweave/ssaweave/internal/e2e"
	"github.com/ssaweave/ssaweave/ssaweave"
)

// TestSoundness builds testdata programs for soundness checking
// (SSAWEAVE_PROBE=1: a probe in the function of every site, woven or
// pruned), exercises them, and checks that no site the plan prunes as
// unreachable ran. It also checks that the probes work: the sites the
// requests must reach are recorded.
func TestSoundness(t *testing.T) {
	bin := e2e.SSAWeave(t)
	for _, tc := range []struct {
		program, pkg string
		paths        []string
		mustRun      []string // functions of sites the requests reach
	}{
		{"httpserver", "./cmd/server", []string{"/users/42", "/health"}, []string{"(net/http.serverHandler).ServeHTTP"}},
		{"funcspans", ".", []string{"/users/42", "/users/7", "/health", "/debug"}, []string{"(net/http.serverHandler).ServeHTTP", "example.com/funcspans.lookup", "example.com/funcspans.check", "example.com/funcspans.dump"}},
	} {
		t.Run(tc.program, func(t *testing.T) {
			dir := e2e.CopyProgram(t, tc.program)
			env := e2e.Env(ssaweave.EnvProbe + "=1")
			var plan ssaweave.Plan
			if err := json.Unmarshal([]byte(e2e.Run(t, dir, env, bin, "plan", "-json", tc.pkg)), &plan); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "prog")
			e2e.Run(t, dir, env, bin, "go", "build", "-o", out, tc.pkg)
			probes := filepath.Join(t.TempDir(), "probes")
			srv := e2e.Start(t, out, e2e.Env("SSAWEAVE_PROBE_OUT="+probes, "OTEL_TRACES_EXPORTER=none"))
			for _, p := range tc.paths {
				srv.Do(t, "GET", p, nil)
			}
			srv.Stop(t, syscall.SIGTERM)
			data, err := os.ReadFile(probes)
			if err != nil {
				t.Fatalf("no probe output: %v\nstderr:\n%s", err, srv.Stderr())
			}
			ran := map[string]bool{}
			for _, line := range strings.Fields(string(data)) {
				i, err := strconv.Atoi(line)
				if err != nil || i < 0 || i >= len(plan.Sites) {
					t.Fatalf("bad probe line %q", line)
				}
				s := plan.Sites[i]
				ran[s.Function] = true
				if s.Status == ssaweave.StatusPruned && strings.Contains(s.Reason, "not reachable from main or init") {
					t.Errorf("unsound: site %s %s at %s ran, but the plan prunes it: %s", s.Rule, s.Function, s.Pos, s.Reason)
				}
			}
			for _, fn := range tc.mustRun {
				if !ran[fn] {
					t.Errorf("no probe recorded %s (recorded: %v)", fn, ran)
				}
			}
		})
	}
}
