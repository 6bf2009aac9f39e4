// Package rtsrc carries the source of the ssaweave runtime module
// (github.com/ssaweave/ssaweave/rt, the hooks that instrumented programs
// link) inside the ssaweave binary, and extracts it into the cache.
//
// The runtime is a separate module so that woven programs depend only on
// OpenTelemetry, never on the tool's own dependencies. go:embed cannot reach
// into another module, so the module's files are kept here as a txtar
// archive, regenerated with `go generate` (TestArchiveUpToDate fails when it
// is stale).
package rtsrc

//go:generate go test -run TestArchiveUpToDate -update

import (
	"context"
	_ "embed"
	"fmt"
	"github.com/ssaweave/ssaweave/backend/gomod"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ssaweave/ssaweave/internal/cache"
	"golang.org/x/tools/txtar"
)

// ModulePath is the module path of the runtime module.
const ModulePath = "github.com/ssaweave/ssaweave/rt"

// PseudoVersion is the version under which the runtime module is required;
// a replace directive points it at the extracted directory.
const PseudoVersion = "v0.0.0-00010101000000-000000000000"

//go:embed rt.txtar
var archive []byte

// Hash identifies the embedded runtime source.
func Hash() string { return cache.Hash(archive) }

// GoSum returns the runtime module's go.sum.
func GoSum() []byte {
	for _, f := range txtar.Parse(archive).Files {
		if f.Name == "go.sum" {
			return f.Data
		}
	}
	return nil
}

// Extract writes the runtime module into the cache (once per content hash)
// and returns its directory. The directory name depends only on the content,
// so builds that embed its path (file names in debug information) stay
// reproducible.
func Extract() (string, error) {
	root, err := cache.Sub("rt")
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, Hash())
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
		return dir, nil
	}
	tmp, err := os.MkdirTemp(root, ".tmp-")
	if err != nil {
		return "", fmt.Errorf("ssaweave: %v", err)
	}
	defer os.RemoveAll(tmp)
	for _, f := range txtar.Parse(archive).Files {
		if strings.Contains(f.Name, "..") || filepath.IsAbs(f.Name) {
			return "", fmt.Errorf("ssaweave: bad file name %q in embedded runtime", f.Name)
		}
		p := filepath.Join(tmp, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return "", fmt.Errorf("ssaweave: %v", err)
		}
		if err := os.WriteFile(p, f.Data, 0o600); err != nil {
			return "", fmt.Errorf("ssaweave: %v", err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another process won the race: its copy has the same content.
		if _, statErr := os.Stat(filepath.Join(dir, "go.mod")); statErr == nil {
			return dir, nil
		}
		return "", fmt.Errorf("ssaweave: %v", err)
	}
	return dir, nil
}

// Files returns the names of the files in the embedded module, for tests.
func Files() []string {
	var names []string
	for _, f := range txtar.Parse(archive).Files {
		names = append(names, f.Name)
	}
	return names
}

// Setup is how a woven build adds the runtime module to the user's
// module graph.
type Setup struct {
	// ModFile is a private go.mod (for the go command's -modfile): the
	// user's plus this runtime module, completed for building the hook
	// packages. "" in a go.work workspace, where -modfile is refused.
	ModFile string
	// Work is a private go.work (for GOWORK) in a workspace: the user's
	// plus a `use` of the runtime module. "" outside a workspace.
	Work string
	// Lang is "modulepath=goversion" when the private go.mod had to raise
	// the user's go directive (the runtime's requirements need a newer
	// one), and "" otherwise; see toolexec.EnvLang. A workspace keeps
	// every module's own go.mod, and so its language version.
	Lang string
	// Vendor reports that the user's module or workspace has a vendor
	// directory, which lacks the runtime module (see backend).
	Vendor bool
}

// Flags returns the go command flags that select the runtime's module
// graph.
func (s Setup) Flags() []string {
	if s.ModFile == "" {
		return nil
	}
	return []string{"-modfile=" + s.ModFile}
}

// Env returns the environment settings that select the runtime's module
// graph.
func (s Setup) Env() []string {
	if s.Work == "" {
		return nil
	}
	return []string{"GOWORK=" + s.Work}
}

// Prepare makes the private go.mod (or, in a workspace, go.work) for the
// user's module found from dir, completed for building pkgs, and for each
// hook package of ifLinked (target import path → hook package) whose target
// is in a module of the user's module graph. modfileFlag is the user's own
// -modfile, if any.
//
// Why ifLinked: a hook package of a library (rt/grpc) imports that
// library's contrib instrumentation (otelgrpc), whose module the user's
// go.mod does not list; when the woven main package imports the hook, the
// go command wants it listed ("updates to go.mod needed"), so the private
// go.mod must be completed for it. Completing for every hook would download
// gin for a program that has no gin; the user's go.sum names every module
// of the graph, so it tells, without running the go command, which hooks
// the program may need.
func Prepare(ctx context.Context, dir string, env []string, modfileFlag string, pkgs []string, ifLinked map[string]string) (Setup, error) {
	rtDir, err := Extract()
	if err != nil {
		return Setup{}, err
	}
	mod, err := gomod.Find(ctx, dir, env, modfileFlag)
	if err != nil {
		return Setup{}, err
	}
	if len(ifLinked) > 0 && mod.GoMod != "" {
		pkgs = slices.Clone(pkgs)
		inGraph := gomod.SumModules(strings.TrimSuffix(mod.GoMod, ".mod") + ".sum")
		for target, hook := range ifLinked {
			if inGraph(target) && !slices.Contains(pkgs, hook) {
				pkgs = append(pkgs, hook)
			}
		}
		slices.Sort(pkgs)
	}
	req := gomod.Require{Path: ModulePath, Version: PseudoVersion, Dir: rtDir, GoSum: GoSum()}
	if mod.Work != "" {
		work, err := gomod.MergeWork(ctx, mod, env, req, pkgs)
		return Setup{Work: work, Vendor: mod.Vendor}, err
	}
	path, err := gomod.Merge(ctx, mod, env, req, pkgs)
	if err != nil {
		return Setup{}, err
	}
	s := Setup{ModFile: path, Vendor: mod.Vendor}
	modPath, userGo, err := gomod.LangVersion(mod)
	if err != nil {
		return Setup{}, err
	}
	_, genGo, err := gomod.LangVersion(gomod.Module{GoMod: path})
	if err != nil {
		return Setup{}, err
	}
	if userGo != "" && genGo != "" && userGo != genGo {
		s.Lang = modPath + "=" + userGo
	}
	return s, nil
}
