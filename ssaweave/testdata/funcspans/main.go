// Command funcspans selects function spans by directive and by
// configuration, and excludes code by directive, package and route.
package main

import (
	"context"
	"net/http"

	"example.com/funcspans/health"
	"example.com/funcspans/store"
)

func main() {
	s := store.New()
	http.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		load(r.Context(), s, r.PathValue("id"))
		render(w, r)
	})
	http.HandleFunc("GET /health", healthz)
	http.HandleFunc("GET /ready", ready)
	http.HandleFunc("GET /metrics", health.Metrics)
	http.ListenAndServe("127.0.0.1:8080", nil)
}

// load reads a user.
//
//ssaweave:span users.load
func load(ctx context.Context, s *store.Store, id string) (string, error) {
	return s.Get(ctx, id)
}

// render writes the response.
//
//ssaweave:span
func render(w http.ResponseWriter, _ *http.Request) {
	w.Write([]byte("ok"))
}

// healthz is excluded by route in ssaweave.yaml.
func healthz(w http.ResponseWriter, r *http.Request) {
	check()
}

// ready is ignored by directive.
//
//ssaweave:ignore
func ready(w http.ResponseWriter, r *http.Request) {
	probe()
}

// check is reached only from healthz.
//
//ssaweave:span
func check() {}

// probe is reached only from ready.
//
//ssaweave:span
func probe() {}

// unused is never called.
//
//ssaweave:span
func unused() {}
