// Package toolexec is the build backend: the program the go command runs in
// front of every tool (`go build -toolexec "ssaweave toolexec"`).
//
// Every invocation except a few passes through to the tool unchanged. The
// exceptions, all driven by a weave plan (package ssaweave):
//
//   - compile of a package the plan edits: the edited files are rewritten
//     (package backend/rewrite) into the cache and the compiler gets those
//     instead, with -trimpath mappings and //line directives back to the
//     original files;
//   - compile of a woven main package, when the wrapper did not already add
//     its runtime file through -overlay: the generated file is added and the
//     hook packages enter the importcfg;
//   - link of a woven main package, same case: the hook packages and their
//     dependencies enter the link importcfg;
//   - `compile -V=full` and `link -V=full` in toolexec-only mode: the
//     answer gains the plan's WeaveID, so woven objects never share build
//     cache entries with plain ones (see DESIGN.md, "Build cache").
package toolexec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/ssaweave/ssaweave/backend/inject"
	"github.com/ssaweave/ssaweave/backend/rewrite"
	"github.com/ssaweave/ssaweave/internal/cache"
	"github.com/ssaweave/ssaweave/ssaweave"
)

// Environment variables shared by the wrapper, the backend and child builds.
const (
	// EnvPlan is the path of the plan JSON for this build.
	EnvPlan = "SSAWEAVE_PLAN"
	// EnvMode says who added the runtime module to the build: "wrapper"
	// (the go command compiles the hooks itself, through -modfile and
	// -overlay) or "toolexec" (this backend adds them to importcfgs).
	EnvMode = "SSAWEAVE_MODE"
	// EnvDisable set to 1 makes ssaweave build plainly: every tool runs
	// unchanged and the wrapper runs the go command as given.
	EnvDisable = "SSAWEAVE_DISABLE"
	// EnvLang is "modulepath=goversion": compile the packages of that
	// (main) module with -lang=goversion. The wrapper sets it when the
	// private go.mod had to raise the go directive for the runtime's
	// requirements, so the user's code keeps its language version.
	EnvLang = "SSAWEAVE_LANG"
	// EnvHooksKey is the hooksKey of a toolexec-only build, which its
	// child build of the hook packages appends to -V=full as the parent
	// does (see backend.version).
	EnvHooksKey = "SSAWEAVE_HOOKS_KEY"
	// EnvOverlay is the path of the -overlay file the wrapper gives the go
	// command. The go command hands the cover tool the paths of overlaid
	// files, not their replacements, and the cover tool reads the disk:
	// the backend passes it the replacements.
	EnvOverlay = "SSAWEAVE_OVERLAY"
)

// Modes.
const (
	ModeWrapper  = "wrapper"
	ModeToolexec = "toolexec"
)

// Main runs one tool invocation: args[0] is the tool's path, the rest its
// arguments. It returns the process exit code.
func Main(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "ssaweave toolexec: no tool to run (this command is meant for go build -toolexec=\"ssaweave toolexec\")")
		return 2
	}
	if os.Getenv(EnvDisable) == "1" {
		return passThrough(args)
	}
	tool := strings.TrimSuffix(filepath.Base(args[0]), ".exe")
	switch tool {
	case "compile", "link", "cover", "vet":
	default:
		return passThrough(args)
	}
	if len(args) == 2 && args[1] == "-V=full" && os.Getenv(EnvMode) == ModeWrapper {
		// The wrapper keys packages by overlay files, not by the tools'
		// versions (see version): no plan to read.
		return passThrough(args)
	}
	b, err := load(tool, args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ssaweave: %v\n", strings.TrimPrefix(err.Error(), "ssaweave: "))
		return 1
	}
	if b == nil {
		if tool == "compile" {
			args = stripKeyFlag(args)
		}
		return run(args)
	}
	if len(args) == 2 && args[1] == "-V=full" && (tool == "compile" || tool == "link") {
		return b.version(args)
	}
	var newArgs []string
	switch tool {
	case "vet":
		newArgs, err = vet(args)
		if err == nil && newArgs == nil {
			// Nothing of the user's to check (see vet).
			return 0
		}
	case "cover":
		newArgs, err = cover(args)
	case "compile":
		newArgs, err = b.compile(args)
	case "link":
		newArgs, err = b.link(args)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ssaweave: %v\n", strings.TrimPrefix(err.Error(), "ssaweave: "))
		return 1
	}
	return run(newArgs)
}

