// Command dispatch exercises the call edges a witness path must follow:
// interface method calls, closures called through a function value, and
// package initializers.
package main

// Shape is called through an interface: only types converted to it are
// candidates under RTA.
type Shape interface{ Area() int }

// Square is converted to Shape in main, so its Area is reachable.
type Square struct{ n int }

func (s Square) Area() int { return s.n*s.n + leaf() }

// Circle is never converted to an interface, so its Area is not reachable
// even though a *Circle exists.
type Circle struct{ r int }

func (c *Circle) Area() int { return 3 * c.r * c.r }

// apply calls its argument dynamically.
func apply(f func() int) int { return f() }

func leaf() int { return 4 }

func deep() int { return 5 }

func initOnly() {}

func unused() { println("never") }

func init() { initOnly() }

func main() {
	var s Shape = Square{2}
	println(s.Area())
	x := 3
	println(apply(func() int { return x + deep() }))
	c := &Circle{1}
	println(c.r)
}
