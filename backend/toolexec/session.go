package toolexec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ssaweave/ssaweave/analysis"
	"github.com/ssaweave/ssaweave/backend/gocmd"
	"github.com/ssaweave/ssaweave/backend/rtsrc"
	"github.com/ssaweave/ssaweave/internal/cache"
	"github.com/ssaweave/ssaweave/internal/gotool"
	"github.com/ssaweave/ssaweave/internal/version"
	"github.com/ssaweave/ssaweave/ssaweave"
	"golang.org/x/mod/modfile"
)

// A session is what the toolexec processes of one go command share in
// toolexec-only mode: the plan made from that go command's arguments, and
// the hook packages built for it. It is stored in the cache under the go
// process's identity (pid and start time), behind a file lock, so that it
// is computed once however many toolexec processes run at once.
type session struct {
	PlanPath string   `json:"plan"`
	Dir      string   `json:"dir"`   // where the go command runs
	Flags    []string `json:"flags"` // the go command's compile-relevant flags
	ModFlag  string   `json:"modfile,omitempty"`
	// Hooks maps every package of the runtime's import graph to its
	// compiled archive; filled by the first compile or link that needs it.
	Hooks map[string]string `json:"hooks,omitempty"`
	// Failed is the analysis error when the program could not be loaded
	// (usually: it does not compile). Tools then run unchanged, so that
	// the compiler reports its own errors, and a link fails with this.
	Failed string `json:"failed,omitempty"`

	path string // session file
}

// Planner makes a plan for toolexec-only mode. It is a variable so that the
// command (which links the analysis) provides it and this package stays
// free of the analysis.
var Planner func(ctx context.Context, opts ssaweave.Options) (*ssaweave.Plan, error)

// discover returns the session of the go command that invoked us, creating
// it on first use.
func discover(ctx context.Context) (*session, error) {
	proc, err := parentGo()
	if err != nil {
		return nil, err
	}
	dir, err := cache.Sub("sessions")
	if err != nil {
		return nil, err
	}
	base := filepath.Join(dir, proc.id)
	unlock, err := cache.Lock(base + ".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()
	s := &session{path: base + ".json"}
	if data, err := os.ReadFile(s.path); err == nil {
		if err := json.Unmarshal(data, s); err == nil {
			return s, nil
		}
	}
	cleanOldSessions(dir)
	if Planner == nil {
		return nil, fmt.Errorf("no planner linked")
	}
	inv := proc.inv
	if !inv.Builds() {
		return nil, fmt.Errorf("go %s -toolexec: ssaweave weaves go build, install, run and test", inv.Sub)
	}
	patterns := inv.Packages
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	s.Dir = inv.AbsDir(proc.cwd)
	s.Flags = inv.CompileFlags()
	s.ModFlag, _ = inv.Lookup("modfile")
	plan, err := Planner(ctx, ssaweave.Options{
		Dir:        s.Dir,
		Patterns:   patterns,
		BuildFlags: inv.LoadFlags(),
		Env:        proc.env,
		Tool:       version.Tool(),
		Tests:      inv.Sub == "test",
	})
	var loadErr *analysis.LoadError
	if errors.As(err, &loadErr) {
		s.Failed = err.Error()
		return s, s.save()
	}
	if err != nil {
		return nil, err
	}
	if s.PlanPath, err = StorePlan(plan); err != nil {
		return nil, err
	}
	return s, s.save()
}

// StorePlan writes plan into the cache, under a name derived from its
// content, and returns the path that EnvPlan passes to the backend.
func StorePlan(plan *ssaweave.Plan) (string, error) {
	data, err := json.MarshalIndent(plan, "", "\t")
	if err != nil {
		return "", err
	}
	plans, err := cache.Sub("plan-files")
	if err != nil {
		return "", err
	}
	return cache.WriteContent(plans, "plan.json", data)
}

func (s *session) save() error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return cache.WriteFileAtomic(s.path, data, 0o600)
}

