// Package hello serves greetings.
package hello

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"example.com/buildmodes/internal/native"
	"example.com/greeter"
)

// Handler serves GET /hello/{name}.
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		msg, err := greet(r.Context(), r.PathValue("name"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintln(w, msg)
	})
	return mux
}

// greet builds the greeting, in a span of its own: the rewrite of a
// package of the program, which coverage, -trimpath and the test variant
// of this package must all keep.
//
//ssaweave:span
func greet(ctx context.Context, name string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if name == "" {
		return "", errors.New("no name")
	}
	return greeter.Greet(name) + " from " + native.Origin(), nil
}
