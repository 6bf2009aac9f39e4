package rt

import (
	"strings"
	"sync"
	"testing"
)

// panickingHook stands for a hook whose own code has a bug.
func panickingHook(v any) (returned bool) {
	defer Recover("test.hook")
	panic(v)
}

func TestRecoverStopsHookPanics(t *testing.T) {
	out := captureDiag(t)
	hookPanicReport = sync.Once{}
	before := HookPanics()

	// Recover stops the panic: the call returns (false, as the body never
	// reached its return) instead of panicking into the caller.
	if panickingHook("first bug") {
		t.Error("the hook body was not interrupted")
	}
	panickingHook("second bug")

	if got := HookPanics() - before; got != 2 {
		t.Errorf("HookPanics grew by %d, want 2", got)
	}
	report := out.String()
	if strings.Count(report, "ssaweave: recovered panic") != 1 || !strings.Contains(report, "test.hook") || !strings.Contains(report, "first bug") {
		t.Errorf("want exactly one report naming the hook and the first panic, got:\n%s", report)
	}
}

func TestRecoverWithoutPanicDoesNothing(t *testing.T) {
	before := HookPanics()
	func() { defer Recover("test.quiet") }()
	if HookPanics() != before {
		t.Error("a hook that did not panic was counted")
	}
}

// failingWriter makes the report itself fail.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { panic("stderr is broken") }

func TestReportSurvivesBrokenStderr(t *testing.T) {
	captureDiag(t)
	diag = failingWriter{}
	hookPanicReport = sync.Once{}
	panickingHook("bug") // must not panic
}
