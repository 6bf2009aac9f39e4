package backend

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ssaweave/ssaweave/backend/gocmd"
)

// TestToolexecFront checks the shell front of woven builds' tools: compile,
// link, cover and vet go to ssaweave (even from a path with a quote and a
// space), except the -V=full of compile and link, which the wrapper passes
// through; every other tool (asm, cgo, the C compiler) runs directly, with
// its arguments and exit status intact.
func TestToolexecFront(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no POSIX shell: ssaweave is the -toolexec program itself")
	}
	t.Setenv("SSAWEAVE_CACHE", t.TempDir())
	bin := filepath.Join(t.TempDir(), "it's ssaweave")
	tools := t.TempDir()
	write := func(path, script string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script), 0o777); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(bin, "ssaweave"), `echo "ssaweave $*"`+"\n")
	for _, tool := range []string{"compile", "link", "cover", "vet", "asm"} {
		write(filepath.Join(tools, tool), `echo "`+tool+` $*"; exit 3`+"\n")
	}
	self := filepath.Join(bin, "ssaweave")
	front, err := toolexecCommand(self)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := toolexecCommand(self); again != front {
		t.Errorf("front not deterministic: %s, then %s", front, again)
	}
	if !strings.HasPrefix(front, "/bin/sh ") {
		if _, err := os.Stat("/bin/sh"); err == nil {
			t.Fatalf("toolexec = %s, want the shell front", front)
		}
		t.Skip("no /bin/sh")
	}
	script := strings.TrimPrefix(front, "/bin/sh ")
	if script != gocmd.Quote(script) {
		t.Skipf("cache path %s needs quoting", script)
	}
	tool := func(name string) string { return filepath.Join(tools, name) }
	for _, c := range []struct {
		args []string
		want string
		code int
	}{
		{[]string{tool("compile"), "-V=full"}, "compile -V=full", 3},
		{[]string{tool("link"), "-V=full"}, "link -V=full", 3},
		{[]string{tool("compile"), "-o", "a b.o", "x.go"}, "ssaweave toolexec " + tool("compile") + " -o a b.o x.go", 0},
		{[]string{tool("link"), "-o", "a.out"}, "ssaweave toolexec " + tool("link") + " -o a.out", 0},
		{[]string{tool("compile"), "-V=full", "extra"}, "ssaweave toolexec " + tool("compile") + " -V=full extra", 0},
		{[]string{tool("cover"), "-V=full"}, "ssaweave toolexec " + tool("cover") + " -V=full", 0},
		{[]string{tool("vet"), "cfg"}, "ssaweave toolexec " + tool("vet") + " cfg", 0},
		{[]string{tool("asm"), "-V=full"}, "asm -V=full", 3},
		{[]string{"sh", "-c", "echo direct $0", "arg"}, "direct arg", 0},
	} {
		out, err := exec.Command("/bin/sh", append([]string{script}, c.args...)...).Output()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(string(out)); got != c.want || code != c.code {
			t.Errorf("%q: got %q, exit %d; want %q, exit %d", c.args, got, code, c.want, c.code)
		}
	}
}
