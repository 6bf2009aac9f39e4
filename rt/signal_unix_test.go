//go:build unix

package rt

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestSignalFlushesThenDies(t *testing.T) {
	if os.Getenv(childEnv) == "signal" {
		Start(Config{PlanID: "child", HandleSignals: true})
		childSpan("span-before-signal")
		_ = syscall.Kill(syscall.Getpid(), syscall.SIGTERM)
		time.Sleep(30 * time.Second)
		os.Exit(0) // not reached when rt re-raises the signal
	}
	out, err := runChild(t, "TestSignalFlushesThenDies", "signal")
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		t.Fatalf("child ended with %v, want death by SIGTERM", err)
	}
	ws, ok := exitErr.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Fatalf("child ended with %v, want death by SIGTERM", err)
	}
	if !strings.Contains(out, `"span-before-signal"`) {
		t.Errorf("span not flushed before dying; stdout:\n%s", out)
	}
}
