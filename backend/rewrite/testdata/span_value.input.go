package config

import "context"

// Config is loaded by value.
type Config struct{ path string }

// Load has a value receiver named c, the name the rewrite would give the
// context it gets back first.
func (c Config) Load(ctx context.Context) (data []byte, err error) {
	if c.path == "" {
		return nil, context.Canceled
	}
	return []byte(c.path), ctx.Err()
}

// Generic types are fine as long as the parent's type is not a type
// parameter.
type List[T any] []T

// Each calls f on every element.
func (l List[T]) Each(ctx context.Context, f func(T) error) error {
	for _, v := range l {
		if err := f(v); err != nil {
			return err
		}
	}
	return ctx.Err()
}