// backend is one invocation's view of the build.
type backend struct {
	tool     string
	mode     string
	planPath string
	plan     *ssaweave.Plan
	session  *session // toolexec-only mode: the state shared with sibling processes
}

// load finds the plan for this build, or returns nil when there is none to
// apply (nothing woven).
func load(tool string, args []string) (*backend, error) {
	b := &backend{tool: tool, mode: os.Getenv(EnvMode), planPath: os.Getenv(EnvPlan)}
	if b.planPath == "" {
		// Plain `go build -toolexec="ssaweave toolexec"`: find (or make)
		// the plan from the go command that runs us.
		s, err := discover(context.Background())
		if err != nil {
			return nil, err
		}
		if s.Failed != "" {
			if tool == "link" {
				return nil, fmt.Errorf("%s\nssaweave: the go command compiled this program, but ssaweave cannot analyse it (please report this); build plainly with SSAWEAVE_DISABLE=1 meanwhile", strings.TrimPrefix(s.Failed, "ssaweave: "))
			}
			// Let the compiler report what is wrong.
			return nil, nil
		}
		b.session = s
		b.planPath = s.PlanPath
		b.mode = ModeToolexec
	}
	plan, err := readPlan(b.planPath)
	if err != nil {
		return nil, err
	}
	if !plan.Woven() {
		return nil, nil
	}
	b.plan = plan
	return b, nil
}

func readPlan(path string) (*ssaweave.Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading plan: %v", err)
	}
	var p ssaweave.Plan
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("plan %s: %v", path, err)
	}
	if p.Schema != ssaweave.SchemaVersion {
		return nil, fmt.Errorf("plan %s has schema %d, this ssaweave reads %d", path, p.Schema, ssaweave.SchemaVersion)
	}
	return &p, nil
}

// version answers `tool -V=full`. In toolexec-only mode the answer carries
// the plan's WeaveID: the go command keys every cached compile and link on
// it, and nothing else distinguishes a woven build there. In wrapper mode
// the answer is the tool's own, and per-package key files (added with
// -overlay) separate woven packages from plain ones, so everything the plan
// leaves alone is shared with plain builds.
//
// In toolexec-only mode the answer carries the hooksKey too: the compile
// of a woven main imports the hook packages, which the go command does not
// know of, so their archives are in no action ID of its own. Without the
// key, a cached main compiled against the hooks of another build (the
// runtime module in another SSAWEAVE_CACHE, or other module versions) was
// linked with this build's hooks, and the link failed ("fingerprint
// mismatch"). The child build of the hooks has no session: it takes the
// key from its parent (EnvHooksKey).
func (b *backend) version(args []string) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return exitCode(err)
	}
	if b.mode == ModeToolexec {
		key := os.Getenv(EnvHooksKey)
		if b.session != nil {
			setup, _, _, err := b.session.hookSetup(context.Background(), b)
			if err == nil {
				key, err = hooksKey(setup)
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "ssaweave: %v\n", strings.TrimPrefix(err.Error(), "ssaweave: "))
				return 1
			}
		}
		line := strings.TrimRight(string(out), "\n")
		out = []byte(line + " ssaweave=" + b.plan.WeaveID() + "/" + key + "\n")
	}
	os.Stdout.Write(out)
	return 0
}

// importPath returns the import path of the package being built, from the
// go command's TOOLEXEC_IMPORTPATH (without a test variant suffix such as
// " [p.test]"), or from compile's -p flag.
func importPath(args []string) string {
	ip := os.Getenv("TOOLEXEC_IMPORTPATH")
	if i := strings.Index(ip, " ["); i >= 0 {
		ip = ip[:i]
	}
	if ip == "" {
		ip, _ = flagValue(args, "-p")
	}
	return ip
}

