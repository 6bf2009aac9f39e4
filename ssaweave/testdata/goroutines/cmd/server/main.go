// Command server starts goroutines from its handlers.
package main

import (
	"context"
	"net/http"

	"example.com/gor/work"
)

func each[T any](ctx context.Context, items []T, f func(T)) {
	for _, it := range items {
		go f(it) // woven: each
	}
}

func handler(w http.ResponseWriter, r *http.Request) {
	go work.Fetch("http://example.com/a") // woven: direct
	go work.Compute(10)                   // pruned: quiet
	ctx := r.Context()
	go work.FetchCtx(ctx, "http://example.com/b") // pruned: receives
	go func() {                                   // woven: closure
		work.Fetch("http://example.com/c")
	}()
	var j work.Job = work.Loud{URL: "http://example.com/d"}
	if r.URL.Path == "/quiet" {
		j = work.Quiet{}
	}
	go j.Do() // woven: interface
	each(ctx, []string{"x"}, func(s string) { work.Fetch(s) })
	later = append(later, func() {
		go work.Fetch("http://example.com/g") // pruned: escaping
	})
	for _, f := range later {
		f()
	}
}

// later holds functions that outlive the request that made them.
var later []func()

func unused(ctx context.Context) {
	go work.Fetch("http://example.com/e") // pruned: unreachable
}

func background() {
	go work.Fetch("http://example.com/f") // pruned: no context
}

func main() {
	background()
	http.HandleFunc("/", handler)
	http.HandleFunc("/work", work.Handle)
	_ = http.ListenAndServe(":8080", nil)
}
