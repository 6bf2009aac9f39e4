// Package main exercises the go statements GoStatements classifies. Each
// go statement is followed by a comment naming its case, which the test
// looks up.
package main

import (
	"context"
	"net/http"
	"sync"
)

type server struct {
	ctx context.Context
	n   int
}

func (s *server) run(n int) {}

type plain struct{ n int }

func (p plain) run(n int) {}

type runner interface{ run(int) }

func worker(id int)                       {}
func withCtx(ctx context.Context, id int) {}
func withReq(r *http.Request)             {}
func withJobs(jobs chan *http.Request)    {}
func generic[T any](ctx context.Context, v T) {
	go worker(1) // case: generic
}

var pkgCtx = context.Background()

var initClosure = func() {
	go worker(2) // case: package var
}

func handler(w http.ResponseWriter, r *http.Request) {
	go worker(3) // case: request in scope
	ctx := r.Context()
	go worker(4)       // case: ctx after request
	go withCtx(ctx, 5) // case: argument
	go withReq(r)      // case: request argument
	go func() {        // case: closure captures ctx
		withCtx(ctx, 6)
	}()
	go func() { // case: closure without context
		worker(7)
	}()
	{
		ctx := 8
		go worker(ctx) // case: shadowed by int
	}
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func(id int) { // case: loop closure
			defer wg.Done()
			worker(id)
		}(i)
	}
	wg.Wait()
	run := func() {
		go worker(9) // case: nested closure
	}
	run()
	(&server{ctx: ctx}).run(1)
	s := &server{ctx: ctx}
	go s.run(10)       // case: receiver with context
	go plain{}.run(11) // case: receiver without context
	var rn runner = plain{}
	go rn.run(12) // case: interface call
	f := s.run
	go f(13) // case: bound method value
	jobs := make(chan *http.Request)
	go withJobs(jobs) // case: channel of requests
	go worker(14)     // case: before later ctx
	ctx2, cancel := context.WithCancel(ctx)
	defer cancel()
	_ = ctx2
	generic(ctx, 1)
}

var later []func()

func escaping(ctx context.Context) {
	later = append(later, func() {
		go worker(20) // case: escaping literal
	})
	go func() { // case: outer receives ctx
		_ = ctx
		go worker(21) // case: literal captures ctx
	}()
	go func() { // case: outer go literal
		go worker(22) // case: go literal
	}()
	defer func() {
		go worker(23) // case: deferred literal
	}()
}

func background() {
	go worker(15) // case: no context
	_ = pkgCtx
}

func main() {
	http.HandleFunc("/", handler)
	background()
	escaping(context.Background())
	initClosure()
	_ = http.ListenAndServe(":0", nil)
}
