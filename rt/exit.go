package rt

import _ "unsafe" // for go:linkname

// exitHook is the hook a woven os package calls first thing in os.Exit,
// which ends the process without running deferred calls, so spans still
// buffered would be lost. The backend declares the variable in package os
// and pushes it to the linker; this declaration binds to the same symbol.
// When os is not woven the variable is simply never read.
//
//go:linkname exitHook os.ssaweaveHook_Exit
var exitHook func(code int)

func init() {
	exitHook = atExit
}

// atExit flushes and shuts down, within the flush bound, before os.Exit
// ends the process.
func atExit(code int) {
	defer Recover("os.Exit")
	if s := state; s != nil {
		s.shutdown()
	}
}
