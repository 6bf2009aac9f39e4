// Package gocmd parses go command lines (`go build|install|run|test ...`)
// well enough to know what a build will compile: the subcommand, the build
// flags, the package patterns and the directory. It is used twice: by the
// `ssaweave go` wrapper on its own arguments, and by `ssaweave toolexec` on
// the command line of the go process that invoked it, when the user ran
// `go build -toolexec=...` with no wrapper.
//
// The flag tables mirror cmd/go's (go help build, go help testflag). A flag
// the tables do not know is an error for build/install/run, because guessing
// whether it takes a value would misplace the package patterns; for test,
// unknown flags belong to the test binary, as in cmd/go.
package gocmd

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// Flag is one flag as written on the command line.
type Flag struct {
	Name  string // without leading dashes
	Value string // "" for a boolean flag given without =value
	// Bool reports whether the flag is a boolean flag.
	Bool bool
}

// String renders the flag as one argument.
func (f Flag) String() string {
	if f.Bool && f.Value == "" {
		return "-" + f.Name
	}
	return "-" + f.Name + "=" + f.Value
}

// Invocation is a parsed go command line.
type Invocation struct {
	Sub      string   // build, install, run, test, vet, ...
	Dir      string   // the -C directory, or ""
	Flags    []Flag   // flags in order, -C excluded
	Packages []string // package patterns (or .go files), in order
	// Rest holds what follows the packages and goes to the program or test
	// binary: `go run pkg args...`, `go test pkg -args ...`, and test flags
	// that are not build flags.
	Rest []string
}

// Builds reports whether the subcommand compiles and links programs, so
// that weaving applies.
func (inv *Invocation) Builds() bool {
	switch inv.Sub {
	case "build", "install", "run", "test":
		return true
	}
	return false
}

// Lookup returns the value of the last occurrence of the named flag.
func (inv *Invocation) Lookup(name string) (string, bool) {
	for i := len(inv.Flags) - 1; i >= 0; i-- {
		if inv.Flags[i].Name == name {
			return inv.Flags[i].Value, true
		}
	}
	return "", false
}

// LoadFlags returns the flags that change which files and packages make up
// the program, in the form go/packages and `go list` accept.
func (inv *Invocation) LoadFlags() []string {
	var out []string
	for _, f := range inv.Flags {
		if loadFlags[f.Name] {
			out = append(out, f.String())
		}
	}
	return out
}

// CompileFlags returns the flags that change how packages are compiled
// (race, coverage, tags, trimpath, ...), so that a child build of extra
// packages produces objects compatible with the parent build. Flags naming
// outputs or the toolexec program are left out.
func (inv *Invocation) CompileFlags() []string {
	var out []string
	for _, f := range inv.Flags {
		if compileFlags[f.Name] || loadFlags[f.Name] {
			out = append(out, f.String())
		}
	}
	return out
}

// AbsDir returns the directory the go command runs in: -C resolved against
// cwd.
func (inv *Invocation) AbsDir(cwd string) string {
	if inv.Dir == "" {
		return cwd
	}
	if filepath.IsAbs(inv.Dir) {
		return inv.Dir
	}
	return filepath.Join(cwd, inv.Dir)
}

// flags that change what is loaded.
var loadFlags = map[string]bool{
	"tags": true, "mod": true, "modfile": true, "overlay": true, "pgo": true,
}

// flags that change compiled objects (besides loadFlags).
var compileFlags = map[string]bool{
	"race": true, "msan": true, "asan": true, "gcflags": true, "asmflags": true,
	"trimpath": true, "buildmode": true, "compiler": true, "gccgoflags": true,
	"installsuffix": true, "linkshared": true, "cover": true, "covermode": true,
	"coverpkg": true, "buildvcs": true, "a": true, "p": true, "modcacherw": true,
}

// boolFlags are the go build flags that take no value.
var boolFlags = map[string]bool{
	"a": true, "n": true, "race": true, "msan": true, "asan": true, "cover": true,
	"v": true, "work": true, "x": true, "linkshared": true, "trimpath": true,
	"modcacherw": true, "json": true, "buildvcs": true,
	// go test
	"c": true, "failfast": true, "short": true, "benchmem": true, "fullpath": true,
	// go install/build -i was removed; go vet has no extra bool build flags.
}

