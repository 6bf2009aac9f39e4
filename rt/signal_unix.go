//go:build unix

package rt

import (
	"os"
	"os/signal"
	"syscall"
)

// terminationSignals are the signals rt flushes on.
var terminationSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM}

// die ends the process the way sig would have without rt: it stops rt's
// subscription, which gives the signal back its default action (the Go
// runtime kills the process with it when no channel wants it), and sends
// the signal again. The parent then sees a death by that signal, as shells
// and supervisors expect. If the program also subscribed to sig, the
// signal goes to the program instead, which then decides.
func die(sig os.Signal, ch chan os.Signal) {
	signal.Stop(ch)
	if s, ok := sig.(syscall.Signal); ok {
		_ = syscall.Kill(syscall.Getpid(), s)
	}
}
