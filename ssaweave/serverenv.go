package ssaweave

import "time"

// The plan server keeps a program loaded between builds, so that
// re-planning after an edit re-checks only the edited packages and those
// that import them (analysis.Session) instead of loading the whole program
// again: see DESIGN.md, "Incremental analysis".
//
// One server serves one configuration: the options and environment that
// the plan key's header covers (keyInputs.header), hashed into the name of
// its socket in the cache, <cache>/server/<key>.sock. The wrapper starts
// it, detached, on a plan-cache miss of a configuration it has planned
// before (EnvPlanServer), and asks it for the plan; the server exits after
// EnvPlanServerIdle without a request, when its socket is removed, or
// when asked to stop (ssaweave clean). Whatever goes wrong on the way
// (no server can start, it dies, the socket path is too long), the plan
// is built in-process as it always was: the server only ever saves time.
const (
	// EnvPlanServer chooses when a plan server makes plans: "off" (never),
	// "on" (on every plan-cache miss) or "auto" (the default: from the
	// second plan of a configuration on, that is while its files are
	// being edited; a one-off build, as in CI, starts no process).
	EnvPlanServer = "SSAWEAVE_PLAN_SERVER"
	// EnvPlanServerIdle is how long a plan server waits for a request
	// before it exits, as a Go duration (default 10m).
	EnvPlanServerIdle = "SSAWEAVE_PLAN_SERVER_IDLE"
)

// DefaultServerIdle is how long a plan server stays without requests.
const DefaultServerIdle = 10 * time.Minute

// ServerExecutable is the ssaweave executable that serves plans when run
// as `<ServerExecutable> plan-server <socket>`; "" (the default, and in
// programs other than the ssaweave command) starts no server.
var ServerExecutable string
