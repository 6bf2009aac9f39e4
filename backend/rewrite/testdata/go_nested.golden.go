//line /ssaweave/testdata/go_nested.go:1:1
package p

//line /ssaweave/testdata/go_nested.go:3:1
import (
	"context"
	"sync"
)

//line /ssaweave/testdata/go_nested.go:1:1
import _ "unsafe"

//line /ssaweave/testdata/go_nested.go:8:1
type Worker struct{ n int }

//line /ssaweave/testdata/go_nested.go:10:1
func (w *Worker) Run(id int) {}

//line /ssaweave/testdata/go_nested.go:12:1
func work(id int) {}

// Serve starts goroutines in the places a go statement can be.
//
//line /ssaweave/testdata/go_nested.go:15:1
func Serve(ctx context.Context, ids []int) {
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		// One goroutine per id.
		/*line /ssaweave/testdata/go_nested.go:19:1*/
		var restore1 func()                      /*line /ssaweave/testdata/go_nested.go:19:1*/
		if h1 := ssaweaveGo_Serve_1; h1 != nil { /*line /ssaweave/testdata/go_nested.go:19:1*/
			restore1 = h1(ctx)
		}
		/*line /ssaweave/testdata/go_nested.go:19:1*/
		go func(id int) { // in a loop
			defer wg.Done()
			work(id)
		}(id)
		/*line /ssaweave/testdata/go_nested.go:19:1*/
		if restore1 != nil { /*line /ssaweave/testdata/go_nested.go:19:1*/
			restore1() /*line /ssaweave/testdata/go_nested.go:22:1*/
		}
	}
	wg.Wait()

	run := func() {
		/*line /ssaweave/testdata/go_nested.go:27:1*/
		var restore2 func()                      /*line /ssaweave/testdata/go_nested.go:27:1*/
		if h2 := ssaweaveGo_Serve_2; h2 != nil { /*line /ssaweave/testdata/go_nested.go:27:1*/
			restore2 = h2(ctx)
		}
		/*line /ssaweave/testdata/go_nested.go:27:1*/
		go work(1) // in a closure
		/*line /ssaweave/testdata/go_nested.go:27:1*/
		if restore2 != nil { /*line /ssaweave/testdata/go_nested.go:27:1*/
			restore2() /*line /ssaweave/testdata/go_nested.go:27:1*/
		}
	}
	run()

	h, restore := 1, 2
	/*line /ssaweave/testdata/go_nested.go:32:1*/
	var restore3 func()                      /*line /ssaweave/testdata/go_nested.go:32:1*/
	if h3 := ssaweaveGo_Serve_3; h3 != nil { /*line /ssaweave/testdata/go_nested.go:32:1*/
		restore3 = h3(ctx)
	}
	/*line /ssaweave/testdata/go_nested.go:32:1*/
	go work(h + restore) // locals named h and restore
	/*line /ssaweave/testdata/go_nested.go:32:1*/
	if restore3 != nil { /*line /ssaweave/testdata/go_nested.go:32:1*/
		restore3() /*line /ssaweave/testdata/go_nested.go:32:1*/
	}

	w := &Worker{}
	/*line /ssaweave/testdata/go_nested.go:35:1*/
	var restore4 func()                      /*line /ssaweave/testdata/go_nested.go:35:1*/
	if h4 := ssaweaveGo_Serve_4; h4 != nil { /*line /ssaweave/testdata/go_nested.go:35:1*/
		restore4 = h4(ctx)
	}
	/*line /ssaweave/testdata/go_nested.go:35:1*/
	go w.Run(3) // method value call
	/*line /ssaweave/testdata/go_nested.go:35:1*/
	if restore4 != nil { /*line /ssaweave/testdata/go_nested.go:35:1*/
		restore4() /*line /ssaweave/testdata/go_nested.go:35:1*/
	}
	f := w.Run
	/*line /ssaweave/testdata/go_nested.go:37:1*/
	var restore5 func()                      /*line /ssaweave/testdata/go_nested.go:37:1*/
	if h5 := ssaweaveGo_Serve_5; h5 != nil { /*line /ssaweave/testdata/go_nested.go:37:1*/
		restore5 = h5(ctx)
	}
	/*line /ssaweave/testdata/go_nested.go:37:1*/
	go f(4)
	/*line /ssaweave/testdata/go_nested.go:37:1*/
	if restore5 != nil { /*line /ssaweave/testdata/go_nested.go:37:1*/
		restore5() /*line /ssaweave/testdata/go_nested.go:37:1*/
	}

	if len(ids) > 0 {
		/*line /ssaweave/testdata/go_nested.go:40:19*/ var restore6 func()
		/*line /ssaweave/testdata/go_nested.go:40:19*/ if h6 := ssaweaveGo_Serve_6; h6 != nil {
			/*line /ssaweave/testdata/go_nested.go:40:19*/ restore6 = h6(ctx)
		}
		/*line /ssaweave/testdata/go_nested.go:40:19*/ go work(5)
		/*line /ssaweave/testdata/go_nested.go:40:19*/ if restore6 != nil {
			/*line /ssaweave/testdata/go_nested.go:40:19*/ restore6() /*line /ssaweave/testdata/go_nested.go:39:1*/
		} /*line /ssaweave/testdata/go_nested.go:39:1*/
	}

	/*line /ssaweave/testdata/go_nested.go:41:1*/
	switch len(ids) {
	/*line /ssaweave/testdata/go_nested.go:42:1*/
	case 0:
		/*line /ssaweave/testdata/go_nested.go:43:1*/
		var restore7 func()                      /*line /ssaweave/testdata/go_nested.go:43:1*/
		if h7 := ssaweaveGo_Serve_7; h7 != nil { /*line /ssaweave/testdata/go_nested.go:43:1*/
			restore7 = h7(ctx)
		}
		/*line /ssaweave/testdata/go_nested.go:43:1*/
		go work(6)
		/*line /ssaweave/testdata/go_nested.go:43:1*/
		if restore7 != nil { /*line /ssaweave/testdata/go_nested.go:43:1*/
			restore7() /*line /ssaweave/testdata/go_nested.go:43:1*/
		}
	}
	select {
	default:
		/*line /ssaweave/testdata/go_nested.go:47:1*/
		var restore8 func()                      /*line /ssaweave/testdata/go_nested.go:47:1*/
		if h8 := ssaweaveGo_Serve_8; h8 != nil { /*line /ssaweave/testdata/go_nested.go:47:1*/
			restore8 = h8(ctx)
		}
		/*line /ssaweave/testdata/go_nested.go:47:1*/
		go work(7)
		/*line /ssaweave/testdata/go_nested.go:47:1*/
		if restore8 != nil { /*line /ssaweave/testdata/go_nested.go:47:1*/
			restore8() /*line /ssaweave/testdata/go_nested.go:47:1*/
		}
	}
}

