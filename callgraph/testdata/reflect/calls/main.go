// Command calls calls a method through reflection: the methods of types
// that reach an interface are reachable.
package main

import "reflect"

// T reaches an interface.
type T struct{}

// Hello is called through reflection only.
func (T) Hello() { println("hello") }

// U never reaches an interface.
type U struct{}

// Hello is not reachable.
func (U) Hello() {}

func main() {
	var x any = T{}
	reflect.ValueOf(x).MethodByName("Hello").Call(nil)
	var u U
	_ = u
}