// flagValue returns the value of the named flag and the index of the
// argument that holds it (the flag itself in the -name=value form), or -1.
func flagValue(args []string, name string) (string, int) {
	for i := 1; i < len(args); i++ {
		if args[i] == name && i+1 < len(args) {
			return args[i+1], i + 1
		}
		if v, ok := strings.CutPrefix(args[i], name+"="); ok {
			return v, i
		}
	}
	return "", -1
}

// KeyFlag is the pseudo compiler flag that carries a rewritten package's
// cache key on the command line of packages the wrapper's overlay cannot
// reach (module-cache packages get it through -gcflags). The go command
// hashes it into the package's action ID; compile removes it before the
// compiler sees it.
const KeyFlag = "-ssaweavekey="

// stripKeyFlag removes KeyFlag arguments from a compiler command line.
func stripKeyFlag(args []string) []string {
	isKey := func(a string) bool { return strings.HasPrefix(a, KeyFlag) }
	if !slices.ContainsFunc(args, isKey) {
		return args
	}
	return slices.DeleteFunc(slices.Clone(args), isKey)
}

// compile rewrites the compile command line for the current package, or
// returns it unchanged.
func (b *backend) compile(args []string) ([]string, error) {
	args = stripKeyFlag(args)
	ip := importPath(args)
	pe := b.plan.Edits(ip)
	pkgName, _ := flagValue(args, "-p")
	var m *ssaweave.Main
	if pkgName == "main" {
		m = b.plan.Main(ip)
		if m != nil && len(m.Hooks) == 0 {
			m = nil
		}
	}
	args = restoreLang(args, ip)
	if pe == nil && m == nil {
		return args, nil
	}
	args = slices.Clone(args)
	first := len(args)
	for first > 1 && strings.HasSuffix(args[first-1], ".go") {
		first--
	}
	cwd, _ := os.Getwd()
	trim, trimIdx := flagValue(args, "-trimpath")
	mappings := parseTrimpath(trim)
	workDir, err := cache.Sub("src")
	if err != nil {
		return nil, err
	}
	var added []string // new trimpath mappings: rewritten=>original
	if pe != nil {
		files := args[first:]
		hasTests := slices.ContainsFunc(files, func(f string) bool { return strings.HasSuffix(f, "_test.go") })
		for _, fe := range pe.Files {
			j := -1
			for k := first; k < len(args); k++ {
				if originalPath(args[k], cwd, mappings) == fe.File {
					j = k
					break
				}
			}
			if j < 0 && strings.HasSuffix(fe.File, "_test.go") && !hasTests {
				// The plain variant of a package under test (go test
				// compiles both): its _test.go files are not in it.
				continue
			}
			if k := covered(args, fe.File); j < 0 && k >= 0 {
				// go build -cover: the compiler gets the cover tool's
				// instrumented copy, which keeps the original's lines
				// (a line directive names it). Rewriting the copy, not
				// the original before the cover tool, keeps the hooks
				// out of the coverage counts.
				src := absPath(args[k], cwd)
				if err := checkCovered(src, fe.File); err != nil {
					return nil, err
				}
				path, err := rewriteFile(fe, src, workDir)
				if err != nil {
					return nil, err
				}
				args[k] = path
				added = append(added, path+"=>"+fe.File)
				continue
			}
			if j < 0 {
				return nil, fmt.Errorf("%s:%d: rule %s: the plan edits this file of package %s, but the compiler was not given it (was the plan made for other build tags or GOOS/GOARCH? rerun `ssaweave plan` with the same flags)", fe.File, fe.Edits[0].Line, fe.Edits[0].Rule, ip)
			}
			path, err := rewriteFile(fe, absPath(args[j], cwd), workDir)
			if err != nil {
				return nil, err
			}
			args[j] = path
			added = append(added, path+"=>"+fe.File)
		}
	}
	if m != nil && b.mode == ModeToolexec {
		// Add the runtime file and the hook packages the wrapper would have
		// added through -overlay and -modfile.
		hooks, err := b.session.hookExports(b)
		if err != nil {
			return nil, err
		}
		path, err := cache.WriteContent(workDir, inject.MainFileName, inject.MainFile(m, b.plan.PackageKey(ip)))
		if err != nil {
			return nil, err
		}
		args = append(args, path)
		added = append(added, path+"=>"+filepath.Join(cwd, inject.MainFileName))
		cfgPath, i := flagValue(args, "-importcfg")
		if i < 0 {
			return nil, fmt.Errorf("compile of %s has no -importcfg", ip)
		}
		newCfg, err := extendImportcfg(cfgPath, hooks, m.Hooks)
		if err != nil {
			return nil, err
		}
		setFlagValue(args, i, "-importcfg", newCfg)
	}
	if len(added) > 0 {
		// Map the rewritten files back to the originals, so that the object
		// records the user's paths even where a //line directive does not
		// reach, and the build stays reproducible.
		all := strings.Join(added, ";")
		if trimIdx >= 0 {
			if trim != "" {
				all += ";" + trim
			}
			setFlagValue(args, trimIdx, "-trimpath", all)
		} else {
			args = slices.Insert(args, 1, "-trimpath", all)
		}
	}
	return args, nil
}

