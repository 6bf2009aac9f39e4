//go:build !manual

package main

import (
	"database/sql"
	"log"
	"net/http"

	_ "modernc.org/sqlite"
)

// setup opens the database and returns it with the server's handler and
// what to do when the server has shut down: without instrumentation, the
// mux itself, and nothing.
func setup() (*sql.DB, func(http.Handler) http.Handler, func()) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		log.Fatal(err)
	}
	return db, func(h http.Handler) http.Handler { return h }, func() {}
}