// Retry has a goto: its go statements are wrapped in blocks.
//
//line /ssaweave/testdata/go_nested.go:53:1
func Retry(ctx context.Context, n int) {
again:
	/*line /ssaweave/testdata/go_nested.go:54:1*/
	{ /*line /ssaweave/testdata/go_nested.go:54:1*/
		var restore func()                     /*line /ssaweave/testdata/go_nested.go:54:1*/
		if h := ssaweaveGo_Retry_1; h != nil { /*line /ssaweave/testdata/go_nested.go:54:1*/
			restore = h(ctx)
		}
		/*line /ssaweave/testdata/go_nested.go:55:1*/ go work(8)
		/*line /ssaweave/testdata/go_nested.go:54:1*/
		if restore != nil { /*line /ssaweave/testdata/go_nested.go:54:1*/
			restore() /*line /ssaweave/testdata/go_nested.go:54:1*/
		} /*line /ssaweave/testdata/go_nested.go:54:1*/
	}
	n--
	/*line /ssaweave/testdata/go_nested.go:56:1*/
	{ /*line /ssaweave/testdata/go_nested.go:56:1*/
		var restore1 func()                      /*line /ssaweave/testdata/go_nested.go:56:1*/
		if h1 := ssaweaveGo_Retry_2; h1 != nil { /*line /ssaweave/testdata/go_nested.go:56:1*/
			restore1 = h1(ctx)
		}
		/*line /ssaweave/testdata/go_nested.go:57:1*/ go func() { work(n) }() // after goto
		/*line /ssaweave/testdata/go_nested.go:56:1*/
		if restore1 != nil { /*line /ssaweave/testdata/go_nested.go:56:1*/
			restore1() /*line /ssaweave/testdata/go_nested.go:56:1*/
		} /*line /ssaweave/testdata/go_nested.go:56:1*/
	}
	if n > 0 {
		goto again
	}
}

