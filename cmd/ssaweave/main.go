// Command ssaweave weaves OpenTelemetry tracing into Go programs at compile
// time, guided by whole-program static analysis.
//
// Usage:
//
//	ssaweave go build|install|run|test [go flags] [packages]
//	go build -toolexec=ssaweave [go flags] [packages]
//	ssaweave plan [-json] [-paths] [go build flags] [packages]
//	ssaweave audit [-format text|json|html] [-o FILE] [-bench] [go build flags] [packages]
//	ssaweave explain FILE:LINE [go build flags] [packages]
//	ssaweave version
//	ssaweave clean
//
// See README.md for a tour and DESIGN.md for how it works.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ssaweave/ssaweave/analysis"
	"github.com/ssaweave/ssaweave/backend"
	"github.com/ssaweave/ssaweave/backend/gocmd"
	"github.com/ssaweave/ssaweave/backend/toolexec"
	"github.com/ssaweave/ssaweave/internal/cache"
	"github.com/ssaweave/ssaweave/internal/gctune"
	"github.com/ssaweave/ssaweave/internal/version"
	"github.com/ssaweave/ssaweave/ssaweave"
)

const usage = `ssaweave weaves OpenTelemetry tracing into Go programs at compile time.

Usage:
  ssaweave go build|install|run|test [go flags] [packages]
                      run the go command with the program woven; every
                      go flag passes through unchanged
  ssaweave toolexec TOOL ARGS...
                      the build backend, for go build -toolexec=ssaweave
                      (or -toolexec="ssaweave toolexec"), with no other step
  ssaweave plan [-json] [-paths] [go build flags] [packages]
                      print what would be woven where, and why
  ssaweave audit [-format text|json|html] [-o FILE] [-size=false] [-pgo FILE]
                 [-bench[=REGEXP]] [-count N] [-max-overhead P%] [-max-spans N]
                 [go build flags] [packages]
                      what every site costs: paths, loop depths, spans per
                      request, binary size, benchmarks; budgets exit 3
  ssaweave explain FILE:LINE [go build flags] [packages]
                      why a line was, or wasn't, instrumented
  ssaweave version    print the version
  ssaweave clean      stop the plan servers and remove ssaweave's cache directory

Environment:
  SSAWEAVE_DISABLE=1  build plainly through the same commands
  SSAWEAVE_CACHE      cache directory (default: the user cache directory)
  SSAWEAVE_PLAN_SERVER=off|on|auto
                      keep the program loaded between builds in a background
                      plan server, so that an edit re-plans only what changed
                      (auto, the default: from a configuration's second plan on)
  SSAWEAVE_PLAN_SERVER_IDLE
                      how long a plan server waits before it exits (default 10m)
  OTEL_*              the woven program's telemetry (OpenTelemetry SDK variables)
`