// cleanOldSessions removes session files of go commands long finished.
func cleanOldSessions(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > 24*time.Hour {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// hookExports builds the runtime's hook packages with a child `go list
// -export` under the same flags and plan as the parent build, once per
// session, and returns the archive of every package in their import graph.
// The child runs this same backend, so the standard-library packages it
// compiles are woven exactly like the parent's and their archives match.
func (s *session) hookExports(b *backend) (map[string]string, error) {
	// A lock of its own: the child build takes a while, and the other
	// toolexec processes of this build only need the session's plan.
	unlock, err := cache.Lock(strings.TrimSuffix(s.path, ".json") + ".hooks.lock")
	if err != nil {
		return nil, err
	}
	defer unlock()
	if data, err := os.ReadFile(s.path); err == nil {
		json.Unmarshal(data, s)
	}
	if s.Hooks != nil {
		return s.Hooks, nil
	}
	ctx := context.Background()
	setup, env, pkgs, err := s.hookSetup(ctx, b)
	if err != nil {
		return nil, err
	}
	key, err := hooksKey(setup)
	if err != nil {
		return nil, err
	}
	// The child's tools answer -V=full as the parent's do (see
	// backend.version), so that the packages both compile (the woven
	// standard library) are one cache entry, compiled once.
	env = append(env, EnvHooksKey+"="+key)
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := append([]string{"list", "-deps", "-export", "-json=ImportPath,Export,Error"}, setup.Flags()...)
	if setup.Vendor && setup.Work == "" {
		// vendor/ lacks the runtime module (see backend.modMode).
		args = append(args, "-mod=mod")
	}
	args = append(args, "-toolexec="+gocmd.Quote(self)+" toolexec")
	env = append(env, setup.Env()...)
	for _, f := range s.Flags {
		// -a would rebuild everything again; -modfile is replaced.
		if f == "-a" || strings.HasPrefix(f, "-modfile=") || strings.HasPrefix(f, "-mod=") {
			continue
		}
		args = append(args, f)
	}
	args = append(args, pkgs...)
	out, err := gotool.Output(ctx, s.Dir, append(env, EnvPlan+"="+s.PlanPath, EnvMode+"="+ModeToolexec), args...)
	if err != nil {
		return nil, fmt.Errorf("building the runtime hooks: %v", err)
	}
	hooks := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p struct {
			ImportPath string
			Export     string
			Error      *struct{ Err string }
		}
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("building the runtime hooks: %v", err)
		}
		if p.Error != nil {
			return nil, fmt.Errorf("building the runtime hooks: %s: %s", p.ImportPath, p.Error.Err)
		}
		if p.Export != "" {
			hooks[p.ImportPath] = p.Export
		}
	}
	s.Hooks = hooks
	return hooks, s.save()
}

// hookSetup returns how the hook packages of b's plan are built: the
// private go.mod (or go.work) that adds the runtime module to the user's,
// the environment of the child build, and the hook packages.
func (s *session) hookSetup(ctx context.Context, b *backend) (rtsrc.Setup, []string, []string, error) {
	var pkgs []string
	for _, m := range b.plan.Mains {
		pkgs = append(pkgs, m.Hooks...)
	}
	slices.Sort(pkgs)
	pkgs = slices.Compact(pkgs)
	env := gocmd.WithoutGoflags(os.Environ(), "mod", "modfile", "toolexec")
	env = slices.DeleteFunc(env, func(kv string) bool {
		return strings.HasPrefix(kv, "TOOLEXEC_IMPORTPATH=") || strings.HasPrefix(kv, EnvHooksKey+"=")
	})
	setup, err := rtsrc.Prepare(ctx, s.Dir, env, s.ModFlag, pkgs, nil)
	return setup, env, pkgs, err
}

// hooksKey identifies the inputs of the hook packages' build that the
// go command cannot see in a woven main's compile, which imports the hooks
// behind its back: where the runtime module is (its directory, in the
// ssaweave cache, is in the hooks' compiled positions and so in their
// export data) and the version of every module of the build (from the
// private go.mod; the user's module path and godebug lines are left out,
// so that programs with the same dependencies share the key). In a
// workspace, the private go.work as a whole. With the plan's WeaveID and
// the build's flags, which the go command keys on already, they determine
// the hooks' archives, and so what such a main was compiled against.
func hooksKey(setup rtsrc.Setup) (string, error) {
	if setup.Work != "" {
		data, err := os.ReadFile(setup.Work)
		if err != nil {
			return "", err
		}
		return cache.Hash([]byte("go.work"), data), nil
	}
	data, err := os.ReadFile(setup.ModFile)
	if err != nil {
		return "", err
	}
	f, err := modfile.Parse(setup.ModFile, data, nil)
	if err != nil {
		return "", err
	}
	var lines []string
	for _, r := range f.Require {
		lines = append(lines, "require "+r.Mod.String())
	}
	for _, r := range f.Replace {
		lines = append(lines, "replace "+r.Old.String()+" => "+r.New.Path+" "+r.New.Version)
	}
	slices.Sort(lines)
	return cache.Hash([]byte(strings.Join(lines, "\n"))), nil
}

// goProcess describes the go command that runs this toolexec process.
type goProcess struct {
	id  string // pid and start time: unique over the machine's uptime
	inv *gocmd.Invocation
	cwd string
	env []string
}

func parseParentArgs(argv []string) (*gocmd.Invocation, error) {
	if len(argv) < 2 {
		return nil, fmt.Errorf("cannot read the go command's arguments")
	}
	inv, err := gocmd.Parse(argv[1:])
	if err != nil {
		return nil, fmt.Errorf("reading the go command's arguments %q: %v", argv, err)
	}
	return inv, nil
}
