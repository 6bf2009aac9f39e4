package unnamed

import (
	"context"
	"errors"
)

// Triple has three unnamed results, the error in the middle, and a body
// that uses the names the rewrite would pick first.
func Triple(ctx context.Context) (int, error, string) {
	h, c, end, ok := 1, 2, 3, true
	ssaweaveErr, ssaweaveRes0 := errors.New("x"), 4
	if !ok || ctx == nil {
		return h + c + end + ssaweaveRes0, ssaweaveErr, ""
	}
	return 0, nil, "ok"
}

// Blank has a blank error result among named ones.
func Blank(ctx context.Context) (n int, _ error) {
	return len(ctx.Value("k").(string)), nil
}

// Unnamed has an unnamed context parameter, given by index in the plan.
func Unnamed(context.Context, int) error {
	return nil
}

// Two has two error results: the last one is recorded.
func Two() (first error, second error) {
	return nil, errors.New("second")
}
