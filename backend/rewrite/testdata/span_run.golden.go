//line /ssaweave/testdata/span_run.go:1:1
package main

//line /ssaweave/testdata/span_run.go:3:1
import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
)

//line /ssaweave/testdata/span_run.go:1:1
import _ "unsafe"

// key is the context key under which the test hook leaves the span name.
//
//line /ssaweave/testdata/span_run.go:13:1
type key struct{}

// Find records its error through named results and a bare return.
//
//line /ssaweave/testdata/span_run.go:16:1
func Find(ctx context.Context, id string) (name string, err error) { /*line /ssaweave/testdata/span_run.go:15:1*/
	if h := ssaweaveHook_Find; h != nil { /*line /ssaweave/testdata/span_run.go:15:1*/
		c, end := h(ctx, "find")              /*line /ssaweave/testdata/span_run.go:15:1*/
		if c, ok := c.(context.Context); ok { /*line /ssaweave/testdata/span_run.go:15:1*/
			ctx = c
		} /*line /ssaweave/testdata/span_run.go:15:1*/
		if end != nil { /*line /ssaweave/testdata/span_run.go:15:1*/
			defer func() { /*line /ssaweave/testdata/span_run.go:15:1*/
				e := err /*line /ssaweave/testdata/span_run.go:15:1*/
				end(&e)
			}()
		}
	}
	/*line /ssaweave/testdata/span_run.go:16:1*/
	fmt.Println("Find runs in", ctx.Value(key{}))
	/*line /ssaweave/testdata/span_run.go:17:1*/
	if id == "" {
		err = errors.New("empty id")
		return
	}
	/*line /ssaweave/testdata/span_run.go:21:1*/
	name = "user " + id
	/*line /ssaweave/testdata/span_run.go:22:1*/
	return /*line /ssaweave/testdata/span_run.go:23:1*/
}

// Load returns its error with unnamed results.
//
//line /ssaweave/testdata/span_run.go:27:1
func Load(ctx context.Context, n int) (ssaweaveRes0 *int, ssaweaveErr error) { /*line /ssaweave/testdata/span_run.go:26:1*/
	if h := ssaweaveHook_Load; h != nil { /*line /ssaweave/testdata/span_run.go:26:1*/
		c, end := h(ctx, "load")              /*line /ssaweave/testdata/span_run.go:26:1*/
		if c, ok := c.(context.Context); ok { /*line /ssaweave/testdata/span_run.go:26:1*/
			ctx = c
		} /*line /ssaweave/testdata/span_run.go:26:1*/
		if end != nil { /*line /ssaweave/testdata/span_run.go:26:1*/
			defer func() { /*line /ssaweave/testdata/span_run.go:26:1*/
				e := ssaweaveErr /*line /ssaweave/testdata/span_run.go:26:1*/
				end(&e)
			}()
		}
	}
	/*line /ssaweave/testdata/span_run.go:27:1*/
	if n < 0 {
		return nil, errors.New("negative")
	}
	/*line /ssaweave/testdata/span_run.go:30:1*/
	return &n, nil /*line /ssaweave/testdata/span_run.go:31:1*/
}

// Serve takes the parent from the request.
//
//line /ssaweave/testdata/span_run.go:35:1
func Serve(w http.ResponseWriter, r *http.Request) { /*line /ssaweave/testdata/span_run.go:34:1*/
	if h := ssaweaveHook_Serve; h != nil { /*line /ssaweave/testdata/span_run.go:34:1*/
		c, end := h(r, "serve")             /*line /ssaweave/testdata/span_run.go:34:1*/
		if c, ok := c.(*http.Request); ok { /*line /ssaweave/testdata/span_run.go:34:1*/
			r = c
		} /*line /ssaweave/testdata/span_run.go:34:1*/
		if end != nil { /*line /ssaweave/testdata/span_run.go:34:1*/
			defer end(nil)
		}
	}
	/*line /ssaweave/testdata/span_run.go:35:1*/
	fmt.Println("Serve runs in", r.Context().Value(key{})) /*line /ssaweave/testdata/span_run.go:36:1*/
}

// Recovered sets its error in a deferred call of its own, which runs before
// the span ends.
//
//line /ssaweave/testdata/span_run.go:41:1
func Recovered() (err error) { /*line /ssaweave/testdata/span_run.go:40:1*/
	if h := ssaweaveHook_Recovered; h != nil { /*line /ssaweave/testdata/span_run.go:40:1*/
		_, end := h(nil, "recovered") /*line /ssaweave/testdata/span_run.go:40:1*/
		if end != nil {               /*line /ssaweave/testdata/span_run.go:40:1*/
			defer func() { /*line /ssaweave/testdata/span_run.go:40:1*/
				e := err /*line /ssaweave/testdata/span_run.go:40:1*/
				end(&e)
			}()
		}
	}
	/*line /ssaweave/testdata/span_run.go:41:1*/
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered %v", r)
		}
	}()
	/*line /ssaweave/testdata/span_run.go:46:1*/
	panic("inner") /*line /ssaweave/testdata/span_run.go:47:1*/
}