func main() {
	// Analysis holds a large live heap: collect rarely under a budget
	// (package gctune), unless GOGC or GOMEMLIMIT say otherwise.
	gctune.Apply()
	backend.Planner = plan
	backend.HookPackages = hookPackages
	backend.ModuleHookPackages = moduleHookPackages()
	toolexec.Planner = plan
	if exe, err := os.Executable(); err == nil {
		ssaweave.ServerExecutable = exe
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	// `-toolexec=ssaweave` (no space, so it also fits in GOFLAGS): the go
	// command runs us with a tool's absolute path first.
	if isToolPath(args[0]) {
		return toolexec.Main(args)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	switch args[0] {
	case "go":
		return backend.Go(ctx, args[1:], stderr)
	case "toolexec":
		return toolexec.Main(args[1:])
	case "plan":
		return planCmd(ctx, args[1:], stdout, stderr)
	case "audit":
		return auditCmd(ctx, args[1:], stdout, stderr)
	case "explain":
		return explainCmd(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, version.String())
		return 0
	case "plan-server": // started by the wrapper (ssaweave/server.go), not by users
		if len(args) != 2 {
			fmt.Fprintln(stderr, "usage: ssaweave plan-server SOCKET")
			return 2
		}
		idle := ssaweave.DefaultServerIdle
		if v := os.Getenv(ssaweave.EnvPlanServerIdle); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				fmt.Fprintf(stderr, "ssaweave plan-server: %s=%q: want a positive duration such as 10m\n", ssaweave.EnvPlanServerIdle, v)
				return 2
			}
			idle = d
		}
		if err := ssaweave.Serve(ctx, args[1], idle); err != nil {
			fmt.Fprintf(stderr, "ssaweave plan-server: %v\n", err)
			return 1
		}
		return 0
	case "clean":
		if dir, err := cache.Dir(); err == nil {
			ssaweave.StopServers(dir)
		}
		dir, err := cache.Clean()
		if err != nil {
			fmt.Fprintf(stderr, "ssaweave clean: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "removed %s\n", dir)
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "ssaweave: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

// isToolPath reports whether arg is the path of a Go tool, as the go
// command passes it to a -toolexec program.
func isToolPath(arg string) bool {
	if !filepath.IsAbs(arg) {
		return false
	}
	switch strings.TrimSuffix(filepath.Base(arg), ".exe") {
	case "compile", "link", "asm", "cgo", "cover", "vet", "pack", "buildid":
		return true
	}
	return false
}

// plan is the planner shared by the wrapper and the toolexec backend: the
// plan cache in front of the whole-program analysis.
func plan(ctx context.Context, opts ssaweave.Options) (*ssaweave.Plan, error) {
	dir, err := cache.Dir()
	if err != nil {
		return nil, err
	}
	p, _, err := ssaweave.Cached(ctx, opts, dir)
	return p, err
}

func planCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	const planUsage = "usage: ssaweave plan [-json] [-paths] [go build flags] [packages]\n" +
		"  -json\tprint the plan as JSON (schema: ssaweave/SCHEMA.md)\n" +
		"  -paths\tgive a span to every function on a path from an entry point to a sink (as paths: true in ssaweave.yaml)\n"
	asJSON := false
	env := os.Environ()
	// -json is ours; everything else is a go build command line.
	var rest []string
	for _, a := range args {
		switch a {
		case "-json", "--json":
			asJSON = true
		case "-paths", "--paths":
			env = append(env, analysis.EnvPaths+"=1")
		case "-h", "-help", "--help":
			fmt.Fprint(stdout, planUsage)
			return 0
		default:
			rest = append(rest, a)
		}
	}
	inv, err := gocmd.Parse(append([]string{"build"}, rest...))
	if err != nil {
		fmt.Fprintf(stderr, "ssaweave plan: %v\n", strings.TrimPrefix(err.Error(), "go build: "))
		return 2
	}
	p, err := backend.Prepare(ctx, inv, env)
	if err != nil {
		fmt.Fprintf(stderr, "ssaweave: %v\n", strings.TrimPrefix(err.Error(), "ssaweave: "))
		return 1
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(p.Plan); err != nil {
			fmt.Fprintf(stderr, "ssaweave plan: %v\n", err)
			return 1
		}
		return 0
	}
	if err := p.Plan.WriteText(stdout); err != nil {
		fmt.Fprintf(stderr, "ssaweave plan: %v\n", err)
		return 1
	}
	return 0
}

// moduleHookPackages maps the target of each rule on a module outside the
// standard library to its hook package, for the private go.mod to be
// completed for the hooks of the libraries the program's module graph
// holds (see rtsrc.Prepare).
func moduleHookPackages() map[string]string {
	out := map[string]string{}
	for _, r := range analysis.Rules {
		first, _, _ := strings.Cut(r.Package, "/")
		if strings.Contains(first, ".") && r.HookPackage != "" {
			out[r.Package] = r.HookPackage
		}
	}
	return out
}

// hookPackages lists the runtime packages that rules on the standard
// library may link: the private go.mod is completed for them up front.
// Hook packages of rules on other modules are left out, so that a program
// that does not use gin never has gin downloaded for it: their
// requirements and checksums come with the runtime module's own go.mod and
// go.sum, or with the user's, whichever selected the version.
var hookPackages = func() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range analysis.Rules {
		first, _, _ := strings.Cut(r.Package, "/")
		if strings.Contains(first, ".") {
			continue
		}
		if r.HookPackage != "" && !seen[r.HookPackage] {
			seen[r.HookPackage] = true
			out = append(out, r.HookPackage)
		}
	}
	slices.Sort(out)
	return out
}()
