//line /ssaweave/testdata/unnamed.go:1:1
package unnamed

//line /ssaweave/testdata/unnamed.go:1:1
import _ "unsafe"

//line /ssaweave/testdata/unnamed.go:3:1
type T struct{}

// M has an unnamed receiver and unnamed parameters.
//
//line /ssaweave/testdata/unnamed.go:6:1
func (ssaweaveRecv T) M(ssaweaveArg0 int, ssaweaveArg1 string) error { /*line /ssaweave/testdata/unnamed.go:5:1*/
	if h := ssaweaveHook_T_M; h != nil { /*line /ssaweave/testdata/unnamed.go:5:1*/
		return h(ssaweaveArg0, ssaweaveArg1, ssaweaveRecv.ssaweaveOrig_M)
	} /*line /ssaweave/testdata/unnamed.go:5:1*/
	return ssaweaveRecv.ssaweaveOrig_M(ssaweaveArg0, ssaweaveArg1) /*line /ssaweave/testdata/unnamed.go:5:1*/
}

// N has blank parameters and a blank receiver.
//
//line /ssaweave/testdata/unnamed.go:11:1
func (ssaweaveRecv *T) N(ssaweaveArg0 int, x string, ssaweaveArg2 bool) string { /*line /ssaweave/testdata/unnamed.go:10:1*/
	if h := ssaweaveHook_T_N; h != nil { /*line /ssaweave/testdata/unnamed.go:10:1*/
		return h(ssaweaveArg0, x, ssaweaveArg2, ssaweaveRecv.ssaweaveOrig_N)
	} /*line /ssaweave/testdata/unnamed.go:10:1*/
	return ssaweaveRecv.ssaweaveOrig_N(ssaweaveArg0, x, ssaweaveArg2) /*line /ssaweave/testdata/unnamed.go:10:1*/
}

// F has unnamed parameters.
//
//line /ssaweave/testdata/unnamed.go:16:1
func F(ssaweaveArg0 int, ssaweaveArg1 []byte) {
	/*line /ssaweave/testdata/unnamed.go:15:1*/
	if h := ssaweaveHook_F; h != nil { /*line /ssaweave/testdata/unnamed.go:15:1*/
		h(ssaweaveArg0, ssaweaveArg1)
	} /*line /ssaweave/testdata/unnamed.go:16:1*/
}

//go:linkname ssaweaveHook_T_M
//line /ssaweave/testdata/unnamed.go:6:1
var ssaweaveHook_T_M func(ssaweaveArg0 int, ssaweaveArg1 string, next func(int, string) error) error

//line /ssaweave/testdata/unnamed.go:6:1
func (ssaweaveRecv T) ssaweaveOrig_M(ssaweaveArg0 int, ssaweaveArg1 string) error {
	/*line /ssaweave/testdata/unnamed.go:6:1*/
	return nil /*line /ssaweave/testdata/unnamed.go:7:1*/
}

//go:linkname ssaweaveHook_T_N
//line /ssaweave/testdata/unnamed.go:11:1
var ssaweaveHook_T_N func(ssaweaveArg0 int, x string, ssaweaveArg2 bool, next func(int, string, bool) string) string

//line /ssaweave/testdata/unnamed.go:11:1
func (ssaweaveRecv *T) ssaweaveOrig_N(ssaweaveArg0 int, x string, ssaweaveArg2 bool) string {
	/*line /ssaweave/testdata/unnamed.go:11:1*/
	return x /*line /ssaweave/testdata/unnamed.go:12:1*/
}

//go:linkname ssaweaveHook_F
//line /ssaweave/testdata/unnamed.go:16:1
var ssaweaveHook_F func(ssaweaveArg0 int, ssaweaveArg1 []byte)
