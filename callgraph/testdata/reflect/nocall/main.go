// Command nocall uses reflection but never looks a method up: no method is
// reachable through reflection.
package main

import "reflect"

// T reaches an interface.
type T struct{}

// Hello is not reachable: nothing calls it and reflection cannot.
func (T) Hello() { println("hello") }

func main() {
	var x any = T{}
	println(reflect.TypeOf(x).Name())
}
