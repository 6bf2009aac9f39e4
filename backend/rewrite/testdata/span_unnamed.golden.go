//line /ssaweave/testdata/span_unnamed.go:1:1
package unnamed

//line /ssaweave/testdata/span_unnamed.go:3:1
import (
	"context"
	"errors"
)

//line /ssaweave/testdata/span_unnamed.go:1:1
import _ "unsafe"

// Triple has three unnamed results, the error in the middle, and a body
// that uses the names the rewrite would pick first.
//
//line /ssaweave/testdata/span_unnamed.go:10:1
func Triple(ctx context.Context) (ssaweaveRes01 int, ssaweaveErr1 error, ssaweaveRes2 string) { /*line /ssaweave/testdata/span_unnamed.go:9:1*/
	if h1 := ssaweaveHook_Triple; h1 != nil { /*line /ssaweave/testdata/span_unnamed.go:9:1*/
		c1, end1 := h1(ctx, "triple")             /*line /ssaweave/testdata/span_unnamed.go:9:1*/
		if c1, ok1 := c1.(context.Context); ok1 { /*line /ssaweave/testdata/span_unnamed.go:9:1*/
			ctx = c1
		} /*line /ssaweave/testdata/span_unnamed.go:9:1*/
		if end1 != nil { /*line /ssaweave/testdata/span_unnamed.go:9:1*/
			defer func() { /*line /ssaweave/testdata/span_unnamed.go:9:1*/
				e := ssaweaveErr1 /*line /ssaweave/testdata/span_unnamed.go:9:1*/
				end1(&e)
			}()
		}
	}
	/*line /ssaweave/testdata/span_unnamed.go:10:1*/
	h, c, end, ok := 1, 2, 3, true
	/*line /ssaweave/testdata/span_unnamed.go:11:1*/
	ssaweaveErr, ssaweaveRes0 := errors.New("x"), 4
	/*line /ssaweave/testdata/span_unnamed.go:12:1*/
	if !ok || ctx == nil {
		return h + c + end + ssaweaveRes0, ssaweaveErr, ""
	}
	/*line /ssaweave/testdata/span_unnamed.go:15:1*/
	return 0, nil, "ok" /*line /ssaweave/testdata/span_unnamed.go:16:1*/
}

// Blank has a blank error result among named ones.
//
//line /ssaweave/testdata/span_unnamed.go:20:1
func Blank(ctx context.Context) (n int, ssaweaveErr error) { /*line /ssaweave/testdata/span_unnamed.go:19:1*/
	if h := ssaweaveHook_Blank; h != nil { /*line /ssaweave/testdata/span_unnamed.go:19:1*/
		c, end := h(ctx, "blank")             /*line /ssaweave/testdata/span_unnamed.go:19:1*/
		if c, ok := c.(context.Context); ok { /*line /ssaweave/testdata/span_unnamed.go:19:1*/
			ctx = c
		} /*line /ssaweave/testdata/span_unnamed.go:19:1*/
		if end != nil { /*line /ssaweave/testdata/span_unnamed.go:19:1*/
			defer func() { /*line /ssaweave/testdata/span_unnamed.go:19:1*/
				e := ssaweaveErr /*line /ssaweave/testdata/span_unnamed.go:19:1*/
				end(&e)
			}()
		}
	}
	/*line /ssaweave/testdata/span_unnamed.go:20:1*/
	return len(ctx.Value("k").(string)), nil /*line /ssaweave/testdata/span_unnamed.go:21:1*/
}

// Unnamed has an unnamed context parameter, given by index in the plan.
//
//line /ssaweave/testdata/span_unnamed.go:25:1
func Unnamed(ssaweaveArg0 context.Context, ssaweaveArg1 int) (ssaweaveErr error) { /*line /ssaweave/testdata/span_unnamed.go:24:1*/
	if h := ssaweaveHook_Unnamed; h != nil { /*line /ssaweave/testdata/span_unnamed.go:24:1*/
		c, end := h(ssaweaveArg0, "unnamed")  /*line /ssaweave/testdata/span_unnamed.go:24:1*/
		if c, ok := c.(context.Context); ok { /*line /ssaweave/testdata/span_unnamed.go:24:1*/
			ssaweaveArg0 = c
		} /*line /ssaweave/testdata/span_unnamed.go:24:1*/
		if end != nil { /*line /ssaweave/testdata/span_unnamed.go:24:1*/
			defer func() { /*line /ssaweave/testdata/span_unnamed.go:24:1*/
				e := ssaweaveErr /*line /ssaweave/testdata/span_unnamed.go:24:1*/
				end(&e)
			}()
		}
	}
	/*line /ssaweave/testdata/span_unnamed.go:25:1*/
	return nil /*line /ssaweave/testdata/span_unnamed.go:26:1*/
}

// Two has two error results: the last one is recorded.
//
//line /ssaweave/testdata/span_unnamed.go:30:1
func Two() (first error, second error) { /*line /ssaweave/testdata/span_unnamed.go:29:1*/
	if h := ssaweaveHook_Two; h != nil { /*line /ssaweave/testdata/span_unnamed.go:29:1*/
		_, end := h(nil, "two") /*line /ssaweave/testdata/span_unnamed.go:29:1*/
		if end != nil {         /*line /ssaweave/testdata/span_unnamed.go:29:1*/
			defer func() { /*line /ssaweave/testdata/span_unnamed.go:29:1*/
				e := second /*line /ssaweave/testdata/span_unnamed.go:29:1*/
				end(&e)
			}()
		}
	}
	/*line /ssaweave/testdata/span_unnamed.go:30:1*/
	return nil, errors.New("second") /*line /ssaweave/testdata/span_unnamed.go:31:1*/
}

//go:linkname ssaweaveHook_Triple
//line /ssaweave/testdata/span_unnamed.go:10:1
var ssaweaveHook_Triple func(parent any, name string) (ctx any, end func(err *error))

//go:linkname ssaweaveHook_Blank
//line /ssaweave/testdata/span_unnamed.go:20:1
var ssaweaveHook_Blank func(parent any, name string) (ctx any, end func(err *error))

//go:linkname ssaweaveHook_Unnamed
//line /ssaweave/testdata/span_unnamed.go:25:1
var ssaweaveHook_Unnamed func(parent any, name string) (ctx any, end func(err *error))

//go:linkname ssaweaveHook_Two
//line /ssaweave/testdata/span_unnamed.go:30:1
var ssaweaveHook_Two func(parent any, name string) (ctx any, end func(err *error))
