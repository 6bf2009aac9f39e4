// Package backend applies weave plans to builds. This file is the `ssaweave
// go` wrapper: it plans the program, then runs the go command with the
// toolexec backend (package backend/toolexec), a private -modfile that adds
// the runtime module, and an -overlay that adds the runtime file to each
// woven main package and a key file to each rewritten package.
//
// With those three flags the go command itself resolves, compiles, caches
// and links the hook packages: no child builds, no importcfg edits, and
// build-cache keys that change only for the packages the plan rewrites.
package backend

import (
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

	"github.com/ssaweave/ssaweave/analysis"
	"github.com/ssaweave/ssaweave/backend/gocmd"
	"github.com/ssaweave/ssaweave/backend/inject"
	"github.com/ssaweave/ssaweave/backend/rtsrc"
	"github.com/ssaweave/ssaweave/backend/toolexec"
	"github.com/ssaweave/ssaweave/internal/cache"
	"github.com/ssaweave/ssaweave/internal/gotool"
	"github.com/ssaweave/ssaweave/internal/version"
	"github.com/ssaweave/ssaweave/ssaweave"
)

// Planner makes (or finds in the cache) the plan for a set of packages. The
// command provides it, so that this package stays free of the analysis.
var Planner func(ctx context.Context, opts ssaweave.Options) (*ssaweave.Plan, error)

// HookPackages lists every runtime hook package a plan may name; the
// private go.mod is completed for all of them at once, so that it does not
// depend on the plan.
var HookPackages []string

// ModuleHookPackages maps the target import path of each rule on a module
// outside the standard library to its hook package: the private go.mod is
// completed for that hook too when the user's module graph holds the
// target (see rtsrc.Prepare).
var ModuleHookPackages map[string]string

// Prepared is a plan together with the build inputs made for it.
type Prepared struct {
	Plan     *ssaweave.Plan
	Opts     ssaweave.Options // what the plan was made for
	Dir      string           // where the go command runs
	Setup    rtsrc.Setup      // private go.mod or go.work adding the runtime module
	Mod      string           // -mod value the woven build must use instead of the user's, or ""
	ModCache string           // GOMODCACHE
	Notes    []string         // what the woven build does differently from the plain one, for the user
}

// Prepare plans the packages of a go command line the way the wrapper
// builds them: with the private go.mod (or go.work), so that the plan sees
// exactly the module graph that will be built.
func Prepare(ctx context.Context, inv *gocmd.Invocation, env []string) (*Prepared, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	dir := inv.AbsDir(cwd)
	// One go env serves the module lookup, the module cache and the plan
	// cache key (a no-op build has no time for three).
	ctx = gotool.WithEnvMemo(ctx)
	userModfile, _ := inv.Lookup("modfile")
	if userModfile != "" && !filepath.IsAbs(userModfile) {
		userModfile = filepath.Join(dir, userModfile)
	}
	setup, err := rtsrc.Prepare(ctx, dir, env, userModfile, HookPackages, ModuleHookPackages)
	if err != nil {
		return nil, err
	}
	p := &Prepared{Dir: dir, Setup: setup}
	p.Mod, p.Notes = modMode(inv, env, setup)
	var flags []string
	for _, f := range inv.LoadFlags() {
		if strings.HasPrefix(f, "-modfile=") || (p.Mod != "" && strings.HasPrefix(f, "-mod=")) {
			continue
		}
		flags = append(flags, f)
	}
	flags = append(flags, setup.Flags()...)
	if p.Mod != "" {
		flags = append(flags, "-mod="+p.Mod)
	}
	patterns := inv.Packages
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	planEnv := append(slices.Clone(env), setup.Env()...)
	p.Opts = ssaweave.Options{Dir: dir, Patterns: patterns, BuildFlags: flags, Env: planEnv, Tool: version.Tool(), Tests: inv.Sub == "test", Probe: lookupEnv(planEnv, ssaweave.EnvProbe) == "1"}
	p.Plan, err = Planner(ctx, p.Opts)
	if err != nil {
		return nil, err
	}
	goenv, err := gotool.Env(ctx, dir, env)
	if err != nil {
		return nil, err
	}
	p.ModCache = goenv["GOMODCACHE"]
	return p, nil
}

