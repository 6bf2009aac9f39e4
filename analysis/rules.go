package analysis

// RuntimeModule is the module path of the ssaweave runtime, whose packages
// implement the hooks.
const RuntimeModule = "github.com/ssaweave/ssaweave/rt"

// RuntimePackage is the runtime package every woven program links: it
// owns the tracer provider and flushes it at exit. It is the runtime
// module's root package.
const RuntimePackage = RuntimeModule

// MainPackage, as a rule's Package, stands for each main package of the
// program rather than for an import path.
const MainPackage = "main"

// EditKind says how a rule rewrites its target. The values are those of
// ssaweave.EditKind, which this package cannot import (ssaweave builds
// plans from this package); ssaweave checks that they agree.
type EditKind string

// The edit kinds, with the meaning ssaweave.EditKind documents.
const (
	EditNone   EditKind = ""       // the rule rewrites nothing
	EditBefore EditKind = "before" // call the hook with the arguments on entry
	EditAround EditKind = "around" // the hook wraps the original body
	EditDefer  EditKind = "defer"  // defer a call to the hook on entry
)

// Role says what a rule is for, and so when it is woven.
type Role int

const (
	// Telemetry rules produce spans. One is woven wherever its target is
	// reachable from a main (or init) of the program.
	Telemetry Role = iota + 1

	// FlushOnExit rules flush telemetry on a path that bypasses main's
	// return. One is woven where its target is reachable from a program in
	// which some Telemetry rule is woven.
	FlushOnExit

	// AtMainReturn rules flush telemetry when main returns. One is woven
	// into each main package in which some Telemetry rule is woven.
	AtMainReturn

	// HandlesSignals rules decide whether the runtime installs its own
	// SIGINT/SIGTERM handler: if any target is reachable, the program
	// handles signals itself and the runtime must not. They rewrite
	// nothing.
	HandlesSignals
)

// String returns the role's name as documented.
func (r Role) String() string {
	switch r {
	case Telemetry:
		return "telemetry"
	case FlushOnExit:
		return "flush-on-exit"
	case AtMainReturn:
		return "at-main-return"
	case HandlesSignals:
		return "handles-signals"
	}
	return "unknown"
}

// Rule is one integration: what to match and how to rewrite it. See the
// package documentation for the meaning of each field.
type Rule struct {
	Name        string
	Doc         string
	Role        Role
	Package     string   // import path of the target, or MainPackage
	Funcs       []string // "Func" or "Type.Method"; exactly one when Kind is set
	Kind        EditKind
	Hook        string // hook variable, or deferred function for EditDefer
	HookPackage string // runtime package implementing the hook
}

// Rules is the rule set, one value per integration. The names of rules and
// hooks are a contract with the runtime module and with recorded plans.
var Rules = []Rule{
	{
		Name:        "net/http.server",
		Doc:         "Trace every request served by a net/http server, at the choke point all servers share.",
		Role:        Telemetry,
		Package:     "net/http",
		Funcs:       []string{"serverHandler.ServeHTTP"},
		Kind:        EditAround,
		Hook:        "ssaweaveHook_serverHandler_ServeHTTP",
		HookPackage: RuntimeModule + "/nethttp",
	},
	{
		Name:        "os.exit",
		Doc:         "Flush telemetry before os.Exit ends the process without running deferred calls.",
		Role:        FlushOnExit,
		Package:     "os",
		Funcs:       []string{"Exit"},
		Kind:        EditBefore,
		Hook:        "ssaweaveHook_Exit",
		HookPackage: RuntimePackage,
	},
	{
		Name:        "main.return",
		Doc:         "Flush telemetry when main.main returns.",
		Role:        AtMainReturn,
		Package:     MainPackage,
		Funcs:       []string{"main"},
		Kind:        EditDefer,
		Hook:        "ssaweave_atMainReturn",
		HookPackage: RuntimePackage,
	},
	{
		Name:        "signal.flush",
		Doc:         "Flush telemetry on SIGINT/SIGTERM, unless the program handles signals itself.",
		Role:        HandlesSignals,
		Package:     "os/signal",
		Funcs:       []string{"Notify", "NotifyContext"},
		Kind:        EditNone,
		HookPackage: RuntimePackage,
	},
}
