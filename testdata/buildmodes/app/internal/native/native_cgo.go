//go:build cgo

// Package native says whether the program was built with cgo: a cgo
// package in the woven program.
package native

/*
static const char *origin(void) { return "cgo"; }
*/
import "C"

// Origin returns "cgo".
func Origin() string { return C.GoString(C.origin()) }
