// Command calls looks up users with the three variants of internal/store,
// so that each is reachable from main and Find gets its woven span. Its
// test file holds the per-call benchmarks, which run in the woven test
// binary (ssaweave go test) and in the plain one (go test).
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
