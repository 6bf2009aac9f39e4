//go:build !unix

package ssaweave

import (
	"context"
	"errors"
	"time"
)

// Without unix sockets and file locks there is no plan server: every plan
// is built in-process.

func serverPlan(context.Context, Options, *keyInputs, string) (*Plan, bool, error) {
	return nil, false, nil
}

func markPlanned(Options, *keyInputs, string) {}

// StopServers does nothing: there are no plan servers here.
func StopServers(cacheDir string) {}

// Serve fails: plan servers need unix sockets.
func Serve(ctx context.Context, sock string, idle time.Duration) error {
	return errors.New("ssaweave: plan servers need unix sockets")
}
