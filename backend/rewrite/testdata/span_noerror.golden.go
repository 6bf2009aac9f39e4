//line /ssaweave/testdata/span_noerror.go:1:1
package noerror

//line /ssaweave/testdata/span_noerror.go:3:1
import "context"

//line /ssaweave/testdata/span_noerror.go:1:1
import _ "unsafe"

// Log returns nothing.
//
//line /ssaweave/testdata/span_noerror.go:6:1
func Log(ctx context.Context, msg string) { /*line /ssaweave/testdata/span_noerror.go:5:1*/
	if h := ssaweaveHook_Log; h != nil { /*line /ssaweave/testdata/span_noerror.go:5:1*/
		c, end := h(ctx, "log")               /*line /ssaweave/testdata/span_noerror.go:5:1*/
		if c, ok := c.(context.Context); ok { /*line /ssaweave/testdata/span_noerror.go:5:1*/
			ctx = c
		} /*line /ssaweave/testdata/span_noerror.go:5:1*/
		if end != nil { /*line /ssaweave/testdata/span_noerror.go:5:1*/
			defer end(nil)
		}
	}
	/*line /ssaweave/testdata/span_noerror.go:6:1*/
	println(msg) /*line /ssaweave/testdata/span_noerror.go:7:1*/
}

// Count returns no error.
//
//line /ssaweave/testdata/span_noerror.go:11:1
func Count(ctx context.Context, xs []int) int { /*line /ssaweave/testdata/span_noerror.go:10:1*/
	if h := ssaweaveHook_Count; h != nil { /*line /ssaweave/testdata/span_noerror.go:10:1*/
		c, end := h(ctx, "count")             /*line /ssaweave/testdata/span_noerror.go:10:1*/
		if c, ok := c.(context.Context); ok { /*line /ssaweave/testdata/span_noerror.go:10:1*/
			ctx = c
		} /*line /ssaweave/testdata/span_noerror.go:10:1*/
		if end != nil { /*line /ssaweave/testdata/span_noerror.go:10:1*/
			defer end(nil)
		}
	}
	/*line /ssaweave/testdata/span_noerror.go:11:1*/
	return len(xs) /*line /ssaweave/testdata/span_noerror.go:12:1*/
}

// Variadic has a variadic parameter after the context.
//
//line /ssaweave/testdata/span_noerror.go:16:1
func Variadic(ctx context.Context, xs ...int) int { /*line /ssaweave/testdata/span_noerror.go:15:1*/
	if h := ssaweaveHook_Variadic; h != nil { /*line /ssaweave/testdata/span_noerror.go:15:1*/
		c, end := h(ctx, "variadic")          /*line /ssaweave/testdata/span_noerror.go:15:1*/
		if c, ok := c.(context.Context); ok { /*line /ssaweave/testdata/span_noerror.go:15:1*/
			ctx = c
		} /*line /ssaweave/testdata/span_noerror.go:15:1*/
		if end != nil { /*line /ssaweave/testdata/span_noerror.go:15:1*/
			defer end(nil)
		}
	}
	/*line /ssaweave/testdata/span_noerror.go:16:1*/
	return len(xs) /*line /ssaweave/testdata/span_noerror.go:17:1*/
}

//go:linkname ssaweaveHook_Log
//line /ssaweave/testdata/span_noerror.go:6:1
var ssaweaveHook_Log func(parent any, name string) (ctx any, end func(err *error))

//go:linkname ssaweaveHook_Count
//line /ssaweave/testdata/span_noerror.go:11:1
var ssaweaveHook_Count func(parent any, name string) (ctx any, end func(err *error))

//go:linkname ssaweaveHook_Variadic
//line /ssaweave/testdata/span_noerror.go:16:1
var ssaweaveHook_Variadic func(parent any, name string) (ctx any, end func(err *error))
