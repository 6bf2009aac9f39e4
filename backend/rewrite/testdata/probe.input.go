// Package osx mimics package os: Exit is the kind of function an EditBefore
// hooks so that spans are flushed before the process ends.
package osx

import "fmt"

var exitCode int

// Exit causes the current program to exit with the given status code.
func Exit(code int) {
	if code == 0 {
		fmt.Println("bye")
	}

	// Remember the code; a real os.Exit would end the process here.
	exitCode = code
}

// Code returns the last code passed to Exit.
func Code() int { return exitCode }
