// Command server is a small net/http service with no tracing code at all:
// ssaweave weaves it in.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"

	"example.com/httpserver/internal/users"
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
	mux.HandleFunc("POST /quit", func(w http.ResponseWriter, r *http.Request) {
		log.Print("quit requested")
		os.Exit(3)
	})
	log.Printf("listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, mux))
}
