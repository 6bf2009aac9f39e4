package backend

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/ssaweave/ssaweave/analysis"
	"github.com/ssaweave/ssaweave/backend/gocmd"
	"github.com/ssaweave/ssaweave/backend/toolexec"
)

// underModCache reports whether dir is inside the module cache: the go
// command refuses overlay entries there, so packages there get their key
// through -gcflags instead of a key file.
func underModCache(dir, modcache string) bool {
	if modcache == "" {
		return false
	}
	rel, err := filepath.Rel(modcache, dir)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// keyGcflags returns the -gcflags argument that gives package pkg the key
// key: `-gcflags=pkg=<the flags the user's -gcflags give pkg> -ssaweavekey=key`.
// The go command hashes a package's compiler flags into its action ID, so
// the key separates woven from plain objects in the build cache exactly as
// the key file does elsewhere. A later -gcflags pattern wins for the
// packages it matches, so the user's flags for pkg are repeated in ours.
//
// user holds the user's -gcflags values in command-line order (GOFLAGS
// first). Patterns are matched as cmd/go does for the package kinds that
// can be in the module cache: "all" and import-path patterns with "...".
// Flags without a pattern apply to the packages named on the command line,
// which dependency packages are not.
func keyGcflags(user []string, pkg, key string) string {
	flags := ""
	for _, v := range user {
		if v == "" {
			flags = ""
			continue
		}
		if v[0] == '-' {
			continue // command-line packages only
		}
		pattern, fl, ok := strings.Cut(v, "=")
		if !ok {
			continue
		}
		if pattern == "all" || analysis.MatchPackage(pattern, pkg) {
			flags = fl
		}
	}
	return "-gcflags=" + pkg + "=" + strings.TrimSpace(flags+" "+toolexec.KeyFlag+key)
}

// userGcflags returns the -gcflags values of GOFLAGS (from env) and of the
// command line, in the order the go command applies them.
func userGcflags(env []string, inv *gocmd.Invocation) []string {
	var out []string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GOFLAGS="); ok {
			out = nil // the last GOFLAGS setting wins
			for _, f := range strings.Fields(v) {
				if g, ok := strings.CutPrefix(strings.TrimLeft(f, "-"), "gcflags="); ok {
					out = append(out, g)
				}
			}
		}
	}
	for _, f := range inv.Flags {
		if f.Name == "gcflags" {
			out = append(out, f.Value)
		}
	}
	return slices.Clip(out)
}