// modMode returns the -mod value the woven build must use in place of the
// user's ("" to keep the user's), and a note saying why.
//
// vendor/modules.txt cannot list the runtime module, and the go command
// reads it directly from disk (no -overlay reaches it), so a woven build
// cannot use vendor/: it builds against the private go.mod with -mod=mod,
// taking modules from the module cache (downloading them once, like the
// runtime's), which is what vendor/ holds unless it was edited by hand. A
// workspace's private go.work lives elsewhere than its vendor/, so there
// the go command's default (readonly) applies; -mod=mod is refused in
// workspace mode.
func modMode(inv *gocmd.Invocation, env []string, s rtsrc.Setup) (string, []string) {
	user, set := inv.Lookup("mod")
	if !set {
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, "GOFLAGS="); ok {
				for _, f := range strings.Fields(v) {
					if m, ok := strings.CutPrefix(strings.TrimLeft(f, "-"), "mod="); ok {
						user, set = m, true
					}
				}
			}
		}
	}
	vendor := user == "vendor" || (!set && s.Vendor)
	if !vendor {
		return "", nil
	}
	note := "ssaweave: vendor/ cannot hold the ssaweave runtime module, so this woven build takes modules from the module cache instead of vendor/ (same versions; the first build downloads them); SSAWEAVE_DISABLE=1 builds plainly from vendor/"
	if s.Work != "" {
		return "readonly", []string{note}
	}
	return "mod", []string{note}
}

