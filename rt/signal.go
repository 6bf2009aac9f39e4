package rt

import (
	"os"
	"os/signal"
	"time"
)

// handleSignals starts the goroutine that flushes spans when the process
// receives one of the termination signals of this OS, then lets the signal
// end the process (see die).
func handleSignals() {
	var sigs []os.Signal
	for _, sig := range terminationSignals {
		// A signal ignored at startup (as for background jobs of a
		// non-interactive shell) must stay ignored: Notify would enable it.
		if !signal.Ignored(sig) {
			sigs = append(sigs, sig)
		}
	}
	if len(sigs) == 0 {
		return
	}
	// Buffered so that a second signal arriving during the flush is kept.
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, sigs...)
	go func() {
		sig := <-ch
		s := state
		if s != nil {
			deadline := time.Now().Add(s.flushTimeout)
			finished := false
			select {
			case <-s.flushAsync(deadline):
				finished = true
			case <-time.After(time.Until(deadline)):
				warnOnce("gave up flushing spans on signal %v after the flush timeout", sig)
			case sig = <-ch:
				// A second signal while flushing: the user wants the
				// program gone now.
			}
			// The signal is about to end the process: whatever was not
			// exported by now is lost.
			s.spans.report(finished, s.flushTimeout)
		}
		die(sig, ch)
	}()
}
