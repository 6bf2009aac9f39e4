// Package store is the kind of code a //ssaweave:span directive marks: its
// functions take a context.Context and return an error.
//
//line /ssaweave/testdata/span_context.go:3:1
package store

//line /ssaweave/testdata/span_context.go:5:1
import (
	"context"
	"errors"
)

//line /ssaweave/testdata/span_context.go:3:1
import _ "unsafe"

// User is what the store holds.
//
//line /ssaweave/testdata/span_context.go:11:1
type User struct{ Name string }

// Store is an in-memory store.
//
//line /ssaweave/testdata/span_context.go:14:1
type Store struct{ users map[string]User }

// Get has named results and a bare return.
//
//line /ssaweave/testdata/span_context.go:17:1
func (s *Store) Get(ctx context.Context, id string) (u User, err error) { /*line /ssaweave/testdata/span_context.go:16:1*/
	if h := ssaweaveHook_Store_Get; h != nil { /*line /ssaweave/testdata/span_context.go:16:1*/
		c, end := h(ctx, "store.Get")           /*line /ssaweave/testdata/span_context.go:16:1*/
		if c, ok1 := c.(context.Context); ok1 { /*line /ssaweave/testdata/span_context.go:16:1*/
			ctx = c
		} /*line /ssaweave/testdata/span_context.go:16:1*/
		if end != nil { /*line /ssaweave/testdata/span_context.go:16:1*/
			defer func() { /*line /ssaweave/testdata/span_context.go:16:1*/
				e := err /*line /ssaweave/testdata/span_context.go:16:1*/
				end(&e)
			}()
		}
	}
	/*line /ssaweave/testdata/span_context.go:17:1*/
	if err = ctx.Err(); err != nil {
		return
	}
	/*line /ssaweave/testdata/span_context.go:20:1*/
	u, ok := s.users[id]
	/*line /ssaweave/testdata/span_context.go:21:1*/
	if !ok {
		err = errors.New("no user " + id)
	}
	/*line /ssaweave/testdata/span_context.go:24:1*/
	return /*line /ssaweave/testdata/span_context.go:25:1*/
}

// Put has a single unnamed error result and a one-line body.
//
//line /ssaweave/testdata/span_context.go:29:1
func (s *Store) Put(ctx context.Context, u User) (ssaweaveErr error) { /*line /ssaweave/testdata/span_context.go:28:1*/
	if h := ssaweaveHook_Store_Put; h != nil { /*line /ssaweave/testdata/span_context.go:28:1*/
		c, end := h(ctx, "store.Put")         /*line /ssaweave/testdata/span_context.go:28:1*/
		if c, ok := c.(context.Context); ok { /*line /ssaweave/testdata/span_context.go:28:1*/
			ctx = c
		} /*line /ssaweave/testdata/span_context.go:28:1*/
		if end != nil { /*line /ssaweave/testdata/span_context.go:28:1*/
			defer func() { /*line /ssaweave/testdata/span_context.go:28:1*/
				e := ssaweaveErr /*line /ssaweave/testdata/span_context.go:28:1*/
				end(&e)
			}()
		}
	}
	/*line /ssaweave/testdata/span_context.go:29:57*/ s.users[u.Name] = u
	/*line /ssaweave/testdata/span_context.go:29:78*/ return ctx.Err() /*line /ssaweave/testdata/span_context.go:28:1*/
}

// Empty has an empty body.
//
//line /ssaweave/testdata/span_context.go:32:1
func Empty(ctx context.Context) {
	/*line /ssaweave/testdata/span_context.go:31:1*/
	if h := ssaweaveHook_Empty; h != nil { /*line /ssaweave/testdata/span_context.go:31:1*/
		c, end := h(ctx, "empty")             /*line /ssaweave/testdata/span_context.go:31:1*/
		if c, ok := c.(context.Context); ok { /*line /ssaweave/testdata/span_context.go:31:1*/
			ctx = c
		} /*line /ssaweave/testdata/span_context.go:31:1*/
		if end != nil { /*line /ssaweave/testdata/span_context.go:31:1*/
			defer end(nil)
		}
	} /*line /ssaweave/testdata/span_context.go:32:1*/
}

//go:linkname ssaweaveHook_Store_Get
//line /ssaweave/testdata/span_context.go:17:1
var ssaweaveHook_Store_Get func(parent any, name string) (ctx any, end func(err *error))

//go:linkname ssaweaveHook_Store_Put
//line /ssaweave/testdata/span_context.go:29:1
var ssaweaveHook_Store_Put func(parent any, name string) (ctx any, end func(err *error))

//go:linkname ssaweaveHook_Empty
//line /ssaweave/testdata/span_context.go:32:1
var ssaweaveHook_Empty func(parent any, name string) (ctx any, end func(err *error))
