//line /ssaweave/testdata/call_run.go:1:1
package main

//line /ssaweave/testdata/call_run.go:3:1
import (
	"context"
	"errors"
	"fmt"
)

//line /ssaweave/testdata/call_run.go:1:1
import _ "unsafe"

//line /ssaweave/testdata/call_run.go:9:1
type key struct{}

// fetch stands for an API that takes no context, like http.Get.
//
//line /ssaweave/testdata/call_run.go:12:1
func fetch(what string) (string, error) {
	fmt.Println("fetch", what)
	if what == "" {
		return "", errors.New("nothing to fetch")
	}
	return "got " + what, nil
}

// bracketed: a statement control leaves only through its end.
//
//line /ssaweave/testdata/call_run.go:21:1
func bracketed(ctx context.Context) string {
	/*line /ssaweave/testdata/call_run.go:21:1*/
	var restore func()                           /*line /ssaweave/testdata/call_run.go:21:1*/
	if h := ssaweaveCall_bracketed_1; h != nil { /*line /ssaweave/testdata/call_run.go:21:1*/
		restore = h(ctx)
	}
	/*line /ssaweave/testdata/call_run.go:21:1*/
	v, err := fetch("a") // site: bracket
	/*line /ssaweave/testdata/call_run.go:21:1*/
	if restore != nil { /*line /ssaweave/testdata/call_run.go:21:1*/
		restore() /*line /ssaweave/testdata/call_run.go:21:1*/
	}
	if err != nil {
		return ""
	}
	return v
}

// returned: the call's statement is a return.
//
//line /ssaweave/testdata/call_run.go:30:1
func returned(ctx context.Context) (string, error) {
	fmt.Println("before return")
	/*line /ssaweave/testdata/call_run.go:31:1*/
	if h := ssaweaveCall_returned_1; h != nil { /*line /ssaweave/testdata/call_run.go:31:1*/
		defer h(ctx)() /*line /ssaweave/testdata/call_run.go:31:1*/
	}
	/*line /ssaweave/testdata/call_run.go:31:1*/
	return fetch("b") // site: return
}

// deferred: a statement that can leave the function, outside loops.
//
//line /ssaweave/testdata/call_run.go:36:1
func deferred(ctx context.Context) {
	/*line /ssaweave/testdata/call_run.go:36:1*/
	if h := ssaweaveCall_deferred_1; h != nil { /*line /ssaweave/testdata/call_run.go:36:1*/
		defer h(ctx)() /*line /ssaweave/testdata/call_run.go:36:1*/
	}
	/*line /ssaweave/testdata/call_run.go:36:1*/
	if _, err := fetch(""); err != nil { // site: leaves
		fmt.Println("error:", err)
		return
	}
	fmt.Println("not reached")
}

// looped: a statement in a loop, bracketed each time, and a call in a
// function literal spread over lines.
//
//line /ssaweave/testdata/call_run.go:46:1
func looped(ctx context.Context) {
	for _, w := range []string{"c", "d"} {
		/*line /ssaweave/testdata/call_run.go:47:1*/
		var restore func()                        /*line /ssaweave/testdata/call_run.go:47:1*/
		if h := ssaweaveCall_looped_1; h != nil { /*line /ssaweave/testdata/call_run.go:47:1*/
			restore = h(ctx)
		}
		/*line /ssaweave/testdata/call_run.go:47:1*/
		v, _ := fetch(w) // site: in a loop
		/*line /ssaweave/testdata/call_run.go:47:1*/
		if restore != nil { /*line /ssaweave/testdata/call_run.go:47:1*/
			restore() /*line /ssaweave/testdata/call_run.go:47:1*/
		}
		fmt.Println(v)
	}
	show := func(s string) {
		fmt.Println(s)
	}
	func() {
		/*line /ssaweave/testdata/call_run.go:54:1*/
		var restore1 func()                         /*line /ssaweave/testdata/call_run.go:54:1*/
		if h1 := ssaweaveCall_looped_2; h1 != nil { /*line /ssaweave/testdata/call_run.go:54:1*/
			restore1 = h1(ctx)
		}
		/*line /ssaweave/testdata/call_run.go:54:1*/
		show(fmt.Sprint(
			fetch( // site: spread
				"e")))
		/*line /ssaweave/testdata/call_run.go:54:1*/
		if restore1 != nil { /*line /ssaweave/testdata/call_run.go:54:1*/
			restore1() /*line /ssaweave/testdata/call_run.go:56:1*/
		}
	}()
}

//line /ssaweave/testdata/call_run.go:61:1
func main() {
	ctx := context.WithValue(context.Background(), key{}, "request-1")
	fmt.Println(bracketed(ctx))
	fmt.Println(returned(ctx))
	deferred(ctx)
	looped(ctx)
}

//go:linkname ssaweaveCall_bracketed_1
//line /ssaweave/testdata/call_run.go:21:1
var ssaweaveCall_bracketed_1 func(ctx any) (restore func())

//go:linkname ssaweaveCall_returned_1
//line /ssaweave/testdata/call_run.go:30:1
var ssaweaveCall_returned_1 func(ctx any) (restore func())

//go:linkname ssaweaveCall_deferred_1
//line /ssaweave/testdata/call_run.go:36:1
var ssaweaveCall_deferred_1 func(ctx any) (restore func())

//go:linkname ssaweaveCall_looped_1
//line /ssaweave/testdata/call_run.go:46:1
var ssaweaveCall_looped_1 func(ctx any) (restore func())

//go:linkname ssaweaveCall_looped_2
//line /ssaweave/testdata/call_run.go:46:1
var ssaweaveCall_looped_2 func(ctx any) (restore func())
