// Package osx mimics package os: Exit is the kind of function an EditBefore
// hooks so that spans are flushed before the process ends.
//
//line /ssaweave/testdata/probe.go:3:1
package osx

//line /ssaweave/testdata/probe.go:5:1
import "fmt"

//line /ssaweave/testdata/probe.go:3:1
import _ "unsafe"

//line /ssaweave/testdata/probe.go:7:1
var exitCode int

// Exit causes the current program to exit with the given status code.
//
//line /ssaweave/testdata/probe.go:10:1
func Exit(code int) { /*line /ssaweave/testdata/probe.go:9:1*/
	if h := ssaweaveProbe_Exit; h != nil { /*line /ssaweave/testdata/probe.go:9:1*/
		h()
	}
	/*line /ssaweave/testdata/probe.go:10:1*/
	if code == 0 {
		fmt.Println("bye")
	}

	// Remember the code; a real os.Exit would end the process here.
	/*line /ssaweave/testdata/probe.go:15:1*/
	exitCode = code /*line /ssaweave/testdata/probe.go:16:1*/
}

// Code returns the last code passed to Exit.
//
//line /ssaweave/testdata/probe.go:20:1
func Code() int { return exitCode }

//go:linkname ssaweaveProbe_Exit
//line /ssaweave/testdata/probe.go:10:1
var ssaweaveProbe_Exit func()
