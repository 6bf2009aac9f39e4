package refused

import "context"

// With's context is a type parameter, which the context the hook returns
// cannot be asserted to.
func With[C context.Context](ctx C) error {
	return ctx.Err()
}