// Generic starts a goroutine from a generic function.
//
//line /ssaweave/testdata/go_nested.go:64:1
func Generic[T any](ctx context.Context, v T, f func(T)) {
	/*line /ssaweave/testdata/go_nested.go:64:1*/
	var restore func()                       /*line /ssaweave/testdata/go_nested.go:64:1*/
	if h := ssaweaveGo_Generic_1; h != nil { /*line /ssaweave/testdata/go_nested.go:64:1*/
		restore = h(ctx)
	}
	/*line /ssaweave/testdata/go_nested.go:64:1*/
	go f(v)
	/*line /ssaweave/testdata/go_nested.go:64:1*/
	if restore != nil { /*line /ssaweave/testdata/go_nested.go:64:1*/
		restore() /*line /ssaweave/testdata/go_nested.go:64:1*/
	}
}

// Nested starts a goroutine that starts one.
//
//line /ssaweave/testdata/go_nested.go:69:1
func (w *Worker) Nested(ctx context.Context) {
	/*line /ssaweave/testdata/go_nested.go:69:1*/
	var restore func()                             /*line /ssaweave/testdata/go_nested.go:69:1*/
	if h := ssaweaveGo_Worker_Nested_1; h != nil { /*line /ssaweave/testdata/go_nested.go:69:1*/
		restore = h(ctx)
	}
	/*line /ssaweave/testdata/go_nested.go:69:1*/
	go func() { // outer
		/*line /ssaweave/testdata/go_nested.go:70:1*/
		var restore1 func()                              /*line /ssaweave/testdata/go_nested.go:70:1*/
		if h1 := ssaweaveGo_Worker_Nested_2; h1 != nil { /*line /ssaweave/testdata/go_nested.go:70:1*/
			restore1 = h1(ctx)
		}
		/*line /ssaweave/testdata/go_nested.go:70:1*/
		go work(w.n)
		/*line /ssaweave/testdata/go_nested.go:70:1*/
		if restore1 != nil { /*line /ssaweave/testdata/go_nested.go:70:1*/
			restore1() /*line /ssaweave/testdata/go_nested.go:70:1*/
		}
	}()
	/*line /ssaweave/testdata/go_nested.go:69:1*/
	if restore != nil { /*line /ssaweave/testdata/go_nested.go:69:1*/
		restore() /*line /ssaweave/testdata/go_nested.go:71:1*/
	}
}

//go:linkname ssaweaveGo_Serve_1
//line /ssaweave/testdata/go_nested.go:15:1
var ssaweaveGo_Serve_1 func(ctx any) (restore func())

//go:linkname ssaweaveGo_Serve_2
//line /ssaweave/testdata/go_nested.go:15:1
var ssaweaveGo_Serve_2 func(ctx any) (restore func())

//go:linkname ssaweaveGo_Serve_3
//line /ssaweave/testdata/go_nested.go:15:1
var ssaweaveGo_Serve_3 func(ctx any) (restore func())

//go:linkname ssaweaveGo_Serve_4
//line /ssaweave/testdata/go_nested.go:15:1
var ssaweaveGo_Serve_4 func(ctx any) (restore func())

//go:linkname ssaweaveGo_Serve_5
//line /ssaweave/testdata/go_nested.go:15:1
var ssaweaveGo_Serve_5 func(ctx any) (restore func())

//go:linkname ssaweaveGo_Serve_6
//line /ssaweave/testdata/go_nested.go:15:1
var ssaweaveGo_Serve_6 func(ctx any) (restore func())

//go:linkname ssaweaveGo_Serve_7
//line /ssaweave/testdata/go_nested.go:15:1
var ssaweaveGo_Serve_7 func(ctx any) (restore func())

//go:linkname ssaweaveGo_Serve_8
//line /ssaweave/testdata/go_nested.go:15:1
var ssaweaveGo_Serve_8 func(ctx any) (restore func())

//go:linkname ssaweaveGo_Retry_1
//line /ssaweave/testdata/go_nested.go:53:1
var ssaweaveGo_Retry_1 func(ctx any) (restore func())

//go:linkname ssaweaveGo_Retry_2
//line /ssaweave/testdata/go_nested.go:53:1
var ssaweaveGo_Retry_2 func(ctx any) (restore func())

//go:linkname ssaweaveGo_Generic_1
//line /ssaweave/testdata/go_nested.go:64:1
var ssaweaveGo_Generic_1 func(ctx any) (restore func())

//go:linkname ssaweaveGo_Worker_Nested_1
//line /ssaweave/testdata/go_nested.go:69:1
var ssaweaveGo_Worker_Nested_1 func(ctx any) (restore func())

//go:linkname ssaweaveGo_Worker_Nested_2
//line /ssaweave/testdata/go_nested.go:69:1
var ssaweaveGo_Worker_Nested_2 func(ctx any) (restore func())
