//go:build !unix && !windows

package rt

import "os"

// terminationSignals is empty: on the remaining platforms (js, wasip1,
// plan9) a process is not ended by catchable termination signals the way
// rt could reproduce, so rt flushes only when main returns or os.Exit runs.
var terminationSignals []os.Signal

// die is never reached without termination signals.
func die(os.Signal, chan os.Signal) {}
