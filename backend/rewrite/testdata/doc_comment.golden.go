// Copyright 2026 The ssaweave Authors. All rights reserved.

//go:build !never

// Package doc has functions with doc comments and directives.
//
//line /ssaweave/testdata/doc_comment.go:6:1
package doc

//line /ssaweave/testdata/doc_comment.go:8:1
import (
	"fmt" // for Sprint
)

//line /ssaweave/testdata/doc_comment.go:6:1
import _ "unsafe"

// Greeting is the greeting.
//
// It spans several lines,
// and has a blank line.
//
//line /ssaweave/testdata/doc_comment.go:16:1
const Greeting = "hello"

/*
Greet greets who.

It has a block doc comment.
*/
//line /ssaweave/testdata/doc_comment.go:23:1
func Greet(who string) string { /*line /ssaweave/testdata/doc_comment.go:22:1*/
	if h := ssaweaveHook_Greet; h != nil { /*line /ssaweave/testdata/doc_comment.go:22:1*/
		return h(who, ssaweaveOrig_Greet)
	} /*line /ssaweave/testdata/doc_comment.go:22:1*/
	return ssaweaveOrig_Greet(who) /*line /ssaweave/testdata/doc_comment.go:22:1*/
}

// Twice greets twice.
//
//go:noinline
//line /ssaweave/testdata/doc_comment.go:30:1
func Twice(who string) string { /*line /ssaweave/testdata/doc_comment.go:29:1*/
	if h := ssaweaveHook_Twice; h != nil { /*line /ssaweave/testdata/doc_comment.go:29:1*/
		return h(who, ssaweaveOrig_Twice)
	} /*line /ssaweave/testdata/doc_comment.go:29:1*/
	return ssaweaveOrig_Twice(who) /*line /ssaweave/testdata/doc_comment.go:29:1*/
}

//go:linkname ssaweaveHook_Greet
//line /ssaweave/testdata/doc_comment.go:23:1
var ssaweaveHook_Greet func(who string, next func(string) string) string

//line /ssaweave/testdata/doc_comment.go:23:1
func ssaweaveOrig_Greet(who string) string {
	/*line /ssaweave/testdata/doc_comment.go:23:1*/
	return fmt.Sprint(Greeting, ", ", who) // trailing comment
	/*line /ssaweave/testdata/doc_comment.go:24:1*/
}

//go:linkname ssaweaveHook_Twice
//line /ssaweave/testdata/doc_comment.go:30:1
var ssaweaveHook_Twice func(who string, next func(string) string) string

//go:noinline
//line /ssaweave/testdata/doc_comment.go:30:1
func ssaweaveOrig_Twice(who string) string {
	// Greet twice.
	/*line /ssaweave/testdata/doc_comment.go:31:1*/
	return Greet(who) + Greet(who) /*line /ssaweave/testdata/doc_comment.go:32:1*/
}