// rewriteFile applies the edits of one file, whose source is at src (the
// file itself, or the user's -overlay replacement), and stores the result
// in the cache (dir), under a name that depends only on its content. It
// returns the path of the rewritten file.
func rewriteFile(fe ssaweave.FileEdits, src, dir string) (string, error) {
	data, err := os.ReadFile(src)
	if err != nil {
		return "", err
	}
	out, err := rewrite.File(fe.File, data, fe.Edits)
	if err != nil {
		return "", err
	}
	return cache.WriteContent(dir, filepath.Base(fe.File), out)
}

// cover passes the cover tool (go build -cover, go test -cover) the
// -overlay replacements of the files it instruments: the go command names
// the overlaid paths, and the cover tool reads them from disk, where the
// files the wrapper adds do not exist. The rewrites themselves apply to
// the cover tool's output, at compile (see covered).
func cover(args []string) ([]string, error) {
	replace, err := readOverlay(os.Getenv(EnvOverlay))
	if err != nil || len(replace) == 0 {
		return args, err
	}
	args = slices.Clone(args)
	cwd, _ := os.Getwd()
	for k := len(args) - 1; k > 0 && strings.HasSuffix(args[k], ".go"); k-- {
		if r, ok := replace[absPath(args[k], cwd)]; ok {
			args[k] = r
		}
	}
	return args, nil
}

// vet removes, from the configuration of the vet run that go test makes,
// the files the wrapper adds through -overlay (the runtime and key files):
// vet checks the user's files as written, in which the hook variables that
// the runtime file binds are not declared (compile rewrites files, vet
// does not), and the added files declare nothing the user's code refers
// to.
//
// It returns nil arguments when no file is left: the runtime file makes
// an external test package (pkg_test) of its own when the package has
// none, which plain go would not vet at all, and vet fails on a package
// without files ("package has no files"). The vet run is then skipped; the
// go command does without its facts output (nothing imports a test
// package).
func vet(args []string) ([]string, error) {
	cfgPath := args[len(args)-1]
	if !strings.HasSuffix(cfgPath, ".cfg") {
		return args, nil
	}
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		return nil, err
	}
	var cfg map[string]any
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("vet configuration %s: %v", cfgPath, err)
	}
	files, _ := cfg["GoFiles"].([]any)
	dir, err := cache.Dir()
	if err != nil {
		return nil, err
	}
	kept := slices.DeleteFunc(slices.Clone(files), func(f any) bool {
		name, _ := f.(string)
		return inject.Added(name) && strings.HasPrefix(name, dir+string(filepath.Separator))
	})
	if len(kept) == len(files) {
		return args, nil
	}
	if len(kept) == 0 {
		return nil, nil
	}
	cfg["GoFiles"] = kept
	out, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	newCfg := strings.TrimSuffix(cfgPath, ".cfg") + ".ssaweave.cfg"
	if err := os.WriteFile(newCfg, out, 0o600); err != nil {
		return nil, err
	}
	args = slices.Clone(args)
	args[len(args)-1] = newCfg
	return args, nil
}

