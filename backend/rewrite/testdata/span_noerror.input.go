package noerror

import "context"

// Log returns nothing.
func Log(ctx context.Context, msg string) {
	println(msg)
}

// Count returns no error.
func Count(ctx context.Context, xs []int) int {
	return len(xs)
}

// Variadic has a variadic parameter after the context.
func Variadic(ctx context.Context, xs ...int) int {
	return len(xs)
}
