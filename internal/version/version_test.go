package version

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestGoBuildID checks that the build ID is found where the linker puts
// it (on ELF, in a note rather than after the text marker), so that
// Identity hashes the ID and not the whole binary.
func TestGoBuildID(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	out, err := exec.Command("go", "tool", "buildid", exe).Output()
	if err != nil {
		t.Skipf("go tool buildid: %v", err)
	}
	want := strings.TrimSpace(string(out))
	if got := goBuildID(exe); got != want {
		t.Errorf("goBuildID = %q, want %q (go tool buildid)", got, want)
	}
}
