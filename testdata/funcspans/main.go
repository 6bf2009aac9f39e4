// Command funcspans is a service whose own functions get spans from
// //ssaweave:span directives and from ssaweave.yaml, and whose health check
// and debug handler are excluded from tracing.
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"

	"example.com/funcspans/store"
)

var users = store.New()

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", getUser)
	mux.HandleFunc("GET /health", health)
	mux.HandleFunc("GET /debug", debug)
	srv := &http.Server{Addr: os.Getenv("ADDR"), Handler: mux}
	srv.ListenAndServe()
}

func getUser(w http.ResponseWriter, r *http.Request) {
	name, err := lookup(r.Context(), r.PathValue("id"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	render(w, r, name)
}

// lookup finds a user; its span is a child of the server span, and the
// store's span a child of it.
//
//ssaweave:span users.lookup
func lookup(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", errors.New("empty id")
	}
	return users.Get(ctx, id)
}

// render writes the page; its parent comes from the request.
//
//ssaweave:span
func render(w http.ResponseWriter, r *http.Request, name string) {
	fmt.Fprintln(w, greeting(name))
}

// health is excluded by route in ssaweave.yaml: no span at all, not even
// the function span of check.
func health(w http.ResponseWriter, r *http.Request) {
	check(r.Context())
	fmt.Fprintln(w, "ok")
}

// check would have a span, but only health calls it.
//
//ssaweave:span
func check(ctx context.Context) error { return nil }

// debug is ignored: what only it reaches gets no span.
//
//ssaweave:ignore
func debug(w http.ResponseWriter, r *http.Request) {
	dump(r.Context())
	fmt.Fprintln(w, "debug")
}

// dump is reached only from debug.
//
//ssaweave:span
func dump(ctx context.Context) {}

// greeting takes no context: ssaweave weaves its call in render, where r
// is in scope, so that its span is a child of render's.
//
//ssaweave:span
func greeting(name string) string { return "hello " + name }
