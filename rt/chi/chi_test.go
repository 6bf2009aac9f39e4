package chi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/ssaweave/ssaweave/rt"
	"github.com/ssaweave/ssaweave/rt/internal/hooktest"
	"github.com/ssaweave/ssaweave/rt/internal/route"
	"go.opentelemetry.io/otel"
)

// woven stands for a woven Mux in this test binary, where chi is not
// woven. A woven Mux.ServeHTTP puts a routing context in the request (the
// outermost Mux only; sub-routers share it) and runs the Mux's
// middlewares, then routeHTTP calls the hook with its original body as
// next. chi exports no way to call routeHTTP alone, but Mux.ServeHTTP on a
// request that already has a routing context runs exactly the Mux's
// middlewares and routeHTTP; the routers below have no middlewares of
// their own (Recoverer is applied outside, where chi would run it), so
// that is the body of routeHTTP.
func woven(m *chi.Mux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if chi.RouteContext(r.Context()) == nil {
			r = r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, chi.NewRouteContext()))
		}
		routeHook(w, r, m.ServeHTTP)
	})
}

// newRouter is a service with a parameterised route in a mounted
// sub-router (Mount), a nested route group (Route), a route with a
// middleware that starts a span of the program's, and a route that panics.
func newRouter() http.Handler {
	users := chi.NewRouter()
	users.Get("/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("user " + chi.URLParam(r, "id")))
	})
	users.Get("/{id}/boom", func(http.ResponseWriter, *http.Request) { panic("handler bug") })
	users.With(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, span := otel.Tracer("program").Start(r.Context(), "inner")
			defer span.End()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}).Get("/{id}/traced", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })

	api := chi.NewRouter()
	api.Mount("/users", woven(users))
	api.Route("/orders/{order}", func(r chi.Router) {
		r.Get("/items/*", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	})

	root := chi.NewRouter()
	root.Mount("/api", woven(api))
	root.Get("/health", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	return woven(root)
}

func TestRoutes(t *testing.T) {
	h := middleware.Recoverer(newRouter())
	for _, c := range []struct {
		method, path string
		status       int
		name, route  string // route "" means no http.route
	}{
		{"GET", "/api/users/42", 200, "GET /api/users/{id}", "/api/users/{id}"},
		{"GET", "/api/orders/7/items/a/b", 204, "GET /api/orders/{order}/items/*", "/api/orders/{order}/items/*"},
		{"GET", "/api/users/1/traced", 202, "GET /api/users/{id}/traced", "/api/users/{id}/traced"},
		{"GET", "/health", 200, "GET /health", "/health"},
		{"GET", "/nope", 404, "GET", ""},
		{"POST", "/health", 405, "POST", ""},
		// The mount matched, the sub-router did not: chi's RoutePattern
		// is the mount's, as any middleware of the root would see it.
		{"GET", "/api/nope", 404, "GET /api/*", "/api/*"},
		// Recoverer turns the panic into a 500 above the hook; the span
		// keeps the route.
		{"GET", "/api/users/1/boom", 500, "GET /api/users/{id}/boom", "/api/users/{id}/boom"},
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

// TestOutermostReports checks that nested routings report the route once,
// the full pattern, so the server's metrics get one http.route.
func TestOutermostReports(t *testing.T) {
	hooktest.UseRecorder(t)
	h := newRouter()
	var got []string
	hooktest.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		l := route.Labeler(r.Context())
		for _, kv := range l.Get() {
			got = append(got, string(kv.Key)+"="+kv.Value.String())
		}
	}), httptest.NewRequest("GET", "/api/users/42", nil))
	if len(got) != 1 || got[0] != "http.route=/api/users/{id}" {
		t.Errorf("labeler holds %q, want one http.route=/api/users/{id}", got)
	}
}

// TestBehindServeMux checks a chi router mounted on a ServeMux pattern:
// chi's pattern is the more specific and must win, in the name and in
// http.route.
func TestBehindServeMux(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/api/", newRouter())
	rec := hooktest.UseRecorder(t)
	hooktest.Serve(t, mux, httptest.NewRequest("GET", "/api/users/42", nil))
	s := hooktest.ServerSpan(t, rec)
	if route, _ := hooktest.Attr(s, "http.route"); s.Name() != "GET /api/users/{id}" || route != "/api/users/{id}" {
		t.Errorf("span %q with http.route %q, want chi's pattern over the ServeMux pattern", s.Name(), route)
	}
}

// TestPanicPropagates checks that without Recoverer a handler's panic
// reaches net/http with its own value and is not counted as a hook panic.
func TestPanicPropagates(t *testing.T) {
	rec := hooktest.UseRecorder(t)
	before := rt.HookPanics()
	h := newRouter()
	got := func() (v any) {
		defer func() { v = recover() }()
		hooktest.Serve(t, h, httptest.NewRequest("GET", "/api/users/1/boom", nil))
		return nil
	}()
	if got != "handler bug" {
		t.Errorf("panic reached net/http as %v, want the handler's", got)
	}
	if rt.HookPanics() != before {
		t.Error("the program's panic was counted as a hook panic")
	}
	if n := len(rec.Ended()); n != 1 {
		t.Errorf("%d spans ended, want 1", n)
	}
}

// TestRecovererSeesPanicValue checks that Recoverer above the hook gets
// the handler's panic, not one of the hook: it re-panics
// http.ErrAbortHandler, which must therefore arrive unchanged.
func TestRecovererSeesPanicValue(t *testing.T) {
	hooktest.UseRecorder(t)
	r := chi.NewRouter()
	r.Get("/abort", func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })
	got := func() (v any) {
		defer func() { v = recover() }()
		hooktest.Serve(t, middleware.Recoverer(woven(r)), httptest.NewRequest("GET", "/abort", nil))
		return nil
	}()
	if got != http.ErrAbortHandler {
		t.Errorf("Recoverer re-panicked %v, want http.ErrAbortHandler", got)
	}
}

// TestWithoutServerSpan checks that chi works unchanged, and the hook does
// nothing, when the request is not served inside the server hook.
func TestWithoutServerSpan(t *testing.T) {
	hooktest.UseRecorder(t)
	w := httptest.NewRecorder()
	newRouter().ServeHTTP(w, httptest.NewRequest("GET", "/api/users/7", nil))
	if w.Code != 200 || w.Body.String() != "user 7" {
		t.Errorf("response %d %q", w.Code, w.Body.String())
	}
}

// TestNoRoutingContext checks that a request chi itself would fail on
// (routeHTTP without a routing context) fails the same way, inside chi,
// not in the hook.
func TestNoRoutingContext(t *testing.T) {
	before := rt.HookPanics()
	got := func() (v any) {
		defer func() { v = recover() }()
		routeHook(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), func(w http.ResponseWriter, r *http.Request) {
			_ = r.Context().Value(chi.RouteCtxKey).(*chi.Context) // as routeHTTP does
		})
		return nil
	}()
	if got == nil {
		t.Error("routing without a routing context should panic as it does unwoven")
	}
	if rt.HookPanics() != before {
		t.Error("the hook panicked")
	}
}

func TestHookIsBound(t *testing.T) {
	if routeHook == nil {
		t.Fatal("init did not set the chi hook")
	}
}
