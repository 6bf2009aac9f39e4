package backend

import (
	"context"
	"os"
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
// the command is not one it applies to: only `go build -o FILE` writes
// exactly one file whose path is known before it runs, and -a (rebuild
// everything) and -n (print, do not run) must always reach the go command.
// It runs before the plan is made, in dir, where the go command runs,
// under the user's environment env.
func watchOutput(ctx context.Context, inv *gocmd.Invocation, dir string, env []string) *ssaweave.Output {
	if inv.Sub != "build" || lookupEnv(env, ssaweave.EnvUpToDate) == "off" {
		return nil
	}
	o, ok := inv.Lookup("o")
	if !ok || o == "" || strings.HasSuffix(o, "/") || strings.HasSuffix(o, string(filepath.Separator)) {
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
	if !filepath.IsAbs(o) {
		o = filepath.Join(dir, o)
	}
	if fi, err := os.Stat(o); err == nil && fi.IsDir() {
		return nil // go build writes the program into the directory, under a name of its own
	}
	cacheDir, err := cache.Dir()
	if err != nil {
		return nil
	}
	opts := ssaweave.Options{Dir: dir, BuildFlags: inv.LoadFlags(), Env: env}
	return ssaweave.NewOutput(ctx, opts, filepath.Clean(o), cacheDir)
}