// Go runs `go args...` woven. It returns the exit code.
func Go(ctx context.Context, args []string, stderr io.Writer) int {
	if os.Getenv(toolexec.EnvDisable) == "1" {
		return runGo(ctx, args, nil)
	}
	inv, err := gocmd.Parse(args)
	if err != nil {
		fmt.Fprintf(stderr, "ssaweave go: %v\n", err)
		return 2
	}
	if !inv.Builds() {
		return runGo(ctx, args, nil)
	}
	if _, ok := inv.Lookup("toolexec"); ok {
		fmt.Fprintln(stderr, "ssaweave go: -toolexec is set by ssaweave itself; remove it (or run plain go with -toolexec=\"ssaweave toolexec\")")
		return 2
	}
	env := gocmd.WithoutGoflags(os.Environ(), "toolexec")
	// One memo for the plan and the up-to-date check.
	ctx = gotool.WithEnvMemo(ctx)
	var out *ssaweave.Output
	if cwd, err := os.Getwd(); err == nil {
		out = watchOutput(ctx, inv, inv.AbsDir(cwd), env)
	}
	p, err := Prepare(ctx, inv, env)
	if inv.Sub == "test" && errors.Is(err, analysis.ErrNoMain) {
		// No package has test files: go test builds no test binary.
		return runGo(ctx, args, env)
	}
	var loadErr *analysis.LoadError
	if errors.As(err, &loadErr) {
		return compileCheck(ctx, inv, env, err, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ssaweave: %v\n", strings.TrimPrefix(err.Error(), "ssaweave: "))
		return 1
	}
	if !p.Plan.Woven() {
		fmt.Fprintln(stderr, "ssaweave: nothing to weave (no instrumented API is reachable from main); building plainly")
		return runGo(ctx, args, env)
	}
	for _, n := range p.Notes {
		fmt.Fprintln(stderr, n)
	}
	newArgs, newEnv, err := p.buildArgs(args, inv, env)
	if err != nil {
		fmt.Fprintf(stderr, "ssaweave: %v\n", strings.TrimPrefix(err.Error(), "ssaweave: "))
		return 1
	}
	if out == nil {
		return runGo(ctx, newArgs, newEnv)
	}
	return p.runWatched(ctx, out, env, newArgs, newEnv)
}

// buildArgs returns the woven go command line and environment.
func (p *Prepared) buildArgs(args []string, inv *gocmd.Invocation, env []string) ([]string, []string, error) {
	planPath, err := toolexec.StorePlan(p.Plan)
	if err != nil {
		return nil, nil, err
	}
	userOverlay, _ := inv.Lookup("overlay")
	if userOverlay != "" && !filepath.IsAbs(userOverlay) {
		userOverlay = filepath.Join(p.Dir, userOverlay)
	}
	overlay, keyed, err := p.overlay(userOverlay)
	if err != nil {
		return nil, nil, err
	}
	var keyFlags []string
	user := userGcflags(env, inv)
	for _, pkg := range keyed {
		keyFlags = append(keyFlags, keyGcflags(user, pkg, p.Plan.PackageKey(pkg)))
	}
	self, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	drop := []string{"modfile", "overlay"}
	flags := p.Setup.Flags()
	if p.Mod != "" {
		drop = append(drop, "mod")
		flags = append(flags, "-mod="+p.Mod)
	}
	front, err := toolexecCommand(self, frontPatterns(p.Plan, keyed, p.Setup.Lang))
	if err != nil {
		return nil, nil, err
	}
	flags = append(flags, "-overlay="+overlay, "-toolexec="+front)
	newArgs := gocmd.InsertFlags(gocmd.WithoutFlags(args, drop...), append(flags, keyFlags...)...)
	newEnv := append(slices.Clone(env), toolexec.EnvPlan+"="+planPath, toolexec.EnvMode+"="+toolexec.ModeWrapper, toolexec.EnvOverlay+"="+overlay)
	newEnv = append(newEnv, p.Setup.Env()...)
	if p.Setup.Lang != "" {
		newEnv = append(newEnv, toolexec.EnvLang+"="+p.Setup.Lang)
	}
	return newArgs, newEnv, nil
}

// toolexecCommand returns the -toolexec value of a woven build. The go
// command runs it in front of every tool, if only to ask each tool's
// version (-V=full, five times in a build that compiles nothing), and
// starting ssaweave, a large binary, costs ~3.5 ms each time, while the
// backend acts only on compile, link, cover and vet, and passes the
// -V=full of compile and link through in wrapper mode. Where there is a
// POSIX shell, a script in the cache (0.5 ms) therefore sends only those
// to ssaweave and replaces itself with every other tool, exactly what
// ssaweave would run.
//
// Of the compiles, only those of the packages that patterns match (shell
// case patterns, see frontPatterns) go to ssaweave: in wrapper mode the
// backend leaves every other compile as it is, and a cold build compiles
// hundreds of packages, most of the standard library's, each of which
// would otherwise start ssaweave and have it read the plan for nothing.
// The package is the go command's TOOLEXEC_IMPORTPATH without its test
// variant suffix (" [p.test]"), the very key the backend looks the plan up
// by (toolexec.importPath); compile's -p is no substitute, as it is "main"
// for every main package. A compile without TOOLEXEC_IMPORTPATH goes to
// ssaweave, which then falls back to -p.
//
// The script depends on the plan, so its path does too; the go command
// hashes neither into any action ID, only the tools' -V=full answers,
// which are the same.
func toolexecCommand(self string, patterns []string) (string, error) {
	direct := gocmd.Quote(self) + " toolexec"
	const sh = "/bin/sh"
	if runtime.GOOS == "windows" {
		return direct, nil
	}
	if _, err := os.Stat(sh); err != nil {
		return direct, nil
	}
	// ${v%% \[*} removes the first " [" and all after it, as
	// toolexec.importPath does; '' catches an unset TOOLEXEC_IMPORTPATH.
	script := fmt.Sprintf(`# ssaweave: the front of woven builds' tools (see backend.toolexecCommand)
case "$1" in
*/compile)
	if [ $# -eq 2 ] && [ "$2" = -V=full ]; then exec "$@"; fi
	ip=${TOOLEXEC_IMPORTPATH%%%% \[*}
	case "$ip" in
	''%[2]s)
		exec %[1]s toolexec "$@";;
	esac
	exec "$@";;
*/link)
	if [ $# -eq 2 ] && [ "$2" = -V=full ]; then exec "$@"; fi
	exec %[1]s toolexec "$@";;
*/cover|*/vet)
	exec %[1]s toolexec "$@";;
esac
exec "$@"
`, shellQuote(self), caseAlternatives(patterns))
	gen, err := cache.Sub("gen")
	if err != nil {
		return "", err
	}
	path, err := cache.WriteContent(gen, "toolexec.sh", []byte(script))
	if err != nil {
		return "", err
	}
	return gocmd.Quote(sh) + " " + gocmd.Quote(path), nil
}

// caseAlternatives returns patterns as further alternatives of a shell case
// item ("|p1|p2...", one per line so that a large plan stays readable).
func caseAlternatives(patterns []string) string {
	var b strings.Builder
	for _, p := range patterns {
		b.WriteString("|\\\n\t")
		b.WriteString(p)
	}
	return b.String()
}

// frontPatterns returns, as sorted shell case patterns, the packages whose
// compile the wrapper's toolexec front must hand to ssaweave: the only
// ones whose command line `ssaweave toolexec` changes in wrapper mode.
//
//   - Every package the plan edits (rewritten files). A woven main without
//     edits needs nothing at compile: the overlay adds its runtime file,
//     and -modfile its hooks; the same goes for test mains. Packages that
//     import rewritten ones need nothing either: the go command itself
//     recompiles them, as their dependencies' content changed.
//   - Every keyed package (keyGcflags) and the test forms the go command
//     copies its -gcflags to (p_test, p.test): the backend must remove the
//     key flag before the compiler sees it.
//   - With lang ("modulepath=goversion", toolexec.EnvLang), every package
//     of that module, whose -lang the backend restores
//     (toolexec.restoreLang uses the same test).
func frontPatterns(plan *ssaweave.Plan, keyed []string, lang string) []string {
	var out []string
	for _, pe := range plan.Packages {
		out = append(out, shellQuote(pe.ImportPath))
	}
	for _, pkg := range keyed {
		out = append(out, shellQuote(pkg), shellQuote(pkg+"_test"), shellQuote(pkg+".test"))
	}
	if mod, _, ok := strings.Cut(lang, "="); ok {
		out = append(out, shellQuote(mod), shellQuote(mod+"_test"), shellQuote(mod)+"/*", shellQuote("command-line-arguments"))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// shellQuote quotes s as one word for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// overlay writes the overlay file: the user's replacements, a key file in
// every package the plan rewrites, and the runtime file in every woven main
// package. It returns the packages that could not get a key file, because
// the go command refuses overlays in the module cache: they get their key
// through -gcflags (keyGcflags).
func (p *Prepared) overlay(userOverlay string) (string, []string, error) {
	var ov struct {
		Replace map[string]string
	}
	if userOverlay != "" {
		data, err := os.ReadFile(userOverlay)
		if err != nil {
			return "", nil, err
		}
		if err := json.Unmarshal(data, &ov); err != nil {
			return "", nil, fmt.Errorf("%s: %v", userOverlay, err)
		}
	}
	if ov.Replace == nil {
		ov.Replace = map[string]string{}
	}
	gen, err := cache.Sub("gen")
	if err != nil {
		return "", nil, err
	}
	var keyed []string
	for _, m := range p.Plan.Mains {
		if m.Test == nil || len(m.Hooks) == 0 {
			continue
		}
		if underModCache(m.Test.Dir, p.ModCache) {
			return "", nil, fmt.Errorf("cannot weave the test binary of %s: its directory %s is in the module cache, where the go command adds no files; test it plainly (SSAWEAVE_DISABLE=1)", m.Test.Package, m.Test.Dir)
		}
		path, err := cache.WriteContent(gen, inject.TestFileName, inject.TestFile(&m, p.Plan.PackageKey(m.ImportPath)))
		if err != nil {
			return "", nil, err
		}
		ov.Replace[filepath.Join(m.Test.Dir, inject.TestFileName)] = path
	}
	for _, pe := range p.Plan.Packages {
		if len(pe.Files) == 0 {
			continue
		}
		pkgDir := filepath.Dir(pe.Files[0].File)
		if underModCache(pkgDir, p.ModCache) {
			if m := p.Plan.Main(pe.ImportPath); m != nil && len(m.Hooks) > 0 {
				// The main package needs the runtime file, which the
				// go command would refuse to add there: fail now,
				// not with the compiler's "undefined" later.
				return "", nil, fmt.Errorf("cannot weave main package %s: its directory %s is in the module cache, where the go command adds no files; make it a main package of your module (copy its main.go into it, as xcaddy does for caddy) and build that, or build plainly with SSAWEAVE_DISABLE=1", pe.ImportPath, pkgDir)
			}
			keyed = append(keyed, pe.ImportPath)
			continue
		}
		var name, content string
		if m := p.Plan.Main(pe.ImportPath); m != nil && len(m.Hooks) > 0 {
			name, content = inject.MainFileName, string(inject.MainFile(m, p.Plan.PackageKey(pe.ImportPath)))
		} else {
			pkgName, err := inject.PackageName(pe.Files[0].File)
			if err != nil {
				return "", nil, err
			}
			name, content = inject.KeyFileName, string(inject.KeyFile(pkgName, p.Plan.PackageKey(pe.ImportPath)))
			if onlyTestFiles(pe) {
				// An external test package (pkg_test), or edits that
				// only the test variant compiles: the key must be a
				// _test.go file too, or the plain package would get
				// a file of another package, or a needless key.
				name = inject.TestKeyFileName
			}
		}
		path, err := cache.WriteContent(gen, name, []byte(content))
		if err != nil {
			return "", nil, err
		}
		ov.Replace[filepath.Join(pkgDir, name)] = path
	}
	data, err := json.MarshalIndent(ov, "", "\t")
	if err != nil {
		return "", nil, err
	}
	path, err := cache.WriteContent(gen, "overlay.json", data)
	return path, keyed, err
}

// compileCheck handles a program that ssaweave could not load: usually
// code that does not compile. The go command then compiles the packages
// plainly, writing nothing (go build -o /dev/null, go test -c into a
// temporary directory), so that the user sees the compiler's own errors,
// as plain go prints them; its exit code is returned. Should the plain
// compile succeed, the analysis failed on a program that compiles: that is
// reported, with loadErr, as a failure, since a build must not come out
// unwoven without saying so.
func compileCheck(ctx context.Context, inv *gocmd.Invocation, env []string, loadErr error, stderr io.Writer) int {
	var args []string
	if inv.Dir != "" {
		args = append(args, "-C", inv.Dir)
	}
	skip := map[string]bool{"o": true, "exec": true, "c": true, "json": true, "toolexec": true}
	var out string
	if inv.Sub == "test" {
		tmp, err := os.MkdirTemp("", "ssaweave-check-")
		if err != nil {
			fmt.Fprintf(stderr, "ssaweave: %v\n", err)
			return 1
		}
		defer os.RemoveAll(tmp)
		out = tmp + string(filepath.Separator)
		args = append(args, "test", "-c")
	} else {
		out = os.DevNull
		args = append(args, "build")
	}
	for _, f := range inv.Flags {
		if !skip[f.Name] {
			args = append(args, f.String())
		}
	}
	args = append(append(args, "-o", out), inv.Packages...)
	if code := runGo(ctx, args, env); code != 0 {
		return code
	}
	fmt.Fprintf(stderr, "ssaweave: %v\nssaweave: the go command compiles these packages, but ssaweave cannot analyse them (please report this); nothing was built. SSAWEAVE_DISABLE=1 builds plainly meanwhile.\n", strings.TrimPrefix(loadErr.Error(), "ssaweave: "))
	return 1
}

// onlyTestFiles reports whether every file pe edits is a _test.go file.
func onlyTestFiles(pe ssaweave.PackageEdits) bool {
	for _, fe := range pe.Files {
		if !strings.HasSuffix(fe.File, "_test.go") {
			return false
		}
	}
	return true
}

func runGo(ctx context.Context, args []string, env []string) int {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = env
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		if ee.ExitCode() >= 0 {
			return ee.ExitCode()
		}
		return 1
	default:
		fmt.Fprintf(os.Stderr, "ssaweave: %v\n", err)
		return 1
	}
}

// lookupEnv returns the last value of key in env.
func lookupEnv(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}
