// Command idle runs the work of hot briefly. It has no profile of its own
// (no default.pgo), so crunch is not hot in it: TestHotPaths checks that
// crunch's span is woven into this program and not into hot.
package main

import (
	"context"

	"example.com/hot/work"
)

func main() {
	ctx := context.Background()
	if err := work.Report(ctx, work.Run(ctx, 1000)); err != nil {
		panic(err)
	}
}
