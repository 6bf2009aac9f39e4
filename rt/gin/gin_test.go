package gin

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/ssaweave/ssaweave/rt"
	"github.com/ssaweave/ssaweave/rt/internal/hooktest"
	"github.com/ssaweave/ssaweave/rt/internal/route"
	"go.opentelemetry.io/otel"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// woven returns a handler that serves requests with engine the way a woven
// gin does: Engine.ServeHTTP calls handleHTTPRequest, which calls the hook
// with the original body as next. HandleContext is that body, run on a
// fresh context of the engine.
func woven(engine *gin.Engine) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := gin.CreateTestContextOnly(w, engine)
		c.Request = r
		handleHook(c, engine.HandleContext)
		c.Writer.WriteHeaderNow()
	})
}

// newEngine is a service with a parameterised route, a route group, a
// route that forwards with HandleContext, and routes that panic.
func newEngine(recovery bool) *gin.Engine {
	e := gin.New()
	if recovery {
		e.Use(gin.Recovery())
	}
	e.GET("/users/:id", func(c *gin.Context) { c.String(http.StatusOK, "user %s", c.Param("id")) })
	v1 := e.Group("/v1")
	{
		v1.GET("/orders/:order/items/*path", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	}
	e.GET("/old/:id", func(c *gin.Context) {
		c.Request.URL.Path = "/users/" + c.Param("id")
		e.HandleContext(c)
	})
	e.GET("/boom", func(c *gin.Context) { panic("handler bug") })
	// A middleware of the program that starts a span of its own and
	// passes it on in c.Request: the route must still go to the server
	// span.
	e.GET("/traced/:id", func(c *gin.Context) {
		ctx, span := otel.Tracer("program").Start(c.Request.Context(), "inner")
		defer span.End()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}, func(c *gin.Context) { c.Status(http.StatusAccepted) })
	return e
}

func TestRoutes(t *testing.T) {
	h := woven(newEngine(true))
	for _, c := range []struct {
		method, path string
		status       int
		name, route  string // route "" means no http.route
	}{
		{"GET", "/users/42", 200, "GET /users/:id", "/users/:id"},
		{"GET", "/v1/orders/7/items/a/b", 204, "GET /v1/orders/:order/items/*path", "/v1/orders/:order/items/*path"},
		{"GET", "/old/42", 200, "GET /users/:id", "/users/:id"},
		{"GET", "/traced/1", 202, "GET /traced/:id", "/traced/:id"},
		{"GET", "/nope", 404, "GET", ""},
		{"POST", "/users/42", 404, "POST", ""},
		{"GET", "/boom", 500, "GET /boom", "/boom"},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			rec := hooktest.UseRecorder(t)
			w := hooktest.Serve(t, h, httptest.NewRequest(c.method, c.path, nil))
			if w.Code != c.status {
				t.Errorf("status %d, want %d", w.Code, c.status)
			}
			s := hooktest.ServerSpan(t, rec)
			if s.Name() != c.name {
				t.Errorf("span name %q, want %q", s.Name(), c.name)
			}
			route, ok := hooktest.Attr(s, "http.route")
			if route != c.route || ok != (c.route != "") {
				t.Errorf("http.route = %q (set %v), want %q", route, ok, c.route)
			}
		})
	}
}

// TestBehindServeMux checks a gin engine mounted on a ServeMux pattern:
// gin's route is the more specific and must win over the pattern, in the
// name and in http.route.
func TestBehindServeMux(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/", woven(newEngine(true)))
	rec := hooktest.UseRecorder(t)
	hooktest.Serve(t, mux, httptest.NewRequest("GET", "/users/42", nil))
	s := hooktest.ServerSpan(t, rec)
	if route, _ := hooktest.Attr(s, "http.route"); s.Name() != "GET /users/:id" || route != "/users/:id" {
		t.Errorf("span %q with http.route %q, want gin's route over the ServeMux pattern", s.Name(), route)
	}
	// A request gin does not route keeps the ServeMux's pattern.
	rec = hooktest.UseRecorder(t)
	hooktest.Serve(t, mux, httptest.NewRequest("GET", "/nope", nil))
	s = hooktest.ServerSpan(t, rec)
	if route, _ := hooktest.Attr(s, "http.route"); s.Name() != "GET /" || route != "/" {
		t.Errorf("span %q with http.route %q, want the ServeMux pattern /", s.Name(), route)
	}
}

// TestPanicPropagates checks that without gin's Recovery a handler's
// panic reaches net/http with its own value, is not counted as a hook
// panic, and that the route was reported all the same.
func TestPanicPropagates(t *testing.T) {
	rec := hooktest.UseRecorder(t)
	before := rt.HookPanics()
	var reported string
	// Observe the Labeler from inside the server span, below the hook, as
	// the panic unwinds.
	h := woven(newEngine(false))
	got := func() (v any) {
		defer func() { v = recover() }()
		hooktest.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() { reported = routeOf(r.Context()) }()
			h.ServeHTTP(w, r)
		}), httptest.NewRequest("GET", "/boom", nil))
		return nil
	}()
	if got != "handler bug" {
		t.Errorf("panic reached net/http as %v, want the handler's", got)
	}
	if rt.HookPanics() != before {
		t.Error("the program's panic was counted as a hook panic")
	}
	if reported != "/boom" {
		t.Errorf("route reported during the panic = %q, want /boom", reported)
	}
	if n := len(rec.Ended()); n != 1 {
		t.Errorf("%d spans ended, want 1", n)
	}
}

// TestWithoutServerSpan checks that gin works unchanged, and the hook does
// nothing, when the request is not served inside the server hook.
func TestWithoutServerSpan(t *testing.T) {
	hooktest.UseRecorder(t)
	w := httptest.NewRecorder()
	woven(newEngine(true)).ServeHTTP(w, httptest.NewRequest("GET", "/users/7", nil))
	if w.Code != 200 || w.Body.String() != "user 7" {
		t.Errorf("response %d %q", w.Code, w.Body.String())
	}
}

// TestNilRequest checks that a context gin itself would fail on fails the
// same way, inside gin, not in the hook.
func TestNilRequest(t *testing.T) {
	before := rt.HookPanics()
	e := newEngine(true)
	c := gin.CreateTestContextOnly(httptest.NewRecorder(), e)
	got := func() (v any) {
		defer func() { v = recover() }()
		handleHook(c, e.HandleContext)
		return nil
	}()
	if got == nil {
		t.Error("gin with a nil request should panic as it does unwoven")
	}
	if rt.HookPanics() != before {
		t.Error("the hook panicked")
	}
}

func TestHookIsBound(t *testing.T) {
	if handleHook == nil {
		t.Fatal("init did not set the gin hook")
	}
}

func routeOf(ctx context.Context) string {
	return route.Of(ctx)
}

// BenchmarkRouted measures a routed request served through the net/http
// server hook, with the gin hook (reports the route) and without it (the
// engine's own routing as next directly), to show what the route costs.
func BenchmarkRouted(b *testing.B) {
	e := newEngine(true)
	req := httptest.NewRequest("GET", "/users/42", nil)
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{
		{"hook", woven(e)},
		{"nohook", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c := gin.CreateTestContextOnly(w, e)
			c.Request = r
			e.HandleContext(c)
		})},
	} {
		b.Run(bc.name, func(b *testing.B) {
			hooktest.UseRecorder(b)
			b.ReportAllocs()
			for b.Loop() {
				hooktest.Serve(b, bc.h, req)
			}
		})
	}
}
