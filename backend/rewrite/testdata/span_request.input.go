package handlers

import (
	"fmt"
	stdhttp "net/http"
)

// Hello takes the parent from the request and returns nothing.
func Hello(w stdhttp.ResponseWriter, r *stdhttp.Request) {
	fmt.Fprintln(w, "hello", r.URL.Path)
}

// Blank ignores its request, which the rewrite must name to pass it on.
func Blank(w stdhttp.ResponseWriter, _ *stdhttp.Request) error {
	_, err := fmt.Fprintln(w, "blank")
	return err
}
