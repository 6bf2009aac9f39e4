package backend

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ssaweave/ssaweave/backend/gocmd"
	"github.com/ssaweave/ssaweave/internal/cache"
	"github.com/ssaweave/ssaweave/internal/gotool"
	"github.com/ssaweave/ssaweave/ssaweave"
)

// watchOutput returns the up-to-date check of a woven command (see
// ssaweave.Output), with the first pass of its record taken, or nil when
// the command is not one it applies to: only go build writes exactly one
// file, with -o FILE or, for one main package, under the package's name in
// the directory (the check's File is then "" until outputFile names it),
// and -a (rebuild everything) and -n (print, do not run) must always reach
// the go command.
// It runs before the plan is made, in dir, where the go command runs,
// under the user's environment env.
func watchOutput(ctx context.Context, inv *gocmd.Invocation, dir string, env []string) *ssaweave.Output {
	if inv.Sub != "build" || lookupEnv(env, ssaweave.EnvUpToDate) == "off" {
		return nil
	}
	o, ok := inv.Lookup("o")
	switch {
	case !ok:
		// go build names its output after one main package (after
		// .go files, after the first file: not worth the trouble).
		// A pattern that may match several packages (...) writes none.
		if len(inv.Packages) > 1 || len(inv.Packages) == 1 && (strings.HasSuffix(inv.Packages[0], ".go") || strings.Contains(inv.Packages[0], "...")) {
			return nil
		}
	case o == "" || strings.HasSuffix(o, "/") || strings.HasSuffix(o, string(filepath.Separator)):
		return nil
	}
	goenv, err := gotool.Env(ctx, dir, env)
	if err != nil {
		return nil
	}
	flags := inv.Flags
	for _, f := range strings.Fields(goenv["GOFLAGS"]) {
		name, val, _ := strings.Cut(strings.TrimLeft(f, "-"), "=")
		flags = append(flags, gocmd.Flag{Name: name, Value: val, Bool: true})
	}
	for _, f := range flags {
		if (f.Name == "a" || f.Name == "n") && f.Bool {
			if on, err := strconv.ParseBool(f.Value); f.Value == "" || (err == nil && on) {
				return nil
			}
		}
	}
	if o != "" {
		if !filepath.IsAbs(o) {
			o = filepath.Join(dir, o)
		}
		if fi, err := os.Stat(o); err == nil && fi.IsDir() {
			return nil // go build writes the program into the directory, under a name of its own
		}
		o = filepath.Clean(o)
	}
	cacheDir, err := cache.Dir()
	if err != nil {
		return nil
	}
	opts := ssaweave.Options{Dir: dir, BuildFlags: inv.LoadFlags(), Env: env}
	return ssaweave.NewOutput(ctx, opts, o, cacheDir)
}

// runWatched runs the woven command args under wovenEnv unless out, the
// check watchOutput made for it (env is the user's environment), finds
// its output up to date; once the command has succeeded, it records the
// output for the next such check.
func (p *Prepared) runWatched(ctx context.Context, out *ssaweave.Output, env, args, wovenEnv []string) int {
	out.Opts, out.Args, out.Env = p.Opts, args, wovenEnv
	if out.File == "" {
		goenv, err := gotool.Env(ctx, p.Dir, env)
		file := ""
		if err == nil {
			file = p.outputFile(goenv["GOOS"])
		}
		if file == "" {
			return runGo(ctx, args, wovenEnv)
		}
		out.SetFile(file)
	}
	if out.UpToDate(ctx) {
		return 0 // as go build prints nothing when there is nothing to do
	}
	record := out.Begin(ctx)
	code := runGo(ctx, args, wovenEnv)
	if code == 0 {
		record()
	}
	return code
}

// outputFile returns the file `go build` without -o writes for the plan p:
// for a single main package, its name (the last element of its import
// path that is not a major version, v2 and up) with the target's
// executable suffix, in the directory the go command runs in; "" when
// there is no single main package.
func (p *Prepared) outputFile(goos string) string {
	if len(p.Plan.Mains) != 1 || p.Opts.Tests {
		return ""
	}
	name := defaultExecName(p.Plan.Mains[0].ImportPath)
	if name == "" {
		return ""
	}
	if goos == "windows" {
		name += ".exe"
	}
	file := filepath.Join(p.Dir, name)
	if fi, err := os.Stat(file); err == nil && fi.IsDir() {
		return "" // the go command refuses to overwrite a directory
	}
	return file
}

// defaultExecName is the go command's name for the executable of the main
// package importPath: its last element, or the one before a major version
// element (example.com/cmd/v2 builds cmd).
func defaultExecName(importPath string) string {
	elem := path.Base(importPath)
	if elem != importPath && isVersionElement(elem) {
		elem = path.Base(path.Dir(importPath))
	}
	if elem == "." || elem == "/" {
		return ""
	}
	return elem
}

// isVersionElement reports whether s is a major version path element of
// v2 or above, as the go command reads it.
func isVersionElement(s string) bool {
	if len(s) < 2 || s[0] != 'v' || s[1] == '0' || s[1] == '1' && len(s) == 2 {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || '9' < s[i] {
			return false
		}
	}
	return true
}
