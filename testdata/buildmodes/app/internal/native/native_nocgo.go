//go:build !cgo

// Package native says whether the program was built with cgo: a cgo
// package in the woven program.
package native

// Origin returns "go".
func Origin() string { return "go" }
