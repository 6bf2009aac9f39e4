// Package gin reports the route template of every request a gin Engine
// routes ("/users/:id", as gin's Context.FullPath gives it) to the server
// span of the request, which the net/http server hook (rt/nethttp) then
// names "{method} {route}" and gives the http.route attribute, as the
// HTTP semantic conventions and the contrib instrumentations do.
//
// A woven gin calls the hook bound here from (*gin.Engine).handleHTTPRequest,
// the method that routes and serves each request of Engine.ServeHTTP (and of
// Engine.HandleContext). A request that matches no route (404, 405, a
// trailing-slash redirect) reports nothing and keeps otelhttp's default
// name, "{method}".
//
// The package is linked into a program by a blank import in the file the
// backend generates; it has no API.
package gin

import (
	_ "unsafe" // for go:linkname

	"github.com/gin-gonic/gin"
	"github.com/ssaweave/ssaweave/rt"
	"github.com/ssaweave/ssaweave/rt/internal/route"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// hookName names the hook in panic reports.
const hookName = "github.com/gin-gonic/gin.(*Engine).handleHTTPRequest"

// handleHook is called by a woven (*gin.Engine).handleHTTPRequest with next
// running the method's original body, the engine bound. The backend
// declares the variable in gin and pushes it to the linker; this
// declaration binds to the same symbol. When gin is not woven it is never
// read.
//
//go:linkname handleHook github.com/gin-gonic/gin.ssaweaveHook_Engine_handleHTTPRequest
var handleHook func(c *gin.Context, next func(*gin.Context))

func init() {
	defer rt.Recover(hookName)
	handleHook = handleHTTPRequest
}

// handleHTTPRequest is the hook. gin routes inside next and runs the
// handlers right after, so the route is known only once next returns; it
// is reported then. Nothing needs it earlier: child spans inherit no
// attributes from their parent, log correlation uses the span's IDs, and
// the span's name and attributes are read when it ends, after this.
//
// The report is deferred so that a request whose handler panics still gets
// its route when something above gin recovers, as net/http does; the panic
// itself is not recovered here and reaches the program's own recovery (gin's
// Recovery middleware runs inside next) exactly as without the hook.
func handleHTTPRequest(c *gin.Context, next func(*gin.Context)) {
	l := labeler(c)
	if l == nil {
		next(c)
		return
	}
	defer report(l, c)
	next(c)
}

// labeler returns the Labeler of the otelhttp server span c is served in,
// or nil when there is none (no server hook, no SDK) or c is not what gin
// itself would accept, in which case gin is left to behave as it does.
func labeler(c *gin.Context) *otelhttp.Labeler {
	defer rt.Recover(hookName)
	if c == nil || c.Request == nil || !rt.Active() {
		return nil
	}
	// The context at entry, not after next: handlers may replace
	// c.Request with one whose context holds spans of their own.
	return route.Labeler(c.Request.Context())
}

// report records the route gin matched, if any. After HandleContext the
// route is that of the last routing, which is the one that served the
// request; nested calls record the same value once.
func report(l *otelhttp.Labeler, c *gin.Context) {
	// Run during a handler's panic too: rt.Recover, deferred by this
	// function rather than by the one the panic unwinds, stops only a
	// panic of this function, never the program's.
	defer rt.Recover(hookName)
	route.Record(l, c.FullPath())
}
