// Command hello is a minimal net/http server: the plan must weave the
// server rule, os.Exit and main's return.
package main

import (
	"log"
	"net/http"
)

func main() {
	http.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("user " + r.PathValue("id") + "\n"))
	})
	log.Fatal(http.ListenAndServe("localhost:8080", nil))
}
