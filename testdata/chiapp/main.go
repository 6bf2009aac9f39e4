// Command chiapp is a chi service with no tracing code of its own (in the
// default build): parameterised routes in a sub-router mounted under /api
// (Mount) with a nested route group (Route), a second mounted router, a
// route that panics under chi's Recoverer, and chi's 404s. ssaweave weaves
// the server span and names it after the full chi route pattern.
//
// The build tag manual makes the hand-instrumented variant the end-to-end
// tests compare the woven spans with (manual.go): otelhttp around the
// router plus the route pattern set by hand, the way chi documents it.
package main

import (
	"log"
	"net/http"
	"os"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

func newRouter(mw ...func(http.Handler) http.Handler) *chi.Mux {
	users := chi.NewRouter()
	users.Get("/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("user " + chi.URLParam(r, "id") + "\n"))
	})
	users.Route("/{id}/orders", func(r chi.Router) {
		r.Get("/{order}", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("order " + chi.URLParam(r, "order") + "\n"))
		})
	})
	users.Get("/{id}/boom", func(http.ResponseWriter, *http.Request) { panic("handler bug") })

	admin := chi.NewRouter()
	admin.Get("/stats", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{}\n")) })

	api := chi.NewRouter()
	api.Mount("/users", users)
	api.Mount("/admin", admin)

	root := chi.NewRouter()
	root.Use(mw...)
	root.Use(middleware.Recoverer)
	root.Get("/health", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	root.Mount("/api", api)
	return root
}

func main() {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	log.Printf("listening on %s", addr)
	log.Fatal(serve(addr))
}
