package main

import (
	"fmt"
	"strings"
)

// Exit would end the program.
func Exit(code int) {
	fmt.Println("exit", code)
}

// Join joins its arguments with sep.
func Join(sep string, parts ...string) string {
	return strings.Join(parts, sep)
}

// Counter counts.
type Counter struct{ n int }

// Add adds d and returns the new count.
func (c *Counter) Add(d int) (total int) {
	c.n += d
	total = c.n
	return
}

func main() {
	Exit(3)
	fmt.Println(Join("-", "a", "b", "c"))
	var c Counter
	c.Add(2)
	fmt.Println(c.Add(5))
}
