package gctune

import (
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// The tests run in child processes: the settings are the process's, and
// Apply acts once.
const envChild = "GCTUNE_TEST_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(envChild) {
	case "apply":
		Apply()
		report()
		return
	case "grow":
		apply(64 << 20)
		// 256 MiB that stay live, well past half the 64 MiB budget.
		live := make([][]byte, 256)
		for i := range live {
			live[i] = make([]byte, 1<<20)
		}
		runtime.GC()
		runtime.GC() // the finalizer of the first collection has run
		report()
		runtime.KeepAlive(live)
		return
	}
	os.Exit(m.Run())
}

// report prints the collector's settings: GOGC, then the memory limit.
func report() {
	percent := debug.SetGCPercent(100)
	os.Stdout.WriteString(strconv.Itoa(percent) + " " + strconv.FormatInt(debug.SetMemoryLimit(-1), 10) + "\n")
}

// child runs the test binary as a child in mode with extra environment
// and returns the settings it reports.
func child(t *testing.T, mode string, env ...string) (percent int, limit int64) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, envChild+"="+mode)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child %s: %v", mode, err)
	}
	f := strings.Fields(string(out))
	if len(f) != 2 {
		t.Fatalf("child %s printed %q", mode, out)
	}
	percent, _ = strconv.Atoi(f[0])
	limit, _ = strconv.ParseInt(f[1], 10, 64)
	return percent, limit
}

// TestApply checks the settings Apply makes, and that the user's GOGC or
// GOMEMLIMIT leaves the collector alone.
func TestApply(t *testing.T) {
	clean := []string{"GOGC=", "GOMEMLIMIT="}
	percent, limit := child(t, "apply", clean...)
	if percent != Percent {
		t.Errorf("GOGC = %d, want %d", percent, Percent)
	}
	if limit <= 0 || limit > Budget {
		t.Errorf("memory limit = %d, want in (0, %d]", limit, int64(Budget))
	}
	if total := totalMemory(); total > 0 && limit > total/2 {
		t.Errorf("memory limit %d above half the machine's %d bytes", limit, total)
	}
	for _, user := range []string{"GOGC=150", "GOMEMLIMIT=1GiB"} {
		percent, limit := child(t, "apply", append(clean, user)...)
		wantPercent, wantLimit := 100, int64(1<<63-1)
		if user == "GOGC=150" {
			wantPercent = 150
		} else {
			wantLimit = 1 << 30
		}
		if percent != wantPercent || limit != wantLimit {
			t.Errorf("with %s: GOGC %d, limit %d; want the user's settings (%d, %d)", user, percent, limit, wantPercent, wantLimit)
		}
	}
}

// TestLimitFollowsLiveHeap checks that a live heap past half the budget
// raises the limit to at least twice the live heap, so that the collector
// never runs more often than with Go's defaults.
func TestLimitFollowsLiveHeap(t *testing.T) {
	_, limit := child(t, "grow", "GOGC=", "GOMEMLIMIT=")
	if limit < 2*256<<20 {
		t.Errorf("memory limit %d MiB with 256 MiB live, want at least 512 MiB", limit>>20)
	}
}
