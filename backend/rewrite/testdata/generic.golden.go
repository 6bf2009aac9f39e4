//line /ssaweave/testdata/generic.go:1:1
package generic

//line /ssaweave/testdata/generic.go:1:1
import _ "unsafe"

// List is a generic list.
//
//line /ssaweave/testdata/generic.go:4:1
type List[T any] struct{ items []T }

// Len returns the number of items; its signature does not involve T.
//
//line /ssaweave/testdata/generic.go:7:1
func (l *List[T]) Len() int { /*line /ssaweave/testdata/generic.go:6:1*/
	if h := ssaweaveHook_List_Len; h != nil { /*line /ssaweave/testdata/generic.go:6:1*/
		return h(l.ssaweaveOrig_Len)
	} /*line /ssaweave/testdata/generic.go:6:1*/
	return l.ssaweaveOrig_Len() /*line /ssaweave/testdata/generic.go:6:1*/
}

// Reset empties the list.
//
//line /ssaweave/testdata/generic.go:12:1
func (l *List[_]) Reset() { /*line /ssaweave/testdata/generic.go:11:1*/
	if h := ssaweaveHook_List_Reset; h != nil { /*line /ssaweave/testdata/generic.go:11:1*/
		h()
	}
	/*line /ssaweave/testdata/generic.go:12:1*/
	l.Clear() /*line /ssaweave/testdata/generic.go:13:1*/
}

// Clear empties the list.
//
//line /ssaweave/testdata/generic.go:17:1
func (l *List[T]) Clear() { /*line /ssaweave/testdata/generic.go:16:1*/
	if h := ssaweaveHook_List_Clear; h != nil { /*line /ssaweave/testdata/generic.go:16:1*/
		h(l.ssaweaveOrig_Clear) /*line /ssaweave/testdata/generic.go:16:1*/
		return
	} /*line /ssaweave/testdata/generic.go:16:1*/
	l.ssaweaveOrig_Clear() /*line /ssaweave/testdata/generic.go:16:1*/
}

// Sized returns n plus the size class of T and U, which the signature does
// not mention.
//
//line /ssaweave/testdata/generic.go:23:1
func Sized[T any, U comparable](n int) int { /*line /ssaweave/testdata/generic.go:22:1*/
	if h := ssaweaveHook_Sized; h != nil { /*line /ssaweave/testdata/generic.go:22:1*/
		return h(n, ssaweaveOrig_Sized[T, U])
	} /*line /ssaweave/testdata/generic.go:22:1*/
	return ssaweaveOrig_Sized[T, U](n) /*line /ssaweave/testdata/generic.go:22:1*/
}

// Blank has a blank type parameter.
//
//line /ssaweave/testdata/generic.go:31:1
func Blank[ssaweaveT0 any](s string) string { /*line /ssaweave/testdata/generic.go:30:1*/
	if h := ssaweaveHook_Blank; h != nil { /*line /ssaweave/testdata/generic.go:30:1*/
		return h(s, ssaweaveOrig_Blank[ssaweaveT0])
	} /*line /ssaweave/testdata/generic.go:30:1*/
	return ssaweaveOrig_Blank[ssaweaveT0](s) /*line /ssaweave/testdata/generic.go:30:1*/
}

//go:linkname ssaweaveHook_List_Len
//line /ssaweave/testdata/generic.go:7:1
var ssaweaveHook_List_Len func(next func() int) int

//line /ssaweave/testdata/generic.go:7:1
func (l *List[T]) ssaweaveOrig_Len() int {
	/*line /ssaweave/testdata/generic.go:7:1*/
	return len(l.items) /*line /ssaweave/testdata/generic.go:8:1*/
}

//go:linkname ssaweaveHook_List_Reset
//line /ssaweave/testdata/generic.go:12:1
var ssaweaveHook_List_Reset func()

//go:linkname ssaweaveHook_List_Clear
//line /ssaweave/testdata/generic.go:17:1
var ssaweaveHook_List_Clear func(next func())

//line /ssaweave/testdata/generic.go:17:1
func (l *List[T]) ssaweaveOrig_Clear() {
	/*line /ssaweave/testdata/generic.go:17:1*/
	l.items = nil /*line /ssaweave/testdata/generic.go:18:1*/
}

//go:linkname ssaweaveHook_Sized
//line /ssaweave/testdata/generic.go:23:1
var ssaweaveHook_Sized func(n int, next func(int) int) int

//line /ssaweave/testdata/generic.go:23:1
func ssaweaveOrig_Sized[T any, U comparable](n int) int {
	/*line /ssaweave/testdata/generic.go:23:1*/
	var t T
	/*line /ssaweave/testdata/generic.go:24:1*/
	var u U
	/*line /ssaweave/testdata/generic.go:25:1*/
	_, _ = t, u
	/*line /ssaweave/testdata/generic.go:26:1*/
	return n /*line /ssaweave/testdata/generic.go:27:1*/
}

//go:linkname ssaweaveHook_Blank
//line /ssaweave/testdata/generic.go:31:1
var ssaweaveHook_Blank func(s string, next func(string) string) string

//line /ssaweave/testdata/generic.go:31:1
func ssaweaveOrig_Blank[ssaweaveT0 any](s string) string {
	/*line /ssaweave/testdata/generic.go:31:1*/
	return s /*line /ssaweave/testdata/generic.go:32:1*/
}
