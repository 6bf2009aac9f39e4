//line /ssaweave/testdata/span_noparent.go:1:1
package compute

//line /ssaweave/testdata/span_noparent.go:3:1
import "errors"

//line /ssaweave/testdata/span_noparent.go:1:1
import _ "unsafe"

// Compute has no context parameter; its results are unnamed.
//
//line /ssaweave/testdata/span_noparent.go:6:1
func Compute(n int) (ssaweaveRes0 int, ssaweaveErr error) { /*line /ssaweave/testdata/span_noparent.go:5:1*/
	if h := ssaweaveHook_Compute; h != nil { /*line /ssaweave/testdata/span_noparent.go:5:1*/
		_, end := h(nil, "compute") /*line /ssaweave/testdata/span_noparent.go:5:1*/
		if end != nil {             /*line /ssaweave/testdata/span_noparent.go:5:1*/
			defer func() { /*line /ssaweave/testdata/span_noparent.go:5:1*/
				e := ssaweaveErr /*line /ssaweave/testdata/span_noparent.go:5:1*/
				end(&e)
			}()
		}
	} /*line /ssaweave/testdata/span_noparent.go:5:1*/
	if h := ssaweaveHook_Compute_around; h != nil { /*line /ssaweave/testdata/span_noparent.go:5:1*/
		return h(n, ssaweaveOrig_Compute)
	} /*line /ssaweave/testdata/span_noparent.go:5:1*/
	return ssaweaveOrig_Compute(n) /*line /ssaweave/testdata/span_noparent.go:5:1*/
}

// Run has neither parameters nor results.
//
//line /ssaweave/testdata/span_noparent.go:14:1
func Run() { /*line /ssaweave/testdata/span_noparent.go:13:1*/
	if h := ssaweaveHook_Run; h != nil { /*line /ssaweave/testdata/span_noparent.go:13:1*/
		_, end := h(nil, "run") /*line /ssaweave/testdata/span_noparent.go:13:1*/
		if end != nil {         /*line /ssaweave/testdata/span_noparent.go:13:1*/
			defer end(nil)
		}
	}
	/*line /ssaweave/testdata/span_noparent.go:14:1*/
	_, _ = Compute(1) /*line /ssaweave/testdata/span_noparent.go:15:1*/
}

//go:linkname ssaweaveHook_Compute_around
//line /ssaweave/testdata/span_noparent.go:6:1
var ssaweaveHook_Compute_around func(n int, next func(int) (int, error)) (int, error)

//line /ssaweave/testdata/span_noparent.go:6:1
func ssaweaveOrig_Compute(n int) (int, error) {
	/*line /ssaweave/testdata/span_noparent.go:6:1*/
	if n < 0 {
		return 0, errors.New("negative")
	}
	/*line /ssaweave/testdata/span_noparent.go:9:1*/
	return n * 2, nil /*line /ssaweave/testdata/span_noparent.go:10:1*/
}

//go:linkname ssaweaveHook_Compute
//line /ssaweave/testdata/span_noparent.go:6:1
var ssaweaveHook_Compute func(parent any, name string) (ctx any, end func(err *error))

//go:linkname ssaweaveHook_Run
//line /ssaweave/testdata/span_noparent.go:14:1
var ssaweaveHook_Run func(parent any, name string) (ctx any, end func(err *error))
