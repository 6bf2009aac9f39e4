// Package chi reports the route pattern of every request a chi Mux routes
// ("/api/users/{id}", as chi's Context.RoutePattern gives it, including
// the patterns of mounted sub-routers) to the server span of the request,
// which the net/http server hook (rt/nethttp) then names
// "{method} {route}" and gives the http.route attribute, as the HTTP
// semantic conventions say.
//
// A woven chi calls the hook bound here from (*chi.Mux).routeHTTP, the
// method that finds the route and calls its handler, after the Mux's
// middlewares. A sub-router (Mount, Route) runs its own routeHTTP inside
// its parent's, on the same routing context; only the outermost call
// reports, after everything below it has routed, so the pattern is the
// full one. A request that matches no route reports nothing and keeps
// otelhttp's default name, "{method}"; one that matches a Mount but none
// of the sub-router's routes gets the mount pattern ("/api/*"), as chi's
// RoutePattern gives it to any middleware of the parent.
//
// The package is linked into a program by a blank import in the file the
// backend generates; it has no API.
package chi

import (
	"net/http"
	_ "unsafe" // for go:linkname

	"github.com/go-chi/chi/v5"
	"github.com/ssaweave/ssaweave/rt"
	"github.com/ssaweave/ssaweave/rt/internal/route"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// hookName names the hook in panic reports.
const hookName = "github.com/go-chi/chi/v5.(*Mux).routeHTTP"

// routeHook is called by a woven (*chi.Mux).routeHTTP with next running the
// method's original body, the Mux bound. The backend declares the variable
// in chi and pushes it to the linker; this declaration binds to the same
// symbol. When chi is not woven it is never read.
//
//go:linkname routeHook github.com/go-chi/chi/v5.ssaweaveHook_Mux_routeHTTP
var routeHook func(w http.ResponseWriter, r *http.Request, next func(http.ResponseWriter, *http.Request))

func init() {
	defer rt.Recover(hookName)
	routeHook = routeHTTP
}

// routeHTTP is the hook. chi routes inside next and calls the handler right
// after, so the pattern is known only once next returns; it is reported
// then. Nothing needs it earlier: child spans inherit no attributes from
// their parent, log correlation uses the span's IDs, and the span's name
// and attributes are read when it ends, after this.
//
// The report is deferred so that a request whose handler panics still gets
// its route: chi's Recoverer is a middleware, which runs around routeHTTP,
// and it turns the panic into a 500 response the span must describe. The
// panic itself is not recovered here and reaches Recoverer (or net/http)
// exactly as without the hook.
func routeHTTP(w http.ResponseWriter, r *http.Request, next func(http.ResponseWriter, *http.Request)) {
	l, rctx := outermost(r)
	if l == nil {
		next(w, r)
		return
	}
	defer report(l, rctx)
	next(w, r)
}

// outermost returns the Labeler of the otelhttp server span r is served in
// and r's chi routing context, if this is the outermost routeHTTP of the
// request: the routing context has no pattern yet (a parent router would
// have added its own). It returns nil when there is nothing to report to,
// when a parent router reports, or when r is not what chi itself would
// accept, in which case chi is left to behave as it does.
func outermost(r *http.Request) (*otelhttp.Labeler, *chi.Context) {
	defer rt.Recover(hookName)
	if r == nil || !rt.Active() {
		return nil, nil
	}
	rctx := chi.RouteContext(r.Context())
	if rctx == nil || len(rctx.RoutePatterns) > 0 {
		return nil, nil
	}
	// The context at entry, not after next: handlers may serve copies of r
	// whose contexts hold spans of their own.
	if l := route.Labeler(r.Context()); l != nil {
		return l, rctx
	}
	return nil, nil
}

// report records the pattern the routing matched, if any. It runs before
// the Mux returns the routing context to its pool.
func report(l *otelhttp.Labeler, rctx *chi.Context) {
	// Run during a handler's panic too: rt.Recover, deferred by this
	// function rather than by the one the panic unwinds, stops only a
	// panic of this function, never the program's.
	defer rt.Recover(hookName)
	route.Record(l, rctx.RoutePattern())
}
