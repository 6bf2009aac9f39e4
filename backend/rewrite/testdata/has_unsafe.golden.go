//line /ssaweave/testdata/has_unsafe.go:1:1
package hasunsafe

//line /ssaweave/testdata/has_unsafe.go:3:1
import (
	"unsafe"
)

// Size returns the size of an int.
//
//line /ssaweave/testdata/has_unsafe.go:8:1
func Size() uintptr { /*line /ssaweave/testdata/has_unsafe.go:7:1*/
	if h := ssaweaveHook_Size; h != nil { /*line /ssaweave/testdata/has_unsafe.go:7:1*/
		h()
	}
	/*line /ssaweave/testdata/has_unsafe.go:8:1*/
	var x int
	/*line /ssaweave/testdata/has_unsafe.go:9:1*/
	return unsafe.Sizeof(x) /*line /ssaweave/testdata/has_unsafe.go:10:1*/
}

//go:linkname ssaweaveHook_Size
//line /ssaweave/testdata/has_unsafe.go:8:1
var ssaweaveHook_Size func()
