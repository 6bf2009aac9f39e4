// Command callsoff looks up users with the three variants of
// internal/store, like cmd/calls, but never installs a TracerProvider, so
// that the woven Find's hook is left unbound when tracing is off (the
// plan's hooks.unbound site). Its test file measures that state.
package main

import (
	"context"
	"fmt"
	"os"

	"example.com/bench/internal/store"
)

func main() {
	ctx := context.Background()
	for _, id := range os.Args[1:] {
		a, errA := store.Find(ctx, id)
		b, errB := store.FindPlain(ctx, id)
		c, errC := store.FindManual(ctx, id)
		fmt.Println(id, a, b, c, errA, errB, errC)
	}
}
