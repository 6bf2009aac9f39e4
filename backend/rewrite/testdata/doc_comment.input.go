// Copyright 2026 The ssaweave Authors. All rights reserved.

//go:build !never

// Package doc has functions with doc comments and directives.
package doc

import (
	"fmt" // for Sprint
)

// Greeting is the greeting.
//
// It spans several lines,
// and has a blank line.
const Greeting = "hello"

/*
Greet greets who.

It has a block doc comment.
*/
func Greet(who string) string {
	return fmt.Sprint(Greeting, ", ", who) // trailing comment
}

// Twice greets twice.
//
//go:noinline
func Twice(who string) string {
	// Greet twice.
	return Greet(who) + Greet(who)
}
