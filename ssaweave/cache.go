package ssaweave

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ssaweave/ssaweave/analysis"
	"github.com/ssaweave/ssaweave/internal/cache"
)

// cacheKeyVersion changes whenever what goes into a key, or what a plan
// means for the same key, changes without the Tool string changing (during
// development, Tool may stay "devel").
const cacheKeyVersion = "ssaweave plan key 3"

// listFields are the go list fields the key needs: enough to know every
// package of the build and which of its files it compiles, without
// loading syntax or types.
const listFields = "ImportPath,Name,Dir,DepOnly,GoFiles,CgoFiles,EmbedFiles,Standard,Module,Error"

// listedPackage is the subset of go list -json output in listFields.
type listedPackage struct {
	ImportPath string
	Name       string
	Dir        string
	DepOnly    bool
	GoFiles    []string
	CgoFiles   []string
	EmbedFiles []string
	Standard   bool
	Module     *listedModule
	Error      *struct{ Err string }
}

type listedModule struct {
	Path      string
	Version   string
	Replace   *listedModule
	GoMod     string
	GoVersion string
}

// CacheKey returns the key of the plan Build would make for opts: a hash
// of everything the plan depends on, computed from the go command's view
// of the build (go env, go list -deps) and the contents of the files that
// can change, without loading syntax or types. The toolchain identifies the
// standard library; a module in the module cache is identified by its
// path and version, since its content is immutable; every other package by
// its import path and the contents of the files it compiles.
func CacheKey(ctx context.Context, opts Options) (string, error) {
	dir, err := filepath.Abs(cmp.Or(opts.Dir, "."))
	if err != nil {
		return "", fmt.Errorf("ssaweave: %w", err)
	}
	overlay, _, err := analysis.Overlay(dir, opts.BuildFlags)
	if err != nil {
		return "", err
	}

	// go env and go list are independent: run them side by side, as
	// they are most of the time of a cache hit.
	type envResult struct {
		vals map[string]string
		err  error
	}
	envc := make(chan envResult, 1)
	go func() {
		vals, err := goEnv(ctx, dir, opts.Env, "GOVERSION", "GOROOT", "GOOS", "GOARCH", "CGO_ENABLED", "GOFLAGS", "GOEXPERIMENT", "GOMODCACHE", "GOMOD")
		envc <- envResult{vals, err}
	}()
	listArgs := []string{"list", "-e", "-deps", "-json=" + listFields}
	if opts.Tests {
		// The test variants list their _test.go files among GoFiles.
		listArgs = append(listArgs, "-test")
	}
	listArgs = append(append(listArgs, opts.BuildFlags...), opts.Patterns...)
	out, listErr := goCommand(ctx, dir, opts.Env, listArgs...)
	env := <-envc
	if env.err != nil {
		return "", env.err
	}
	if listErr != nil {
		return "", listErr
	}

	h := sha256.New()
	field := func(name string, vals ...string) {
		// Length-prefixed fields: no value can be mistaken for another
		// field's.
		fmt.Fprintf(h, "%s %d\n", name, len(vals))
		for _, v := range vals {
			fmt.Fprintf(h, "%d %s\n", len(v), v)
		}
	}
	field("version", cacheKeyVersion)
	field("tool", opts.Tool)
	for _, name := range []string{"GOVERSION", "GOROOT", "GOOS", "GOARCH", "CGO_ENABLED", "GOFLAGS", "GOEXPERIMENT"} {
		field(name, env.vals[name])
	}
	field("env", planEnv(opts.Env)...)
	field("flags", opts.BuildFlags...)
	field("dir", dir)
	field("patterns", opts.Patterns...)
	field("tests", fmt.Sprint(opts.Tests))
	settings, err := readSettings(env.vals["GOMOD"], opts.Env)
	if err != nil {
		return "", err
	}
	field("settings", settings.File, string(settings.Data), fmt.Sprint(settings.Paths || opts.Paths))
	field("probe", fmt.Sprint(opts.Probe))
	// The requested call-graph algorithm; what auto chooses depends on
	// the program, which the key covers, and on the threshold.
	choice, err := algorithmChoice(opts, settings)
	if err != nil {
		return "", err
	}
	field("callgraph", choice, fmt.Sprint(AutoVTAFunctions))
	threshold, err := hotChoice(opts, settings)
	if err != nil {
		return "", err
	}
	field("hot", threshold.String(), threshold.raise, fmt.Sprint(DefaultHot))

	modcache := env.vals["GOMODCACHE"]
	seenGoMod := make(map[string]bool)
	var mainDirs []string // of the main packages the patterns match, for -pgo=auto
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return "", fmt.Errorf("ssaweave: parsing go list output: %w", err)
		}
		field("package", p.ImportPath)
		if p.Name == "main" && !p.DepOnly {
			// With -test, the generated test mains and the packages under
			// test are listed too: a superset of what the plan uses.
			mainDirs = append(mainDirs, p.Dir)
		}
		if p.Error != nil {
			field("error", p.Error.Err)
		}
		switch {
		case p.Standard:
			// The toolchain version and GOROOT identify the contents;
			// the file lists still change with build tags.
			field("std", append(append([]string{}, p.GoFiles...), p.CgoFiles...)...)
		case p.Module != nil && immutable(p.Module, p.Dir, modcache):
			m := cmp.Or(p.Module.Replace, p.Module)
			field("module", m.Path+"@"+m.Version)
		default:
			if m := p.Module; m != nil {
				field("module", m.Path, m.GoVersion)
				// The go.mod sets the language version, which changes
				// semantics (loop variables); hash it once per module.
				if m.GoMod != "" && !seenGoMod[m.GoMod] {
					seenGoMod[m.GoMod] = true
					if err := hashFile(h, field, m.GoMod, overlay); err != nil {
						return "", err
					}
				}
			}
			for _, f := range append(append([]string{}, p.GoFiles...), p.CgoFiles...) {
				if !filepath.IsAbs(f) {
					f = filepath.Join(p.Dir, f) // a test main's file is in the build cache
				}
				if err := hashFile(h, field, f, overlay); err != nil {
					return "", err
				}
			}
			// Embedded files do not change types or calls, and may be
			// large: their names are enough.
			field("embed", p.EmbedFiles...)
		}
	}
	// The profiles go build -pgo uses decide which function spans are
	// hot (hot.go): editing one re-plans.
	setting := pgoSetting(opts.BuildFlags, env.vals["GOFLAGS"])
	field("pgo", setting)
	seenPGO := make(map[string]bool)
	for _, d := range mainDirs {
		f, err := pgoFile(setting, dir, d)
		if err != nil {
			return "", err
		}
		if f != "" && !seenPGO[f] {
			seenPGO[f] = true
			if err := hashFile(h, field, f, nil); err != nil {
				return "", err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// immutable reports whether a package of module m in dir cannot change
// without its version changing: it comes from the module cache (a vendored
// or locally replaced copy can be edited).
func immutable(m *listedModule, dir, modcache string) bool {
	v := m
	if m.Replace != nil {
		v = m.Replace
	}
	if v.Version == "" || modcache == "" {
		return false
	}
	_, ok := within(modcache, dir)
	return ok
}

// hashFile adds the name and contents of file to h, reading overlay
// contents first as the go command does.
func hashFile(h hash.Hash, field func(string, ...string), file string, overlay map[string][]byte) error {
	data, ok := overlay[filepath.Clean(file)]
	if !ok {
		var err error
		if data, err = os.ReadFile(file); err != nil {
			return fmt.Errorf("ssaweave: cache key: %w", err)
		}
	}
	sum := sha256.Sum256(data)
	field("file", file, hex.EncodeToString(sum[:]))
	return nil
}

// Cached returns the plan for opts from the cache in cacheDir, or builds
// and stores it. hit reports whether it came from the cache; a hit runs
// only the go command (go env, go list) and reads one file. Plans are
// stored as cacheDir/plans/<key>.json and written atomically, so
// concurrent processes may share a cache directory: at worst they build
// the same plan twice.
func Cached(ctx context.Context, opts Options, cacheDir string) (plan *Plan, hit bool, err error) {
	key, err := CacheKey(ctx, opts)
	if err != nil {
		return nil, false, err
	}
	dir := filepath.Join(cacheDir, "plans")
	file := filepath.Join(dir, key+".json")
	if p, ok := readPlan(file, opts.Tool); ok {
		return p, true, nil
	}
	p, err := Build(ctx, opts)
	if err != nil {
		return nil, false, err
	}
	if err := writePlan(file, p); err != nil {
		return nil, false, err
	}
	return p, false, nil
}

// readPlan reads a stored plan. A missing, unreadable or foreign file is a
// miss, not an error: the plan is rebuilt and the file replaced.
func readPlan(file, tool string) (*Plan, bool) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, false
	}
	var p Plan
	if err := json.Unmarshal(data, &p); err != nil || p.Schema != SchemaVersion || p.Tool != tool {
		return nil, false
	}
	return &p, true
}

// writePlan stores p in file atomically (a temporary file in the same
// directory, then a rename), so that readers never see a partial plan.
// Plans name the user's files, so they are private like the whole cache.
func writePlan(file string, p *Plan) error {
	var b bytes.Buffer
	if err := p.WriteJSON(&b); err != nil {
		return fmt.Errorf("ssaweave: plan cache: %w", err)
	}
	if err := cache.WriteFileAtomic(file, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("ssaweave: plan cache: %w", err)
	}
	return nil
}

// planEnv returns the settings of env that can change a plan: those of the
// go command and cgo (GO*, CGO_*, the C toolchain), and ssaweave's own.
// The rest of the environment (OLDPWD, which every cd changes, the
// terminal, the shell) cannot, and keying on it made most warm builds
// re-plan (3-9 s) instead of hitting the cache.
func planEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "GO"), strings.HasPrefix(k, "CGO_"), strings.HasPrefix(k, "SSAWEAVE_"),
			k == "CC", k == "CXX", k == "AR", k == "FC", k == "PKG_CONFIG":
			out = append(out, kv)
		}
	}
	return out
}
