package main

import "fmt"

// T fails on demand.
type T struct{ name string }

// Fail panics when n is positive.
func (t T) Fail(n int) int {
	if n > 0 {
		panic(fmt.Sprintf("%s: boom %d", t.name, n))
	}
	return n
}

func main() {
	t := T{name: "t"}
	fmt.Println(t.Fail(0))
	fmt.Println(t.Fail(1))
}
