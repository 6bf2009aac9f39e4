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
	"slices"
	"strings"

	"github.com/ssaweave/ssaweave/analysis"
	"github.com/ssaweave/ssaweave/internal/cache"
	"github.com/ssaweave/ssaweave/internal/gotool"
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

// keyInputs is what both keys of a plan (CacheKey and the stamps' pre-key)
// are computed from, short of listing the packages: the options, the go
// command's environment and the configuration.
type keyInputs struct {
	opts      Options
	dir       string
	overlay   map[string][]byte
	env       map[string]string // gotool.EnvVars
	settings  *analysis.Settings
	choice    string
	threshold hotThreshold
	pgo       string // the -pgo setting
}

func newKeyInputs(ctx context.Context, opts Options) (*keyInputs, error) {
	in, err := moduleInputs(ctx, opts)
	if err != nil {
		return nil, err
	}
	if in.overlay, _, err = analysis.Overlay(in.dir, opts.BuildFlags); err != nil {
		return nil, err
	}
	if in.settings, err = readSettings(in.env["GOMOD"], opts.Env); err != nil {
		return nil, err
	}
	// The requested call-graph algorithm; what auto chooses depends on
	// the program, which the key covers, and on the threshold.
	if in.choice, err = algorithmChoice(opts, in.settings); err != nil {
		return nil, err
	}
	if in.threshold, err = hotChoice(opts, in.settings); err != nil {
		return nil, err
	}
	in.pgo = pgoSetting(opts.BuildFlags, in.env["GOFLAGS"])
	return in, nil
}

// moduleInputs returns the part of keyInputs that locates the modules
// (localModules): the options, the absolute directory and the go env.
func moduleInputs(ctx context.Context, opts Options) (*keyInputs, error) {
	dir, err := filepath.Abs(cmp.Or(opts.Dir, "."))
	if err != nil {
		return nil, fmt.Errorf("ssaweave: %w", err)
	}
	// The environment goCommand gives the go command. Under the wrapper
	// (gotool.WithEnvMemo), the go env of the module lookup is reused.
	env, err := gotool.Env(ctx, dir, append(os.Environ(), opts.Env...))
	if err != nil {
		return nil, fmt.Errorf("ssaweave: %w", err)
	}
	return &keyInputs{opts: opts, dir: dir, env: env}, nil
}

// fieldWriter returns a function that adds a field to h. Fields are
// length-prefixed: no value can be mistaken for another field's.
func fieldWriter(h hash.Hash) func(name string, vals ...string) {
	return func(name string, vals ...string) {
		fmt.Fprintf(h, "%s %d\n", name, len(vals))
		for _, v := range vals {
			fmt.Fprintf(h, "%d %s\n", len(v), v)
		}
	}
}

// header adds the fields that do not come from listing the packages.
func (in *keyInputs) header(field func(string, ...string)) {
	opts := in.opts
	field("version", cacheKeyVersion)
	field("tool", opts.Tool)
	for _, name := range []string{"GOVERSION", "GOROOT", "GOOS", "GOARCH", "CGO_ENABLED", "GOFLAGS", "GOEXPERIMENT"} {
		field(name, in.env[name])
	}
	field("env", planEnv(opts.Env)...)
	field("flags", opts.BuildFlags...)
	field("dir", in.dir)
	field("patterns", opts.Patterns...)
	field("tests", fmt.Sprint(opts.Tests))
	field("settings", in.settings.File, string(in.settings.Data), fmt.Sprint(in.settings.Paths || opts.Paths))
	field("probe", fmt.Sprint(opts.Probe))
	field("callgraph", in.choice, fmt.Sprint(AutoVTAFunctions))
	field("hot", in.threshold.String(), in.threshold.raise, fmt.Sprint(DefaultHot))
}

// CacheKey returns the key of the plan Build would make for opts: a hash
// of everything the plan depends on, computed from the go command's view
// of the build (go env, go list -deps) and the contents of the files that
// can change, without loading syntax or types. The toolchain identifies the
// standard library; a module in the module cache is identified by its
// path and version, since its content is immutable; every other package by
// its import path and the contents of the files it compiles.
func CacheKey(ctx context.Context, opts Options) (string, error) {
	in, err := newKeyInputs(ctx, opts)
	if err != nil {
		return "", err
	}
	key, _, err := in.key(ctx)
	return key, err
}

// listInfo is what computing a key learnt about the packages, for the
// stamps (cache_stamps.go): which of them can change.
type listInfo struct {
	errors bool              // some package has an error
	dirs   []string          // directories of the packages outside GOROOT and the module cache
	embeds []string          // embedded files of those packages
	goMods []string          // go.mod files of their modules
	hashes map[string]string // file → content hash, as hashed into the key
	pgo    []string          // profiles hashed into the key
}

