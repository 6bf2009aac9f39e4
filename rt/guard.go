package rt

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
)

// diag is where rt writes its few diagnostics. A variable so that tests can
// capture them.
var diag io.Writer = os.Stderr

var (
	hookPanics      atomic.Uint64
	hookPanicReport sync.Once
)

// Recover must be deferred directly by every hook function:
//
//	defer rt.Recover("os.Exit")
//
// A panic raised by the hook's own code is stopped there, counted and
// reported on stderr (once per process, so that a hook failing on every
// request cannot flood the program's output). The program then goes on as
// if the hook were absent. Recover must not be deferred around calls into
// user code whose panics belong to the program: such hooks decide
// themselves whether to call recover and use [ReportPanic].
func Recover(hook string) {
	// recover only stops a panic when called directly by the deferred
	// function, which Recover is.
	if v := recover(); v != nil {
		ReportPanic(hook, v)
	}
}

// ReportPanic counts a panic value that a hook recovered and reports the
// first one on stderr.
func ReportPanic(hook string, v any) {
	hookPanics.Add(1)
	hookPanicReport.Do(func() {
		// A broken writer must not turn the report into a second panic.
		defer func() { _ = recover() }()
		fmt.Fprintf(diag, "ssaweave: recovered panic in instrumentation hook %s: %v (the program continues uninstrumented there; later hook panics are only counted)\n", hook, v)
	})
}

// HookPanics returns how many hook panics have been recovered so far.
func HookPanics() uint64 { return hookPanics.Load() }

// warned de-duplicates configuration warnings by text.
var warned sync.Map

// warnOnce writes a configuration warning on stderr the first time it is
// given this text.
func warnOnce(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if _, dup := warned.LoadOrStore(msg, true); dup {
		return
	}
	fmt.Fprintf(diag, "ssaweave: %s\n", msg)
}
