//line /ssaweave/testdata/span_request.go:1:1
package handlers

//line /ssaweave/testdata/span_request.go:3:1
import (
	"fmt"
	stdhttp "net/http"
)

//line /ssaweave/testdata/span_request.go:1:1
import _ "unsafe"

// Hello takes the parent from the request and returns nothing.
//
//line /ssaweave/testdata/span_request.go:9:1
func Hello(w stdhttp.ResponseWriter, r *stdhttp.Request) { /*line /ssaweave/testdata/span_request.go:8:1*/
	if h := ssaweaveHook_Hello; h != nil { /*line /ssaweave/testdata/span_request.go:8:1*/
		c, end := h(r, "hello")                /*line /ssaweave/testdata/span_request.go:8:1*/
		if c, ok := c.(*stdhttp.Request); ok { /*line /ssaweave/testdata/span_request.go:8:1*/
			r = c
		} /*line /ssaweave/testdata/span_request.go:8:1*/
		if end != nil { /*line /ssaweave/testdata/span_request.go:8:1*/
			defer end(nil)
		}
	}
	/*line /ssaweave/testdata/span_request.go:9:1*/
	fmt.Fprintln(w, "hello", r.URL.Path) /*line /ssaweave/testdata/span_request.go:10:1*/
}

// Blank ignores its request, which the rewrite must name to pass it on.
//
//line /ssaweave/testdata/span_request.go:14:1
func Blank(w stdhttp.ResponseWriter, ssaweaveArg1 *stdhttp.Request) (ssaweaveErr error) { /*line /ssaweave/testdata/span_request.go:13:1*/
	if h := ssaweaveHook_Blank; h != nil { /*line /ssaweave/testdata/span_request.go:13:1*/
		c, end := h(ssaweaveArg1, "blank")     /*line /ssaweave/testdata/span_request.go:13:1*/
		if c, ok := c.(*stdhttp.Request); ok { /*line /ssaweave/testdata/span_request.go:13:1*/
			ssaweaveArg1 = c
		} /*line /ssaweave/testdata/span_request.go:13:1*/
		if end != nil { /*line /ssaweave/testdata/span_request.go:13:1*/
			defer func() { /*line /ssaweave/testdata/span_request.go:13:1*/
				e := ssaweaveErr /*line /ssaweave/testdata/span_request.go:13:1*/
				end(&e)
			}()
		}
	}
	/*line /ssaweave/testdata/span_request.go:14:1*/
	_, err := fmt.Fprintln(w, "blank")
	/*line /ssaweave/testdata/span_request.go:15:1*/
	return err /*line /ssaweave/testdata/span_request.go:16:1*/
}

//go:linkname ssaweaveHook_Hello
//line /ssaweave/testdata/span_request.go:9:1
var ssaweaveHook_Hello func(parent any, name string) (ctx any, end func(err *error))

//go:linkname ssaweaveHook_Blank
//line /ssaweave/testdata/span_request.go:14:1
var ssaweaveHook_Blank func(parent any, name string) (ctx any, end func(err *error))