// key lists the packages and computes CacheKey.
func (in *keyInputs) key(ctx context.Context) (string, *listInfo, error) {
	opts := in.opts
	listArgs := []string{"list", "-e", "-deps", "-json=" + listFields}
	if opts.Tests {
		// The test variants list their _test.go files among GoFiles.
		listArgs = append(listArgs, "-test")
	}
	listArgs = append(append(listArgs, opts.BuildFlags...), opts.Patterns...)
	out, err := goCommand(ctx, in.dir, opts.Env, listArgs...)
	if err != nil {
		return "", nil, err
	}

	h := sha256.New()
	field := fieldWriter(h)
	in.header(field)
	modcache := in.env["GOMODCACHE"]
	info := &listInfo{hashes: map[string]string{}}
	hash := func(file string, overlay map[string][]byte) error {
		sum, err := hashFile(field, file, overlay)
		info.hashes[filepath.Clean(file)] = sum
		return err
	}
	seenGoMod := make(map[string]bool)
	var mainDirs []string // of the main packages the patterns match, for -pgo=auto
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return "", nil, fmt.Errorf("ssaweave: parsing go list output: %w", err)
		}
		field("package", p.ImportPath)
		if p.Name == "main" && !p.DepOnly {
			// With -test, the generated test mains and the packages under
			// test are listed too: a superset of what the plan uses.
			mainDirs = append(mainDirs, p.Dir)
		}
		if p.Error != nil {
			field("error", p.Error.Err)
			info.errors = true
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
			info.dirs = append(info.dirs, p.Dir)
			if m := p.Module; m != nil {
				field("module", m.Path, m.GoVersion)
				// The go.mod sets the language version, which changes
				// semantics (loop variables); hash it once per module.
				if m.GoMod != "" && !seenGoMod[m.GoMod] {
					seenGoMod[m.GoMod] = true
					info.goMods = append(info.goMods, m.GoMod)
					if err := hash(m.GoMod, in.overlay); err != nil {
						return "", nil, err
					}
				}
			}
			for _, f := range append(append([]string{}, p.GoFiles...), p.CgoFiles...) {
				if !filepath.IsAbs(f) {
					f = filepath.Join(p.Dir, f) // a test main's file is in the build cache
				}
				if err := hash(f, in.overlay); err != nil {
					return "", nil, err
				}
			}
			// Embedded files do not change types or calls, and may be
			// large: their names are enough.
			field("embed", p.EmbedFiles...)
			for _, f := range p.EmbedFiles {
				info.embeds = append(info.embeds, filepath.Join(p.Dir, f))
			}
		}
	}
	// The profiles go build -pgo uses decide which function spans are
	// hot (hot.go): editing one re-plans.
	field("pgo", in.pgo)
	seenPGO := make(map[string]bool)
	for _, d := range mainDirs {
		f, err := pgoFile(in.pgo, in.dir, d)
		if err != nil {
			return "", nil, err
		}
		if f != "" && !seenPGO[f] {
			seenPGO[f] = true
			info.pgo = append(info.pgo, f)
			if err := hash(f, nil); err != nil {
				return "", nil, err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), info, nil
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

// hashFile adds the name and contents of file to the key, reading overlay
// contents first as the go command does, and returns the content hash.
func hashFile(field func(string, ...string), file string, overlay map[string][]byte) (string, error) {
	data, ok := overlay[filepath.Clean(file)]
	if !ok {
		var err error
		if data, err = os.ReadFile(file); err != nil {
			return "", fmt.Errorf("ssaweave: cache key: %w", err)
		}
	}
	sum := sha256.Sum256(data)
	s := hex.EncodeToString(sum[:])
	field("file", file, s)
	return s, nil
}

// Cached returns the plan for opts from the cache in cacheDir, or builds
// and stores it. hit reports whether it came from the cache. Plans are
// stored as cacheDir/plans/<key>.json and written atomically, so
// concurrent processes may share a cache directory: at worst they build
// the same plan twice.
//
// Finding the key takes go list (CacheKey), which was most of a no-op
// build's overhead; so the key is remembered with stamps of the files it
// was computed from (cache_stamps.go): while none of them changed, a hit
// runs only go env and reads two files.
func Cached(ctx context.Context, opts Options, cacheDir string) (plan *Plan, hit bool, err error) {
	in, err := newKeyInputs(ctx, opts)
	if err != nil {
		return nil, false, err
	}
	dir := filepath.Join(cacheDir, "plans")
	stamps := in.stampsFile(cacheDir)
	if key, ok := checkStamps(stamps); ok {
		if p, ok := readPlan(filepath.Join(dir, key+".json"), opts.Tool); ok {
			return p, true, nil
		}
	}

	key, record, err := in.listedKey(ctx)
	if err != nil {
		return nil, false, err
	}
	file := filepath.Join(dir, key+".json")
	p, hit := readPlan(file, opts.Tool)
	if !hit {
		// A plan server, while this configuration is being edited
		// (server.go); else the whole program, in-process.
		var served bool
		p, served, err = serverPlan(ctx, opts, in, cacheDir)
		if !served {
			p, err = Build(ctx, opts)
			if err == nil {
				markPlanned(opts, in, cacheDir)
			}
		}
		if err != nil {
			return nil, false, err
		}
		if err := writePlan(file, p); err != nil {
			return nil, false, err
		}
	}
	// Only now that the plan is stored: a key remembered for a plan that
	// failed would be no use.
	record(stamps)
	return p, hit, nil
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
// re-plan (3-9 s) instead of hitting the cache. Which process makes the
// plan (EnvPlanServer, EnvPlanServerIdle) does not change it either.
func planEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == EnvPlanServer || k == EnvPlanServerIdle:
		case strings.HasPrefix(k, "GO"), strings.HasPrefix(k, "CGO_"), strings.HasPrefix(k, "SSAWEAVE_"),
			k == "CC", k == "CXX", k == "AR", k == "FC", k == "PKG_CONFIG":
			out = append(out, kv)
		}
	}
	return out
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
