//go:build windows

package rt

import (
	"os"
	"os/signal"
	"syscall"
)

// terminationSignals are the signals rt flushes on: Ctrl-C/Ctrl-Break and
// the console close, logoff and shutdown events.
var terminationSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// statusControlCExit (STATUS_CONTROL_C_EXIT) is the exit code Windows gives
// a console process that its default Ctrl-C handler terminates.
var statusControlCExit uint32 = 0xC000013A

// die ends the process with the exit code Windows would have given it, as
// a signal cannot be re-raised there.
func die(_ os.Signal, ch chan os.Signal) {
	signal.Stop(ch)
	// Through int32 so that the conversion wraps instead of overflowing
	// int on 32-bit Windows; ExitProcess takes the bits back as a uint32.
	os.Exit(int(int32(statusControlCExit)))
}
