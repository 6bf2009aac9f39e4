package hasunsafe

import (
	"unsafe"
)

// Size returns the size of an int.
func Size() uintptr {
	var x int
	return unsafe.Sizeof(x)
}
