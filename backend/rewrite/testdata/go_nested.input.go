package p

import (
	"context"
	"sync"
)

type Worker struct{ n int }

func (w *Worker) Run(id int) {}

func work(id int) {}

// Serve starts goroutines in the places a go statement can be.
func Serve(ctx context.Context, ids []int) {
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		// One goroutine per id.
		go func(id int) { // in a loop
			defer wg.Done()
			work(id)
		}(id)
	}
	wg.Wait()

	run := func() {
		go work(1) // in a closure
	}
	run()

	h, restore := 1, 2
	go work(h + restore) // locals named h and restore

	w := &Worker{}
	go w.Run(3) // method value call
	f := w.Run
	go f(4)

	if len(ids) > 0 { go work(5) }

	switch len(ids) {
	case 0:
		go work(6)
	}
	select {
	default:
		go work(7)
	}
}

// Retry has a goto: its go statements are wrapped in blocks.
func Retry(ctx context.Context, n int) {
again:
	go work(8)
	n--
	go func() { work(n) }() // after goto
	if n > 0 {
		goto again
	}
}

// Generic starts a goroutine from a generic function.
func Generic[T any](ctx context.Context, v T, f func(T)) {
	go f(v)
}

// Nested starts a goroutine that starts one.
func (w *Worker) Nested(ctx context.Context) {
	go func() { // outer
		go work(w.n)
	}()
}
