// Package work is the work of the hot and idle programs.
package work

import (
	"context"
	"errors"
)

// N is the work of one run: about half a second of CPU.
const N = 400_000_000

// Run does n steps of work: three quarters of them in crunch, called in a
// loop, and the rest in mix, which has no span, so that crunch's share of
// a profile stays well below 100%.
func Run(ctx context.Context, n int) uint64 {
	var sum uint64
	for i := 0; i < 3; i++ {
		sum += crunch(ctx, n/4)
	}
	return sum + mix(n/4)
}

// crunch is where the hot program spends most of its time.
//
//ssaweave:span
func crunch(ctx context.Context, n int) uint64 {
	return mix(n)
}

// Report runs once, briefly.
//
//ssaweave:span
func Report(ctx context.Context, sum uint64) error {
	if sum == 0 {
		return errors.New("no work done")
	}
	return nil
}

// mix is CPU work that the compiler cannot fold: a chain of dependent
// multiplications.
func mix(n int) uint64 {
	x := uint64(1)
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + uint64(i)
	}
	return x
}