// valueFlags are the go build flags that take a value.
var valueFlags = map[string]bool{
	"C": true, "p": true, "asmflags": true, "buildmode": true, "compiler": true,
	"gccgoflags": true, "gcflags": true, "installsuffix": true, "ldflags": true,
	"mod": true, "modfile": true, "overlay": true, "pgo": true, "pkgdir": true,
	"tags": true, "toolexec": true, "covermode": true, "coverpkg": true, "o": true,
	"exec": true, "debug-actiongraph": true, "debug-runtime-trace": true,
	"debug-trace": true,
	// go test flags with values
	"vet": true, "run": true, "bench": true, "count": true, "cpu": true,
	"timeout": true, "benchtime": true, "parallel": true, "coverprofile": true,
	"cpuprofile": true, "memprofile": true, "memprofilerate": true,
	"blockprofile": true, "blockprofilerate": true, "mutexprofile": true,
	"mutexprofilefraction": true, "outputdir": true, "trace": true, "list": true,
	"skip": true, "fuzz": true, "fuzztime": true, "fuzzminimizetime": true,
	"shuffle": true,
}

// testOnlyFlags are go test flags that go to the test binary rather than the
// build; they are kept in Rest.
var testOnlyFlags = map[string]bool{
	"failfast": true, "short": true, "benchmem": true, "fullpath": true,
	"run": true, "bench": true, "count": true, "cpu": true, "timeout": true,
	"benchtime": true, "parallel": true, "coverprofile": true, "cpuprofile": true,
	"memprofile": true, "memprofilerate": true, "blockprofile": true,
	"blockprofilerate": true, "mutexprofile": true, "mutexprofilefraction": true,
	"outputdir": true, "trace": true, "list": true, "skip": true, "fuzz": true,
	"fuzztime": true, "fuzzminimizetime": true, "shuffle": true, "v": false,
}

// Parse parses args, the arguments after "go" (args[0] is the subcommand).
func Parse(args []string) (*Invocation, error) {
	inv := &Invocation{}
	// -C must come first, before the subcommand.
	for len(args) > 0 && (args[0] == "-C" || args[0] == "--C" || strings.HasPrefix(args[0], "-C=") || strings.HasPrefix(args[0], "--C=")) {
		name, val, hasVal := splitFlag(args[0])
		_ = name
		if !hasVal {
			if len(args) < 2 {
				return nil, fmt.Errorf("flag -C needs a directory")
			}
			val, args = args[1], args[1:]
		}
		inv.Dir = val
		args = args[1:]
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("no go subcommand given (try: ssaweave go build ./cmd/server)")
	}
	inv.Sub, args = args[0], args[1:]
	if !inv.Builds() {
		inv.Rest = args
		return inv, nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if inv.Sub == "test" && a == "-args" {
			inv.Rest = append(inv.Rest, args[i:]...)
			break
		}
		if a == "--" {
			inv.Rest = append(inv.Rest, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			if inv.Sub == "run" && len(inv.Packages) > 0 && !strings.HasSuffix(a, ".go") {
				// go run a.go b.go args...: the files end at the first
				// argument that is not a .go file.
				inv.Rest = append(inv.Rest, args[i:]...)
				break
			}
			inv.Packages = append(inv.Packages, a)
			if inv.Sub == "run" && !strings.HasSuffix(a, ".go") {
				// go run pkg args...: everything after the package is the program's.
				inv.Rest = append(inv.Rest, args[i+1:]...)
				break
			}
			continue
		}
		if inv.Sub == "run" && len(inv.Packages) > 0 {
			// go run a.go b.go -flag: the program's arguments start at the first non-.go argument.
			inv.Rest = append(inv.Rest, args[i:]...)
			break
		}
		name, val, hasVal := splitFlag(a)
		name = strings.TrimPrefix(name, "test.")
		switch {
		case name == "C":
			return nil, fmt.Errorf("go: -C flag must be first flag on command line")
		case boolFlags[name]:
			f := Flag{Name: name, Value: val, Bool: true}
			if inv.Sub == "test" && testOnlyFlags[name] {
				inv.Rest = append(inv.Rest, a)
				continue
			}
			inv.Flags = append(inv.Flags, f)
		case valueFlags[name]:
			if !hasVal {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("flag -%s needs a value", name)
				}
				i++
				val = args[i]
			}
			if inv.Sub == "test" && testOnlyFlags[name] {
				inv.Rest = append(inv.Rest, "-"+name+"="+val)
				continue
			}
			inv.Flags = append(inv.Flags, Flag{Name: name, Value: val})
		case inv.Sub == "test":
			// A test binary flag; cmd/go passes these through too.
			inv.Rest = append(inv.Rest, a)
		default:
			return nil, fmt.Errorf("go %s: unknown flag %s (see 'go help build')", inv.Sub, a)
		}
	}
	return inv, nil
}

