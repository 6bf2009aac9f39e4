// Package fetch sends requests. This file is left out of the
// instrumentation as a whole: every function in it is an excluded root.
//
//ssaweave:ignore
package fetch

import (
	"context"
	"net/http"
)

// Fetch is the only way cmd/optout sends a request.
func Fetch(url string) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	return decode(resp)
}

// Report asks for a span, which the file's ignore overrides.
//
//ssaweave:span
func Report(ctx context.Context) error { return ctx.Err() }

// Head has a context in scope, but it is in the ignored file: neither its
// call of a context-free API nor its go statement may be woven, although
// cmd/control weaves the HTTP client.
func Head(ctx context.Context, url string) int {
	codes := make(chan int, 1)
	go get(url, codes)
	if resp, err := http.Head(url); err == nil {
		resp.Body.Close()
	}
	return <-codes
}

// get sends the status of a GET of url to codes.
func get(url string, codes chan<- int) {
	resp, err := http.Get(url)
	if err != nil {
		codes <- 0
		return
	}
	resp.Body.Close()
	codes <- resp.StatusCode
}
