package nethttp

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ssaweave/ssaweave/rt/internal/route"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// routerHandler stands for a router behind the server hook: it reports
// route through the request's Labeler, as rt/gin and rt/chi do.
func routerHandler(tmpl string, status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		route.Record(route.Labeler(r.Context()), tmpl)
		w.WriteHeader(status)
	}
}

// TestRouterRoute checks that a route a router reported names the span
// and sets http.route, alone and behind a ServeMux whose pattern it
// refines, and that without one the ServeMux pattern still applies.
func TestRouterRoute(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/api/", routerHandler("/api/users/{id}", http.StatusOK))
	mux.Handle("GET /plain/{x}", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for _, c := range []struct {
		handler      http.HandlerFunc
		method, path string
		name, route  string
	}{
		{routerHandler("/users/:id", http.StatusOK), "GET", "/users/1", "GET /users/:id", "/users/:id"},
		{routerHandler("/users/:id", http.StatusOK), "delete", "/users/1", "DELETE /users/:id", "/users/:id"},
		{routerHandler("/users/:id", http.StatusOK), "PURGE", "/users/1", "HTTP /users/:id", "/users/:id"},
		{routerHandler("", http.StatusNotFound), "GET", "/nope", "GET", ""},
		{mux.ServeHTTP, "GET", "/api/users/1", "GET /api/users/{id}", "/api/users/{id}"},
		{mux.ServeHTTP, "GET", "/plain/1", "GET /plain/{x}", "/plain/{x}"},
	} {
		rec := useRecorder(t)
		serveHTTP(httptest.NewRecorder(), httptest.NewRequest(c.method, c.path, nil), c.handler)
		s := rec.Ended()[0]
		got, ok := attrMap(s.Attributes())["http.route"]
		if s.Name() != c.name || got.AsString() != c.route || ok != (c.route != "") {
			t.Errorf("%s %s: span %q with http.route %q (set %v), want %q with %q", c.method, c.path, s.Name(), got.AsString(), ok, c.name, c.route)
		}
	}
}

// TestSpanNameMatchesOtelhttp checks that the names spanName gives agree
// with otelhttp's own default where otelhttp names the span (no route, or
// a ServeMux pattern), for standard, lower-case and unknown methods.
func TestSpanNameMatchesOtelhttp(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/users/{id}", func(http.ResponseWriter, *http.Request) {})
	for _, method := range []string{"GET", "get", "POST", "OPTIONS", "TRACE", "CONNECT", "PURGE"} {
		for _, path := range []string{"/users/1", "/nope"} {
			rec := useRecorder(t)
			serveHTTP(httptest.NewRecorder(), httptest.NewRequest(method, path, nil), mux.ServeHTTP)
			otelhttp.NewHandler(mux, "").ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, path, nil))
			spans := rec.Ended()
			if len(spans) != 2 || spans[0].Name() != spans[1].Name() {
				t.Errorf("%s %s: woven %q, otelhttp %q", method, path, spans[0].Name(), spans[1].Name())
			}
		}
	}
}
