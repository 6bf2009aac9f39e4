package main

import (
	"context"
	"testing"

	"example.com/hot/work"
)

// TestRun does the program's work under go test, so that
// go test -cpuprofile profiles it (ssaweave's TestHotPaths makes the
// program's default.pgo this way).
func TestRun(t *testing.T) {
	ctx := context.Background()
	if err := work.Report(ctx, work.Run(ctx, work.N)); err != nil {
		t.Fatal(err)
	}
}