// IsNil reports whether its context is nil, which it must stay.
//
//line /ssaweave/testdata/span_run.go:51:1
func IsNil(ctx context.Context) bool { /*line /ssaweave/testdata/span_run.go:50:1*/
	if h := ssaweaveHook_IsNil; h != nil { /*line /ssaweave/testdata/span_run.go:50:1*/
		c, end := h(ctx, "isnil")             /*line /ssaweave/testdata/span_run.go:50:1*/
		if c, ok := c.(context.Context); ok { /*line /ssaweave/testdata/span_run.go:50:1*/
			ctx = c
		} /*line /ssaweave/testdata/span_run.go:50:1*/
		if end != nil { /*line /ssaweave/testdata/span_run.go:50:1*/
			defer end(nil)
		}
	}
	/*line /ssaweave/testdata/span_run.go:51:1*/
	return ctx == nil /*line /ssaweave/testdata/span_run.go:52:1*/
}

// Fail panics when n is positive.
//
//line /ssaweave/testdata/span_run.go:56:1
func Fail(n int) (ssaweaveErr error) { /*line /ssaweave/testdata/span_run.go:55:1*/
	if h := ssaweaveHook_Fail; h != nil { /*line /ssaweave/testdata/span_run.go:55:1*/
		_, end := h(nil, "fail") /*line /ssaweave/testdata/span_run.go:55:1*/
		if end != nil {          /*line /ssaweave/testdata/span_run.go:55:1*/
			defer func() { /*line /ssaweave/testdata/span_run.go:55:1*/
				e := ssaweaveErr /*line /ssaweave/testdata/span_run.go:55:1*/
				end(&e)
			}()
		}
	}
	/*line /ssaweave/testdata/span_run.go:56:1*/
	if n > 0 {
		panic(fmt.Sprintf("fail %d", n))
	}
	/*line /ssaweave/testdata/span_run.go:59:1*/
	return nil /*line /ssaweave/testdata/span_run.go:60:1*/
}

//line /ssaweave/testdata/span_run.go:63:1
func main() { /*line /ssaweave/testdata/span_run.go:62:1*/
	defer ssaweave_atMainReturn()         /*line /ssaweave/testdata/span_run.go:62:1*/
	if h := ssaweaveHook_main; h != nil { /*line /ssaweave/testdata/span_run.go:62:1*/
		_, end := h(nil, "main") /*line /ssaweave/testdata/span_run.go:62:1*/
		if end != nil {          /*line /ssaweave/testdata/span_run.go:62:1*/
			defer end(nil)
		}
	}
	/*line /ssaweave/testdata/span_run.go:63:1*/
	ctx := context.WithValue(context.Background(), key{}, "main")
	/*line /ssaweave/testdata/span_run.go:64:1*/
	fmt.Println(Find(ctx, "7"))
	/*line /ssaweave/testdata/span_run.go:65:1*/
	fmt.Println(Find(ctx, ""))
	/*line /ssaweave/testdata/span_run.go:66:1*/
	p, err := Load(ctx, -1)
	/*line /ssaweave/testdata/span_run.go:67:1*/
	fmt.Println(p == nil, err)
	/*line /ssaweave/testdata/span_run.go:68:1*/
	Serve(httptest.NewRecorder(), httptest.NewRequest("GET", "/users", nil))
	/*line /ssaweave/testdata/span_run.go:69:1*/
	fmt.Println(Recovered())
	/*line /ssaweave/testdata/span_run.go:70:1*/
	fmt.Println(IsNil(nil))
	/*line /ssaweave/testdata/span_run.go:71:1*/
	fmt.Println(Fail(len(os.Args) - 1)) /*line /ssaweave/testdata/span_run.go:72:1*/
}

//go:linkname ssaweaveHook_Find
//line /ssaweave/testdata/span_run.go:16:1
var ssaweaveHook_Find func(parent any, name string) (ctx any, end func(err *error))

//go:linkname ssaweaveHook_Load
//line /ssaweave/testdata/span_run.go:27:1
var ssaweaveHook_Load func(parent any, name string) (ctx any, end func(err *error))

//go:linkname ssaweaveHook_Serve
//line /ssaweave/testdata/span_run.go:35:1
var ssaweaveHook_Serve func(parent any, name string) (ctx any, end func(err *error))

//go:linkname ssaweaveHook_Recovered
//line /ssaweave/testdata/span_run.go:41:1
var ssaweaveHook_Recovered func(parent any, name string) (ctx any, end func(err *error))

//go:linkname ssaweaveHook_IsNil
//line /ssaweave/testdata/span_run.go:51:1
var ssaweaveHook_IsNil func(parent any, name string) (ctx any, end func(err *error))

//go:linkname ssaweaveHook_Fail
//line /ssaweave/testdata/span_run.go:56:1
var ssaweaveHook_Fail func(parent any, name string) (ctx any, end func(err *error))

//go:linkname ssaweaveHook_main
//line /ssaweave/testdata/span_run.go:63:1
var ssaweaveHook_main func(parent any, name string) (ctx any, end func(err *error))
