package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
)

// key is the context key under which the test hook leaves the span name.
type key struct{}

// Find records its error through named results and a bare return.
func Find(ctx context.Context, id string) (name string, err error) {
	fmt.Println("Find runs in", ctx.Value(key{}))
	if id == "" {
		err = errors.New("empty id")
		return
	}
	name = "user " + id
	return
}

// Load returns its error with unnamed results.
func Load(ctx context.Context, n int) (*int, error) {
	if n < 0 {
		return nil, errors.New("negative")
	}
	return &n, nil
}

// Serve takes the parent from the request.
func Serve(w http.ResponseWriter, r *http.Request) {
	fmt.Println("Serve runs in", r.Context().Value(key{}))
}

// Recovered sets its error in a deferred call of its own, which runs before
// the span ends.
func Recovered() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered %v", r)
		}
	}()
	panic("inner")
}

// IsNil reports whether its context is nil, which it must stay.
func IsNil(ctx context.Context) bool {
	return ctx == nil
}

// Fail panics when n is positive.
func Fail(n int) error {
	if n > 0 {
		panic(fmt.Sprintf("fail %d", n))
	}
	return nil
}

func main() {
	ctx := context.WithValue(context.Background(), key{}, "main")
	fmt.Println(Find(ctx, "7"))
	fmt.Println(Find(ctx, ""))
	p, err := Load(ctx, -1)
	fmt.Println(p == nil, err)
	Serve(httptest.NewRecorder(), httptest.NewRequest("GET", "/users", nil))
	fmt.Println(Recovered())
	fmt.Println(IsNil(nil))
	fmt.Println(Fail(len(os.Args) - 1))
}
