//line /ssaweave/testdata/hooks.go:1:1
package main

//line /ssaweave/testdata/hooks.go:3:1
import (
	"fmt"
	"strings"
)

//line /ssaweave/testdata/hooks.go:1:1
import _ "unsafe"

// Exit would end the program.
//
//line /ssaweave/testdata/hooks.go:9:1
func Exit(code int) { /*line /ssaweave/testdata/hooks.go:8:1*/
	if h := ssaweaveHook_Exit; h != nil { /*line /ssaweave/testdata/hooks.go:8:1*/
		h(code)
	}
	/*line /ssaweave/testdata/hooks.go:9:1*/
	fmt.Println("exit", code) /*line /ssaweave/testdata/hooks.go:10:1*/
}

// Join joins its arguments with sep.
//
//line /ssaweave/testdata/hooks.go:14:1
func Join(sep string, parts ...string) string { /*line /ssaweave/testdata/hooks.go:13:1*/
	if h := ssaweaveHook_Join; h != nil { /*line /ssaweave/testdata/hooks.go:13:1*/
		return h(sep, parts, ssaweaveOrig_Join)
	} /*line /ssaweave/testdata/hooks.go:13:1*/
	return ssaweaveOrig_Join(sep, parts...) /*line /ssaweave/testdata/hooks.go:13:1*/
}

// Counter counts.
//
//line /ssaweave/testdata/hooks.go:19:1
type Counter struct{ n int }

// Add adds d and returns the new count.
//
//line /ssaweave/testdata/hooks.go:22:1
func (c *Counter) Add(d int) (total int) { /*line /ssaweave/testdata/hooks.go:21:1*/
	if h := ssaweaveHook_Counter_Add; h != nil { /*line /ssaweave/testdata/hooks.go:21:1*/
		return h(d, c.ssaweaveOrig_Add)
	} /*line /ssaweave/testdata/hooks.go:21:1*/
	return c.ssaweaveOrig_Add(d) /*line /ssaweave/testdata/hooks.go:21:1*/
}

//line /ssaweave/testdata/hooks.go:28:1
func main() { /*line /ssaweave/testdata/hooks.go:27:1*/
	defer ssaweave_atMainReturn()
	/*line /ssaweave/testdata/hooks.go:28:1*/
	Exit(3)
	/*line /ssaweave/testdata/hooks.go:29:1*/
	fmt.Println(Join("-", "a", "b", "c"))
	/*line /ssaweave/testdata/hooks.go:30:1*/
	var c Counter
	/*line /ssaweave/testdata/hooks.go:31:1*/
	c.Add(2)
	/*line /ssaweave/testdata/hooks.go:32:1*/
	fmt.Println(c.Add(5)) /*line /ssaweave/testdata/hooks.go:33:1*/
}

//go:linkname ssaweaveHook_Exit
//line /ssaweave/testdata/hooks.go:9:1
var ssaweaveHook_Exit func(code int)

//go:linkname ssaweaveHook_Join
//line /ssaweave/testdata/hooks.go:14:1
var ssaweaveHook_Join func(sep string, parts []string, next func(string, ...string) string) string

//line /ssaweave/testdata/hooks.go:14:1
func ssaweaveOrig_Join(sep string, parts ...string) string {
	/*line /ssaweave/testdata/hooks.go:14:1*/
	return strings.Join(parts, sep) /*line /ssaweave/testdata/hooks.go:15:1*/
}

//go:linkname ssaweaveHook_Counter_Add
//line /ssaweave/testdata/hooks.go:22:1
var ssaweaveHook_Counter_Add func(d int, next func(int) int) int

//line /ssaweave/testdata/hooks.go:22:1
func (c *Counter) ssaweaveOrig_Add(d int) (total int) {
	/*line /ssaweave/testdata/hooks.go:22:1*/
	c.n += d
	/*line /ssaweave/testdata/hooks.go:23:1*/
	total = c.n
	/*line /ssaweave/testdata/hooks.go:24:1*/
	return /*line /ssaweave/testdata/hooks.go:25:1*/
}
