//go:build !linux

package toolexec

// passThrough runs a tool that needs nothing from this backend.
func passThrough(args []string) int { return run(args) }
