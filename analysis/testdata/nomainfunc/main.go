// Package main type-checks but has no main function.
package main

func helper() {}