// WithoutFlags returns args (the arguments after "go", as given to Parse)
// with every occurrence of the named flags removed, keeping all else in
// place. It is used to replace flags the wrapper must merge with its own
// (-overlay, -modfile).
func WithoutFlags(args []string, names ...string) []string {
	// The program's own arguments (go run pkg args...) are a suffix that
	// must pass through whatever flags it holds.
	var tail []string
	if inv, err := Parse(args); err == nil && inv.Sub == "run" && len(inv.Rest) > 0 && len(inv.Rest) <= len(args) &&
		slices.Equal(args[len(args)-len(inv.Rest):], inv.Rest) {
		tail = args[len(args)-len(inv.Rest):]
		args = args[:len(args)-len(inv.Rest)]
	}
	out := withoutFlags(args, names)
	return append(out, tail...)
}

func withoutFlags(args []string, names []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || a == "-args" {
			out = append(out, args[i:]...)
			break
		}
		if strings.HasPrefix(a, "-") {
			name, _, hasVal := splitFlag(a)
			if slices.Contains(names, name) {
				if !hasVal && valueFlags[name] {
					i++
				}
				continue
			}
			if !hasVal && valueFlags[name] && i+1 < len(args) {
				out = append(out, a, args[i+1])
				i++
				continue
			}
		}
		out = append(out, a)
	}
	return out
}

// InsertFlags returns args with extra inserted right after the subcommand
// (and after a leading -C dir, which must stay first).
func InsertFlags(args []string, extra ...string) []string {
	i := 0
	for i < len(args) && (args[i] == "-C" || args[i] == "--C" || strings.HasPrefix(args[i], "-C=") || strings.HasPrefix(args[i], "--C=")) {
		if !strings.Contains(args[i], "=") {
			i++
		}
		i++
	}
	if i < len(args) {
		i++ // the subcommand
	}
	out := slices.Clone(args[:i])
	out = append(out, extra...)
	return append(out, args[i:]...)
}

func splitFlag(a string) (name, val string, hasVal bool) {
	a = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
	name, val, hasVal = strings.Cut(a, "=")
	return name, val, hasVal
}

// WithoutGoflags returns env with the named flags removed from GOFLAGS.
// Internal go commands use it to drop flags that would fight their own
// (-mod, -modfile) or recurse (-toolexec).
func WithoutGoflags(env []string, names ...string) []string {
	out := slices.Clone(env)
	for i, kv := range out {
		v, ok := strings.CutPrefix(kv, "GOFLAGS=")
		if !ok {
			continue
		}
		var keep []string
		for _, f := range strings.Fields(v) {
			name, _, _ := splitFlag(f)
			if !slices.Contains(names, name) {
				keep = append(keep, f)
			}
		}
		out[i] = "GOFLAGS=" + strings.Join(keep, " ")
	}
	return out
}

// Quote quotes a path for the go command's -toolexec value, which the go
// command splits like a shell word list.
func Quote(s string) string {
	if !strings.ContainsAny(s, " \t'\"") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
