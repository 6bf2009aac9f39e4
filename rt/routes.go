package rt

import (
	"context"
	"net/http"
	"sync/atomic"
)

// excluded matches requests against the excluded routes. It is an
// http.ServeMux because the routes are ServeMux patterns: matching them
// exactly as net/http does (methods, hosts, wildcards, precedence) is
// net/http's job, not something to write again. nil when no route is
// excluded, so that the common case costs one atomic load.
var excluded atomic.Pointer[http.ServeMux]

// excludeRoutes installs the excluded routes. A pattern the mux rejects
// is skipped (the planner validated them; a panic must not stop Start).
func excludeRoutes(routes []string) {
	if len(routes) == 0 {
		return
	}
	mux := http.NewServeMux()
	for _, r := range routes {
		func() {
			defer func() { _ = recover() }()
			mux.HandleFunc(r, func(http.ResponseWriter, *http.Request) {})
		}()
	}
	excluded.Store(mux)
}

// Excluded reports whether r matches one of the routes the configuration
// excludes from tracing. Server hooks call it before starting a span, and
// then serve the request under Suppress.
func Excluded(r *http.Request) bool {
	mux := excluded.Load()
	if mux == nil {
		return false
	}
	_, pattern := mux.Handler(r)
	return pattern != ""
}

// suppressKey marks a context whose work is not traced.
type suppressKey struct{}

// Suppress returns ctx marked so that no span starts under it through rt's
// tracer: the spans of every hook below an excluded request are dropped
// with the request's own.
func Suppress(ctx context.Context) context.Context {
	return context.WithValue(ctx, suppressKey{}, true)
}

// Suppressed reports whether ctx was marked by Suppress.
func Suppressed(ctx context.Context) bool {
	if ctx == nil {
		return false
	}
	v, _ := ctx.Value(suppressKey{}).(bool)
	return v
}