// readOverlay returns the Replace map of the -overlay file at path, or
// nil for "".
func readOverlay(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ov struct{ Replace map[string]string }
	if err := json.Unmarshal(data, &ov); err != nil {
		return nil, fmt.Errorf("overlay %s: %v", path, err)
	}
	return ov.Replace, nil
}

// covered returns the index of the compile argument that is the cover
// tool's output for the original file, or -1. The go command names that
// output after the original: <objdir>/<name>.cover.go.
func covered(args []string, file string) int {
	if _, i := flagValue(args, "-coveragecfg"); i < 0 {
		return -1
	}
	want := strings.TrimSuffix(filepath.Base(file), ".go") + ".cover.go"
	for k := len(args) - 1; k > 0 && strings.HasSuffix(args[k], ".go"); k-- {
		if filepath.Base(args[k]) == want {
			return k
		}
	}
	return -1
}

// checkCovered verifies that the cover output at path was made from file:
// the cover tool starts its output with a line directive naming its input
// (the file, or its -overlay replacement, which has the same base name).
func checkCovered(path, file string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	first, _, _ := bytes.Cut(readHead(f), []byte("\n"))
	name, ok := bytes.CutPrefix(first, []byte("//line "))
	if i := bytes.LastIndexByte(name, ':'); ok && i >= 0 {
		if j := bytes.LastIndexByte(name[:i], ':'); j >= 0 {
			name = name[:j]
		} else {
			name = name[:i]
		}
	}
	if !ok || filepath.Base(string(name)) != filepath.Base(file) {
		return fmt.Errorf("%s: the compiler was given %s in place of this file, which is not the cover tool's output for it; cannot apply the plan's edits", file, path)
	}
	return nil
}

// readHead returns the first bytes of r, enough for a line directive.
func readHead(r io.Reader) []byte {
	buf := make([]byte, 4096)
	n, _ := io.ReadFull(r, buf)
	return buf[:n]
}

// setFlagValue sets the value at index i, as returned by flagValue.
func setFlagValue(args []string, i int, name, value string) {
	if strings.HasPrefix(args[i], name+"=") {
		args[i] = name + "=" + value
	} else {
		args[i] = value
	}
}

// restoreLang applies EnvLang to the compile of a package of the main
// module.
func restoreLang(args []string, ip string) []string {
	mod, lang, ok := strings.Cut(os.Getenv(EnvLang), "=")
	if !ok || !(ip == mod || ip == mod+"_test" || strings.HasPrefix(ip, mod+"/") || ip == "command-line-arguments") {
		return args
	}
	for i, a := range args {
		if strings.HasPrefix(a, "-lang=") {
			args = slices.Clone(args)
			args[i] = "-lang=go" + strings.TrimPrefix(lang, "go")
			break
		}
	}
	return args
}

// link extends the link importcfg with the hook packages in toolexec-only
// mode; in wrapper mode the go command already links them.
func (b *backend) link(args []string) ([]string, error) {
	if b.mode != ModeToolexec {
		return args, nil
	}
	ip := importPath(args)
	m := b.plan.Main(ip)
	if m == nil || len(m.Hooks) == 0 {
		return args, nil
	}
	hooks, err := b.session.hookExports(b)
	if err != nil {
		return nil, err
	}
	args = slices.Clone(args)
	cfgPath, i := flagValue(args, "-importcfg")
	if i < 0 {
		return nil, fmt.Errorf("link of %s has no -importcfg", ip)
	}
	var all []string
	for p := range hooks {
		all = append(all, p)
	}
	slices.Sort(all)
	newCfg, err := extendImportcfg(cfgPath, hooks, all)
	if err != nil {
		return nil, err
	}
	setFlagValue(args, i, "-importcfg", newCfg)
	return args, nil
}

