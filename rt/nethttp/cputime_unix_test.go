//go:build unix

package nethttp

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user and system) the process has used
// so far, every goroutine included: the batch span processor's and the
// garbage collector's work for a request is part of its cost.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
