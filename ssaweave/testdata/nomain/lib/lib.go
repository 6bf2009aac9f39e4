// Package lib is not a program.
package lib

// Answer is not a main function.
func Answer() int { return 42 }