// extendImportcfg writes a copy of the importcfg at path with a packagefile
// line for each of pkgs that it lacks, taken from exports. A package the
// file already has must be the very same build (same build ID) as the one
// the hooks were compiled against, or the link would fail later with a
// fingerprint mismatch: that is a version skew, reported here clearly.
func extendImportcfg(path string, exports map[string]string, pkgs []string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	have := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "packagefile "); ok {
			if p, file, ok := strings.Cut(rest, "="); ok {
				have[p] = file
			}
		}
	}
	var b bytes.Buffer
	b.Write(data)
	if len(data) > 0 && data[len(data)-1] != '\n' {
		b.WriteByte('\n')
	}
	for _, p := range pkgs {
		exp, ok := exports[p]
		if !ok {
			return "", fmt.Errorf("hook package %s was not built", p)
		}
		if cur, ok := have[p]; ok {
			if cur != exp {
				curID, err := archiveBuildID(cur)
				if err != nil {
					return "", err
				}
				expID, err := archiveBuildID(exp)
				if err != nil {
					return "", err
				}
				// Action IDs may differ (the child build's inputs are hashed
				// in another context); the content ID is what the linker
				// and the export data depend on.
				if contentID(curID) != contentID(expID) {
					return "", fmt.Errorf("the program and the ssaweave runtime were built with different versions of %s or of a module it depends on (program: build ID %s, runtime: %s): align the program's go.mod with the runtime's requirements (go list -m all in both shows which), or build with `ssaweave go build`, which resolves one module graph for both", p, curID, expID)
				}
			}
			continue
		}
		fmt.Fprintf(&b, "packagefile %s=%s\n", p, exp)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "importcfg.ssaweave-*")
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := f.Write(b.Bytes()); err != nil {
		return "", err
	}
	return f.Name(), nil
}

// contentID returns the content part of a build ID "action/content".
func contentID(id string) string {
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		return id[i+1:]
	}
	return id
}

// archiveBuildID reads the build ID from the __.PKGDEF header of a package
// archive written by the gc compiler.
func archiveBuildID(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, _ := f.Read(buf)
	buf = buf[:n]
	const marker = "\nbuild id \""
	i := bytes.Index(buf, []byte(marker))
	if i < 0 {
		return "", fmt.Errorf("%s: no build id in archive header", path)
	}
	rest := buf[i+len(marker):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return "", fmt.Errorf("%s: truncated build id", path)
	}
	return string(rest[:j]), nil
}

// parseTrimpath parses compile's -trimpath value: "from=>to;from2=>to2".
func parseTrimpath(v string) map[string]string {
	m := map[string]string{}
	for _, part := range strings.Split(v, ";") {
		if from, to, ok := strings.Cut(part, "=>"); ok {
			m[from] = to
		}
	}
	return m
}

func absPath(p, cwd string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(cwd, p)
}

// originalPath returns the path of the source file the go command meant
// by the compile argument p: an overlay replacement maps back (through
// -trimpath) to the file it replaces.
func originalPath(p, cwd string, mappings map[string]string) string {
	p = absPath(p, cwd)
	if to, ok := mappings[p]; ok && filepath.IsAbs(to) {
		return to
	}
	return p
}

// run executes the tool with the given arguments, passing standard streams
// through, and returns its exit code.
func run(args []string) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	return exitCode(cmd.Run())
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if code := ee.ExitCode(); code >= 0 {
			return code
		}
		return 1
	}
	fmt.Fprintf(os.Stderr, "ssaweave: %v\n", err)
	if runtime.GOOS == "windows" {
		return 1
	}
	return 127
}
