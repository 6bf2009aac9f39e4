//line /ssaweave/testdata/results.go:1:1
package results

//line /ssaweave/testdata/results.go:3:1
import "strconv"

//line /ssaweave/testdata/results.go:1:1
import _ "unsafe"

// Named uses named results and a bare return.
//
//line /ssaweave/testdata/results.go:6:1
func Named(s string) (n int, err error) { /*line /ssaweave/testdata/results.go:5:1*/
	if h := ssaweaveHook_Named; h != nil { /*line /ssaweave/testdata/results.go:5:1*/
		return h(s, ssaweaveOrig_Named)
	} /*line /ssaweave/testdata/results.go:5:1*/
	return ssaweaveOrig_Named(s) /*line /ssaweave/testdata/results.go:5:1*/
}

// Unnamed has two unnamed results.
//
//line /ssaweave/testdata/results.go:15:1
func Unnamed(s string) (int, error) { /*line /ssaweave/testdata/results.go:14:1*/
	if h := ssaweaveHook_Unnamed; h != nil { /*line /ssaweave/testdata/results.go:14:1*/
		return h(s, ssaweaveOrig_Unnamed)
	} /*line /ssaweave/testdata/results.go:14:1*/
	return ssaweaveOrig_Unnamed(s) /*line /ssaweave/testdata/results.go:14:1*/
}

// Grouped names two results of the same type in one field.
//
//line /ssaweave/testdata/results.go:20:1
func Grouped() (a, b int) { /*line /ssaweave/testdata/results.go:19:1*/
	if h := ssaweaveHook_Grouped; h != nil { /*line /ssaweave/testdata/results.go:19:1*/
		return h(ssaweaveOrig_Grouped)
	} /*line /ssaweave/testdata/results.go:19:1*/
	return ssaweaveOrig_Grouped() /*line /ssaweave/testdata/results.go:19:1*/
}

//go:linkname ssaweaveHook_Named
//line /ssaweave/testdata/results.go:6:1
var ssaweaveHook_Named func(s string, next func(string) (int, error)) (int, error)

//line /ssaweave/testdata/results.go:6:1
func ssaweaveOrig_Named(s string) (n int, err error) {
	/*line /ssaweave/testdata/results.go:6:1*/
	n, err = strconv.Atoi(s)
	/*line /ssaweave/testdata/results.go:7:1*/
	if err != nil {
		n = -1
	}
	/*line /ssaweave/testdata/results.go:10:1*/
	return /*line /ssaweave/testdata/results.go:11:1*/
}

//go:linkname ssaweaveHook_Unnamed
//line /ssaweave/testdata/results.go:15:1
var ssaweaveHook_Unnamed func(s string, next func(string) (int, error)) (int, error)

//line /ssaweave/testdata/results.go:15:1
func ssaweaveOrig_Unnamed(s string) (int, error) {
	/*line /ssaweave/testdata/results.go:15:1*/
	return strconv.Atoi(s) /*line /ssaweave/testdata/results.go:16:1*/
}

//go:linkname ssaweaveHook_Grouped
//line /ssaweave/testdata/results.go:20:1
var ssaweaveHook_Grouped func(next func() (int, int)) (int, int)

//line /ssaweave/testdata/results.go:20:1
func ssaweaveOrig_Grouped() (a, b int) {
	/*line /ssaweave/testdata/results.go:20:1*/
	a, b = 1, 2
	/*line /ssaweave/testdata/results.go:21:1*/
	return /*line /ssaweave/testdata/results.go:22:1*/
}
