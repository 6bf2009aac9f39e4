// Package nethttp traces every request that a net/http server serves.
//
// A woven net/http calls the hook bound here from serverHandler.ServeHTTP,
// the method every connection of every http.Server (and so
// http.ListenAndServe) passes each request through. The hook wraps the rest
// of that method, the program's handler, in the official otelhttp server
// instrumentation, so the spans carry exactly the attributes otelhttp
// gives them, plus http.route and the "{method} {route}" name, the route
// being the one a router hook reported (rt/gin, rt/chi, through
// rt/internal/route) or else the http.ServeMux pattern that matched.
//
// The package is linked into a program by a blank import in the file the
// backend generates; it has no API.
package nethttp

import (
	"net/http"
	"strings"
	"sync"
	_ "unsafe" // for go:linkname

	"github.com/ssaweave/ssaweave/rt"
	"github.com/ssaweave/ssaweave/rt/internal/route"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// hookName names the hook in panic reports.
const hookName = "net/http.serverHandler.ServeHTTP"

// serverHook is called by a woven serverHandler.ServeHTTP with next
// running the method's original body. The backend declares the variable in
// net/http and pushes it to the linker; this declaration binds to the same
// symbol. When net/http is not woven it is never read.
//
//go:linkname serverHook net/http.ssaweaveHook_serverHandler_ServeHTTP
var serverHook func(rw http.ResponseWriter, req *http.Request, next func(http.ResponseWriter, *http.Request))

// middleware is otelhttp's server instrumentation, built once: building it
// resolves options and creates metric instruments, which must not happen
// per request. Its tracer and propagator are rt's dynamic ones, so the
// spans follow whatever provider and propagator are global at the time of
// each request, including ones the program installs itself. nil if
// building it failed, in which case requests are served uninstrumented.
var middleware func(http.Handler) http.Handler

func init() {
	defer rt.Recover(hookName)
	middleware = otelhttp.NewMiddleware("",
		otelhttp.WithTracerProvider(rt.TracerProvider()),
		otelhttp.WithPropagators(rt.Propagator()),
		otelhttp.WithSpanNameFormatter(spanName),
	)
	serverHook = serveHTTP
}

// phase is how far a request has got into the program's handler; it tells
// a panic of the instrumentation from one of the program.
type phase uint8

const (
	beforeNext phase = iota // instrumentation has not called the handler yet
	inNext                  // the handler is running (or panicked)
	afterNext               // the handler returned normally
)

// call carries one request's next function through otelhttp, which only
// accepts a fixed http.Handler. Calls are pooled, each with the otelhttp
// handler bound to it, so that the hook allocates nothing beyond what
// otelhttp itself does.
type call struct {
	next    func(http.ResponseWriter, *http.Request)
	handler http.Handler
	phase   phase
	// route is the argument list of the SetAttributes call that adds
	// http.route. A list built at the call escapes through the Span
	// interface: one allocation per request, the only one the hook added
	// to otelhttp's.
	route [1]attribute.KeyValue
}

var calls = sync.Pool{New: func() any {
	c := new(call)
	c.handler = middleware(c)
	return c
}}

// ServeHTTP runs inside otelhttp's span. r is the request otelhttp passes
// on, a copy carrying the span's context; the handler receives it, so a
// ServeMux records the matched pattern in it.
func (c *call) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.phase = inNext
	c.next(w, r)
	c.phase = afterNext
	c.recordRoute(r)
}

// recordRoute puts the route of the handled request r on the server span.
// otelhttp sets no http.route (the route is unknown when the span starts),
// and renames the span only when the request has a ServeMux pattern,
// through spanName; a route from a router behind another handler needs
// the name set here.
func (c *call) recordRoute(r *http.Request) {
	tmpl := requestRoute(r)
	if tmpl == "" {
		return
	}
	span := trace.SpanFromContext(r.Context())
	// Span implementations copy what SetAttributes is given (the SDK
	// appends it to the span's own list), as every caller that passes a
	// reused slice relies on; the entry is cleared again so that a pooled
	// call does not keep the route string alive.
	c.route[0] = semconv.HTTPRoute(tmpl)
	span.SetAttributes(c.route[:]...)
	c.route[0] = attribute.KeyValue{}
	if r.Pattern == "" {
		span.SetName(route.SpanName(r.Method, tmpl))
	}
}

// requestRoute returns the route of a request that has been handled: the
// one a router reported, which is the most specific (a gin or chi router
// mounted on a ServeMux pattern such as "/api/" knows the full template),
// or else the ServeMux pattern's path.
func requestRoute(r *http.Request) string {
	if tmpl := route.Of(r.Context()); tmpl != "" {
		return tmpl
	}
	return httpRoute(r.Pattern)
}

// spanName is otelhttp's span name formatter. otelhttp calls it when the
// span starts, before any routing, and again after the handler when the
// request has a ServeMux pattern; it returns otelhttp's default name
// except that a router's route takes precedence over the pattern, so that
// a ServeMux in front of a router does not undo the router's name.
func spanName(_ string, r *http.Request) string {
	if r.Pattern == "" {
		// The start of the span: nothing is routed yet (and there is no
		// Labeler to look into).
		return route.SpanName(r.Method, "")
	}
	if !trace.SpanFromContext(r.Context()).IsRecording() {
		// The name would be dropped; skip the Labeler lookup, which
		// allocates when the context has none (a request re-served with
		// its Pattern already set has none at the start of the span).
		return route.SpanName(r.Method, httpRoute(r.Pattern))
	}
	return route.SpanName(r.Method, requestRoute(r))
}

// serveHTTP is the hook: it serves req through next inside a server span.
// Panics of the instrumentation are recovered, counted and reported once;
// if the handler had not run yet it then runs uninstrumented. Panics of the
// handler itself (http.ErrAbortHandler included) are left alone for
// net/http to deal with as it would without ssaweave.
func serveHTTP(rw http.ResponseWriter, req *http.Request, next func(http.ResponseWriter, *http.Request)) {
	if middleware == nil || !rt.Active() {
		// Nothing can record spans: skip otelhttp's per-request work.
		next(rw, req)
		return
	}
	if excluded(req) {
		// A route the configuration excludes (health checks): no span,
		// and none below it either.
		next(rw, req.WithContext(rt.Suppress(req.Context())))
		return
	}
	c := calls.Get().(*call)
	c.next, c.phase = next, beforeNext
	defer func() {
		if c.phase == inNext {
			// The handler panicked or called runtime.Goexit. Not calling
			// recover lets it go on; c is not pooled again (it is cheap
			// to make, and the unwinding may still be using it).
			return
		}
		if v := recover(); v != nil {
			rt.ReportPanic(hookName, v)
			if c.phase == beforeNext {
				c.next = nil
				next(rw, req)
				return
			}
		}
		c.next = nil
		calls.Put(c)
	}()
	c.handler.ServeHTTP(rw, req)
}

// excluded reports whether req matches an excluded route; a panic there
// means not excluded.
func excluded(req *http.Request) (ex bool) {
	defer rt.Recover(hookName)
	return rt.Excluded(req)
}

// httpRoute returns the path part of a ServeMux pattern
// ("[METHOD ][HOST]/PATH"), which is what HTTP semantic conventions call
// the route. A host cannot contain a slash, so the path starts at the
// first one; this is the same rule otelhttp applies to the span name.
func httpRoute(pattern string) string {
	if i := strings.IndexByte(pattern, '/'); i >= 0 {
		return pattern[i:]
	}
	return ""
}
