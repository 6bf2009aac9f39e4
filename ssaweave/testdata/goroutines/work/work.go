// Package work has the goroutines' bodies, and a handler of its own.
package work

import (
	"context"
	"net/http"
)

// Fetch sends a request: it makes a client span.
func Fetch(url string) {
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
	}
}

// FetchCtx sends a request with the context it is given.
func FetchCtx(ctx context.Context, url string) {
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
}

// Compute makes no span.
func Compute(n int) int {
	s := 0
	for i := range n {
		s += i
	}
	return s
}

// Job is run by a goroutine through an interface.
type Job interface{ Do() }

// Quiet does nothing traced.
type Quiet struct{}

// Do implements Job.
func (Quiet) Do() { Compute(3) }

// Loud fetches.
type Loud struct{ URL string }

// Do implements Job.
func (l Loud) Do() { Fetch(l.URL) }

// Handle is a handler declared outside package main.
func Handle(w http.ResponseWriter, r *http.Request) {
	go Fetch("http://example.com/") // woven: Handle
}
