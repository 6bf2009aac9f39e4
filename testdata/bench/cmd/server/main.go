// Command server is the service of testdata/httpserver (the same routes
// and handlers) arranged for the benchmarks in benchmarks/: built plainly
// it has no tracing code and ssaweave weaves it; built with the tag manual
// it instruments itself by hand, with the SDK setup of ssaweave's runtime,
// so that plain, woven and hand-instrumented builds of one program can be
// compared.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"

	"example.com/bench/internal/users"
)

func main() {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", users.Get)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	log.Printf("listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, instrument(mux)))
}
