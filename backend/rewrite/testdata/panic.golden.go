//line /ssaweave/testdata/panic.go:1:1
package main

//line /ssaweave/testdata/panic.go:3:1
import "fmt"

//line /ssaweave/testdata/panic.go:1:1
import _ "unsafe"

// T fails on demand.
//
//line /ssaweave/testdata/panic.go:6:1
type T struct{ name string }

// Fail panics when n is positive.
//
//line /ssaweave/testdata/panic.go:9:1
func (t T) Fail(n int) int { /*line /ssaweave/testdata/panic.go:8:1*/
	if h := ssaweaveHook_T_Fail; h != nil { /*line /ssaweave/testdata/panic.go:8:1*/
		return h(n, t.ssaweaveOrig_Fail)
	} /*line /ssaweave/testdata/panic.go:8:1*/
	return t.ssaweaveOrig_Fail(n) /*line /ssaweave/testdata/panic.go:8:1*/
}

//line /ssaweave/testdata/panic.go:16:1
func main() { /*line /ssaweave/testdata/panic.go:15:1*/
	defer ssaweave_atMainReturn()
	/*line /ssaweave/testdata/panic.go:16:1*/
	t := T{name: "t"}
	/*line /ssaweave/testdata/panic.go:17:1*/
	fmt.Println(t.Fail(0))
	/*line /ssaweave/testdata/panic.go:18:1*/
	fmt.Println(t.Fail(1)) /*line /ssaweave/testdata/panic.go:19:1*/
}

//go:linkname ssaweaveHook_T_Fail
//line /ssaweave/testdata/panic.go:9:1
var ssaweaveHook_T_Fail func(n int, next func(int) int) int

//line /ssaweave/testdata/panic.go:9:1
func (t T) ssaweaveOrig_Fail(n int) int {
	/*line /ssaweave/testdata/panic.go:9:1*/
	if n > 0 {
		panic(fmt.Sprintf("%s: boom %d", t.name, n))
	}
	/*line /ssaweave/testdata/panic.go:12:1*/
	return n /*line /ssaweave/testdata/panic.go:13:1*/
}
