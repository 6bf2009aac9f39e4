//line /ssaweave/testdata/span_value.go:1:1
package config

//line /ssaweave/testdata/span_value.go:3:1
import "context"

//line /ssaweave/testdata/span_value.go:1:1
import _ "unsafe"

// Config is loaded by value.
//
//line /ssaweave/testdata/span_value.go:6:1
type Config struct{ path string }

// Load has a value receiver named c, the name the rewrite would give the
// context it gets back first.
//
//line /ssaweave/testdata/span_value.go:10:1
func (c Config) Load(ctx context.Context) (data []byte, err error) { /*line /ssaweave/testdata/span_value.go:9:1*/
	if h := ssaweaveHook_Config_Load; h != nil { /*line /ssaweave/testdata/span_value.go:9:1*/
		c1, end := h(ctx, "config.Load")        /*line /ssaweave/testdata/span_value.go:9:1*/
		if c1, ok := c1.(context.Context); ok { /*line /ssaweave/testdata/span_value.go:9:1*/
			ctx = c1
		} /*line /ssaweave/testdata/span_value.go:9:1*/
		if end != nil { /*line /ssaweave/testdata/span_value.go:9:1*/
			defer func() { /*line /ssaweave/testdata/span_value.go:9:1*/
				e := err /*line /ssaweave/testdata/span_value.go:9:1*/
				end(&e)
			}()
		}
	}
	/*line /ssaweave/testdata/span_value.go:10:1*/
	if c.path == "" {
		return nil, context.Canceled
	}
	/*line /ssaweave/testdata/span_value.go:13:1*/
	return []byte(c.path), ctx.Err() /*line /ssaweave/testdata/span_value.go:14:1*/
}

// Generic types are fine as long as the parent's type is not a type
// parameter.
//
//line /ssaweave/testdata/span_value.go:19:1
type List[T any] []T

// Each calls f on every element.
//
//line /ssaweave/testdata/span_value.go:22:1
func (l List[T]) Each(ctx context.Context, f func(T) error) (ssaweaveErr error) { /*line /ssaweave/testdata/span_value.go:21:1*/
	if h := ssaweaveHook_List_Each; h != nil { /*line /ssaweave/testdata/span_value.go:21:1*/
		c, end := h(ctx, "list.Each")         /*line /ssaweave/testdata/span_value.go:21:1*/
		if c, ok := c.(context.Context); ok { /*line /ssaweave/testdata/span_value.go:21:1*/
			ctx = c
		} /*line /ssaweave/testdata/span_value.go:21:1*/
		if end != nil { /*line /ssaweave/testdata/span_value.go:21:1*/
			defer func() { /*line /ssaweave/testdata/span_value.go:21:1*/
				e := ssaweaveErr /*line /ssaweave/testdata/span_value.go:21:1*/
				end(&e)
			}()
		}
	}
	/*line /ssaweave/testdata/span_value.go:22:1*/
	for _, v := range l {
		if err := f(v); err != nil {
			return err
		}
	}
	/*line /ssaweave/testdata/span_value.go:27:1*/
	return ctx.Err() /*line /ssaweave/testdata/span_value.go:28:1*/
}

//go:linkname ssaweaveHook_Config_Load
//line /ssaweave/testdata/span_value.go:10:1
var ssaweaveHook_Config_Load func(parent any, name string) (ctx any, end func(err *error))

//go:linkname ssaweaveHook_List_Each
//line /ssaweave/testdata/span_value.go:22:1
var ssaweaveHook_List_Each func(parent any, name string) (ctx any, end func(err *error))
