// Package redis traces the commands of every go-redis client.
//
// A woven github.com/redis/go-redis/v9 calls the hooks bound here around
// redis.NewClient and redis.NewFailoverClient. The hooks let the
// constructor build the client, then instrument it with the official
// redisotel tracing hook, so each command, pipeline and dial gets exactly the
// span that redisotel.InstrumentTracing gives it, with its default options.
//
// Cluster and ring clients need no hook of their own: they build a client
// per node with ClusterOptions.NewClient and RingOptions.NewClient, which
// default to redis.NewClient, so each node's client is instrumented when it
// is made. That is also all redisotel.InstrumentTracing does for them (it
// instruments each node as it is added), so the spans are the same; a second
// hook on the cluster client would trace every command twice.
//
// One difference from redisotel's defaults: the PINGs a ring client sends
// every HeartbeatFrequency (500ms by default) to each shard to watch its
// health are not traced. They are the library's, not the program's, and
// would make two root spans a second per shard for as long as the program
// runs. (redisotel.InstrumentTracing of a ring misses them only because it
// misses the shards the ring is created with altogether.)
//
// The package is linked into a program by a blank import in the file the
// backend generates; it has no API.
package redis

import (
	"runtime"
	"slices"
	_ "unsafe" // for go:linkname

	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	"github.com/ssaweave/ssaweave/rt"
)

// The hooks' names in panic reports.
const (
	clientHookName   = "github.com/redis/go-redis/v9.NewClient"
	failoverHookName = "github.com/redis/go-redis/v9.NewFailoverClient"
)

// clientHook is called by a woven redis.NewClient with next running the
// function's original body. The backend declares the variable in the
// go-redis package and pushes it to the linker; this declaration binds to
// the same symbol. When go-redis is not woven it is never read.
//
//go:linkname clientHook github.com/redis/go-redis/v9.ssaweaveHook_NewClient
var clientHook func(opt *redis.Options, next func(*redis.Options) *redis.Client) *redis.Client

// failoverHook is clientHook's counterpart for redis.NewFailoverClient,
// which builds its client without NewClient.
//
//go:linkname failoverHook github.com/redis/go-redis/v9.ssaweaveHook_NewFailoverClient
var failoverHook func(opt *redis.FailoverOptions, next func(*redis.FailoverOptions) *redis.Client) *redis.Client

func init() {
	clientHook = newClient
	failoverHook = newFailoverClient
}

// newClient is the redis.NewClient hook. Panics of next are the
// constructor's own (a nil opt, for one) and reach the caller as without
// ssaweave; only the instrumentation is guarded.
func newClient(opt *redis.Options, next func(*redis.Options) *redis.Client) *redis.Client {
	c := next(opt)
	instrument(c, clientHookName)
	return c
}

// newFailoverClient is the redis.NewFailoverClient hook.
func newFailoverClient(opt *redis.FailoverOptions, next func(*redis.FailoverOptions) *redis.Client) *redis.Client {
	c := next(opt)
	instrument(c, failoverHookName)
	return c
}

// instrument adds redisotel's tracing hook to c. The tracer provider is
// rt's dynamic one, so spans follow whatever provider is global at the time
// of each command, including one the program installs after making the
// client. A panic leaves c uninstrumented.
func instrument(c *redis.Client, hook string) {
	defer rt.Recover(hook)
	if c == nil {
		return
	}
	// The error is for client types InstrumentTracing does not know, which
	// *redis.Client is not.
	_ = redisotel.InstrumentTracing(c,
		redisotel.WithTracerProvider(rt.TracerProvider()),
		redisotel.WithCommandFilter(skipCommand),
		redisotel.WithCommandsFilter(skipPipeline),
	)
}

// skipCommand is the command filter: every command while no span can be
// recorded (see rt.Active: redisotel would still build each command's
// attributes, and walk the stack for code.function, for a span nobody
// records), redisotel's default filter (which leaves out AUTH and HELLO
// with credentials, and must be kept as setting a filter replaces it), and
// the ring heartbeat's PINGs.
func skipCommand(cmd redis.Cmder) bool {
	return !rt.Active() || redisotel.DefaultCommandFilter(cmd) || cmd.Name() == "ping" && inRingHeartbeat()
}

// skipPipeline is the pipeline filter: redisotel's default one (the whole
// pipeline is left out if one of its commands would be), and every
// pipeline while no span can be recorded.
func skipPipeline(cmds []redis.Cmder) bool {
	return !rt.Active() || slices.ContainsFunc(cmds, redisotel.DefaultCommandFilter)
}

// ringHeartbeat is the function of a ring client's heartbeat goroutine.
// Should go-redis rename it, heartbeats are traced again, nothing worse.
const ringHeartbeat = "github.com/redis/go-redis/v9.(*ringSharding).Heartbeat"

// inRingHeartbeat reports whether the ring heartbeat is on the calling
// goroutine's stack. It runs for PINGs only, so the stack walk costs
// nothing to other commands.
func inRingHeartbeat() bool {
	var pcs [32]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs[:])])
	for {
		f, more := frames.Next()
		if f.Function == ringHeartbeat {
			return true
		}
		if !more {
			return false
		}
	}
}
