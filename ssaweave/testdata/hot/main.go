// Command hot does most of its work under one function span, crunch, and
// almost none under another, Report. TestHotPaths (ssaweave/hot_test.go)
// profiles it with main_test.go and plans it with the profile.
package main

import (
	"context"

	"example.com/hot/work"
)

func main() {
	ctx := context.Background()
	if err := work.Report(ctx, work.Run(ctx, work.N)); err != nil {
		panic(err)
	}
}
