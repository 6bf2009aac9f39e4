// Command build builds the OpenTelemetry Collector of the end-to-end tests
// into ssaweave's cache, unless it is there already, and prints its path.
//
// The tests build it on first use anyway; CI runs this first
// (`go run ./internal/e2e/otelcol/build`) so that the cost of a cold build
// shows on its own in the log, with the builder's progress, instead of
// hiding inside the time of one test package.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/ssaweave/ssaweave/internal/e2e/otelcol"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	bin, err := otelcol.Build(ctx, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(bin)
}
