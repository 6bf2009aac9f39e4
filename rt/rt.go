package rt

import (
	"context"
	"os"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel"
)

// Config is what the generated init function of a woven main package passes
// to [Start].
type Config struct {
	// PlanID identifies the weaving plan the program was built from.
	PlanID string
	// HandleSignals makes rt flush spans on SIGINT and SIGTERM before the
	// signal ends the process as it would have without rt. The backend sets
	// it only for programs that do not handle these signals themselves:
	// rt re-raises the signal after flushing, which would cut short the
	// program's own graceful shutdown.
	HandleSignals bool
	// ExcludeRoutes are net/http ServeMux patterns whose requests are not
	// traced (the configuration's exclude.routes); see Excluded.
	ExcludeRoutes []string
}

// state is the configuration rt's init derived from the environment. It is
// written once, by that init, before any package that imports rt (and so
// any hook) is initialised, and only read afterwards.
var state *setup

func init() {
	// A failure here must not stop the program from starting; state stays
	// nil (every reader checks) or partly installed.
	defer Recover("init")
	s := newSetup(context.Background(), os.Getenv, os.Stdout)
	install(s)
	state = s
}

// install makes the SDK pieces of s the otel globals.
func install(s *setup) {
	if s.disabled {
		return
	}
	if s.propagator != nil {
		otel.SetTextMapPropagator(s.propagator)
	}
	if s.provider != nil {
		otel.SetTracerProvider(s.provider)
	}
}

var (
	startOnce sync.Once
	// started is the Config given to Start; a hook may read it while Start
	// runs on another goroutine.
	started atomic.Pointer[Config]
)

// Start records cfg and, if cfg.HandleSignals, starts flushing on SIGINT and
// SIGTERM. Only the first call has an effect. The SDK itself is already set
// up by then, by rt's package initialisation, so that spans started by the
// init functions of other packages are recorded too.
func Start(cfg Config) {
	defer Recover("Start")
	startOnce.Do(func() {
		started.Store(&cfg)
		excludeRoutes(cfg.ExcludeRoutes)
		if cfg.HandleSignals {
			handleSignals()
		}
	})
}

// PlanID returns the plan ID given to [Start], or "" before Start.
func PlanID() string {
	if cfg := started.Load(); cfg != nil {
		return cfg.PlanID
	}
	return ""
}

// AtMainReturn flushes and shuts down rt's TracerProvider, and flushes the
// program's own provider if it installed one, when main.main returns
// (normally or by a panic). It waits at most OTEL_BSP_EXPORT_TIMEOUT (5s by
// default): an unreachable or slow collector delays the end of the program
// by that much at worst.
func AtMainReturn() {
	defer Recover("AtMainReturn")
	if s := state; s != nil {
		s.shutdown()
	}
}
