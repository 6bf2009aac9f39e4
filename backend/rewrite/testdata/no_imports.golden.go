// Package noimports has no import declaration at all.
//
//line /ssaweave/testdata/no_imports.go:2:1
package noimports

//line /ssaweave/testdata/no_imports.go:2:1
import _ "unsafe"

// Sum adds its arguments.
//
//line /ssaweave/testdata/no_imports.go:5:1
func Sum(a, b int) int { /*line /ssaweave/testdata/no_imports.go:4:1*/
	if h := ssaweaveHook_Sum; h != nil { /*line /ssaweave/testdata/no_imports.go:4:1*/
		return h(a, b, ssaweaveOrig_Sum)
	} /*line /ssaweave/testdata/no_imports.go:4:1*/
	return ssaweaveOrig_Sum(a, b) /*line /ssaweave/testdata/no_imports.go:4:1*/
}

//go:linkname ssaweaveHook_Sum
//line /ssaweave/testdata/no_imports.go:5:1
var ssaweaveHook_Sum func(a int, b int, next func(int, int) int) int

//line /ssaweave/testdata/no_imports.go:5:1
func ssaweaveOrig_Sum(a, b int) int {
	/*line /ssaweave/testdata/no_imports.go:5:1*/
	return a + b /*line /ssaweave/testdata/no_imports.go:6:1*/
}
