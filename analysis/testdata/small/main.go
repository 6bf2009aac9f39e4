// Command small has one declaration of each shape a rule can name.
package main

import ssaweave_imported "unsafe"

// T has methods with both receiver kinds.
type T struct{}

// Value has a value receiver.
func (T) Value() {}

// Pointer has a pointer receiver.
func (*T) Pointer() {}

// Outer has T's methods only by promotion.
type Outer struct{ T }

// Plain is a package-level function.
func Plain() {}

// Generic cannot be a target.
func Generic[X any](x X) {}

// ssaweave_taken collides with a hook name.
var ssaweave_taken = ssaweave_imported.Sizeof(0)

func main() {
	var t T
	t.Value()
	t.Pointer()
	Plain()
	Generic(ssaweave_taken)
	_ = Outer{}
}
