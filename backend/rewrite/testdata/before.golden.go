// Package osx mimics package os: Exit is the kind of function an EditBefore
// hooks so that spans are flushed before the process ends.
//
//line /ssaweave/testdata/before.go:3:1
package osx

//line /ssaweave/testdata/before.go:5:1
import "fmt"

//line /ssaweave/testdata/before.go:3:1
import _ "unsafe"

//line /ssaweave/testdata/before.go:7:1
var exitCode int

// Exit causes the current program to exit with the given status code.
//
//line /ssaweave/testdata/before.go:10:1
func Exit(code int) { /*line /ssaweave/testdata/before.go:9:1*/
	if h := ssaweaveHook_Exit; h != nil { /*line /ssaweave/testdata/before.go:9:1*/
		h(code)
	}
	/*line /ssaweave/testdata/before.go:10:1*/
	if code == 0 {
		fmt.Println("bye")
	}

	// Remember the code; a real os.Exit would end the process here.
	/*line /ssaweave/testdata/before.go:15:1*/
	exitCode = code /*line /ssaweave/testdata/before.go:16:1*/
}

// Code returns the last code passed to Exit.
//
//line /ssaweave/testdata/before.go:20:1
func Code() int { return exitCode }

//go:linkname ssaweaveHook_Exit
//line /ssaweave/testdata/before.go:10:1
var ssaweaveHook_Exit func(code int)
