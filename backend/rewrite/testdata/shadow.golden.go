//line /ssaweave/testdata/shadow.go:1:1
package shadow

//line /ssaweave/testdata/shadow.go:1:1
import _ "unsafe"

// Handler handles.
//
//line /ssaweave/testdata/shadow.go:4:1
type Handler struct{ n int }

// Serve has parameters named like the locals the wrapper would use.
//
//line /ssaweave/testdata/shadow.go:7:1
func (h *Handler) Serve(next func() int, h1 int) int { /*line /ssaweave/testdata/shadow.go:6:1*/
	if h2 := ssaweaveHook_Handler_Serve; h2 != nil { /*line /ssaweave/testdata/shadow.go:6:1*/
		return h2(next, h1, h.ssaweaveOrig_Serve)
	} /*line /ssaweave/testdata/shadow.go:6:1*/
	return h.ssaweaveOrig_Serve(next, h1) /*line /ssaweave/testdata/shadow.go:6:1*/
}

// Call too.
//
//line /ssaweave/testdata/shadow.go:12:1
func Call(h func(int) int, next int) int { /*line /ssaweave/testdata/shadow.go:11:1*/
	if h1 := ssaweaveHook_Call; h1 != nil { /*line /ssaweave/testdata/shadow.go:11:1*/
		h1(h, next)
	}
	/*line /ssaweave/testdata/shadow.go:12:1*/
	return h(next) /*line /ssaweave/testdata/shadow.go:13:1*/
}

//go:linkname ssaweaveHook_Handler_Serve
//line /ssaweave/testdata/shadow.go:7:1
var ssaweaveHook_Handler_Serve func(next func() int, h1 int, next1 func(func() int, int) int) int

//line /ssaweave/testdata/shadow.go:7:1
func (h *Handler) ssaweaveOrig_Serve(next func() int, h1 int) int {
	/*line /ssaweave/testdata/shadow.go:7:1*/
	return next() + h1 + h.n /*line /ssaweave/testdata/shadow.go:8:1*/
}

//go:linkname ssaweaveHook_Call
//line /ssaweave/testdata/shadow.go:12:1
var ssaweaveHook_Call func(h func(int) int, next int)
