// Package noimports has no import declaration at all.
package noimports

// Sum adds its arguments.
func Sum(a, b int) int {
	return a + b
}
