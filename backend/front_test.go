package backend

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/ssaweave/ssaweave/backend/gocmd"
	"github.com/ssaweave/ssaweave/ssaweave"
)

// TestToolexecFront checks the shell front of woven builds' tools: compile
// (here of a package the go command does not name, see
// TestToolexecFrontCompiles), link, cover and vet go to ssaweave (even
// from a path with a quote and a space), except the -V=full of compile and
// link, which the wrapper passes through; every other tool (asm, cgo, the
// C compiler) runs directly, with its arguments and exit status intact.
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
	front, err := toolexecCommand(self, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := toolexecCommand(self, nil); again != front {
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
	t.Setenv("TOOLEXEC_IMPORTPATH", "")
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

// TestToolexecFrontCompiles checks which compiles the front hands to
// ssaweave: those of the packages frontPatterns names (edited, keyed with
// their test forms, the module whose -lang is restored), test variants
// included, and any compile whose package the go command does not name;
// every other compile runs the compiler directly. It runs the script with
// /bin/sh and, where installed, with other POSIX shells.
func TestToolexecFrontCompiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no POSIX shell: ssaweave is the -toolexec program itself")
	}
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	t.Setenv("SSAWEAVE_CACHE", t.TempDir())
	dir := t.TempDir()
	self := filepath.Join(dir, "ssaweave")
	compile := filepath.Join(dir, "compile")
	for path, script := range map[string]string{
		self:    `echo "ssaweave $*"` + "\n",
		compile: `echo "compile $*"; exit 3` + "\n",
	} {
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script), 0o777); err != nil {
			t.Fatal(err)
		}
	}
	plan := &ssaweave.Plan{Packages: []ssaweave.PackageEdits{
		{ImportPath: "example.com/app"},
		{ImportPath: "example.com/app_test"},
		{ImportPath: "example.com/a~b+c"},
		{ImportPath: "example.com/it's"},
		{ImportPath: "example.com/*"}, // not a pattern: quoted
	}}
	patterns := frontPatterns(plan, []string{"golang.org/x/k"}, "example.com/mod=go1.21")
	front, err := toolexecCommand(self, patterns)
	if err != nil {
		t.Fatal(err)
	}
	script := strings.TrimPrefix(front, "/bin/sh ")
	if script == front || script != gocmd.Quote(script) {
		t.Skipf("toolexec = %s: not the shell front, or its path needs quoting", front)
	}
	if other, _ := toolexecCommand(self, patterns[1:]); other == front {
		t.Errorf("fronts for different packages share the path %s", front)
	}
	shells := []string{"/bin/sh"}
	for _, sh := range []string{"dash", "bash", "busybox", "ksh", "zsh"} {
		if path, err := exec.LookPath(sh); err == nil {
			shells = append(shells, path)
		}
	}
	via := "ssaweave toolexec " + compile + " -p x a.go"
	direct := "compile -p x a.go"
	cases := []struct {
		ip   string // TOOLEXEC_IMPORTPATH; "unset" for none
		want string
	}{
		{"unset", via},
		{"", via},
		{"fmt", direct},
		{"internal/abi", direct},
		{"example.com/app", via},
		{"example.com/app [example.com/app.test]", via},
		{"example.com/app_test [example.com/app.test]", via},
		{"example.com/app.test", direct}, // the test main: its file comes through -overlay
		{"example.com/app [main]", via},
		{"example.com/apple", direct},
		{"example.com/app/sub", direct},
		{"example.com/a~b+c", via},
		{"example.com/a~b+cd", direct},
		{"example.com/it's", via},
		{"example.com/*", via},
		{"example.com/x", direct},
		{"golang.org/x/k", via},
		{"golang.org/x/k [golang.org/x/k.test]", via},
		{"golang.org/x/k_test [golang.org/x/k.test]", via},
		{"golang.org/x/k.test", via},
		{"golang.org/x/k/sub", direct},
		{"example.com/mod", via},
		{"example.com/mod/x/y", via},
		{"example.com/mod/x_test [example.com/mod/x.test]", via},
		{"example.com/mod_test [example.com/mod.test]", via},
		{"example.com/modx", direct},
		{"command-line-arguments", via},
		{"_/tmp/a dir/p [_/tmp/a dir/p.test]", direct},
	}
	for _, sh := range shells {
		args := []string{script, compile, "-p", "x", "a.go"}
		if filepath.Base(sh) == "busybox" {
			args = append([]string{"sh"}, args...)
		}
		for _, c := range cases {
			cmd := exec.Command(sh, args...)
			cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "TOOLEXEC_IMPORTPATH=") })
			if c.ip != "unset" {
				cmd.Env = append(cmd.Env, "TOOLEXEC_IMPORTPATH="+c.ip)
			}
			out, err := cmd.Output()
			if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 3 {
				err = nil // the fake compiler's own status
			}
			if err != nil {
				t.Fatalf("%s, TOOLEXEC_IMPORTPATH=%q: %v", sh, c.ip, err)
			}
			if got := strings.TrimSpace(string(out)); got != c.want {
				t.Errorf("%s, TOOLEXEC_IMPORTPATH=%q: got %q, want %q", sh, c.ip, got, c.want)
			}
		}
		// The version question stays the compiler's, whatever the package.
		cmd := exec.Command(sh, append(args[:len(args)-4], compile, "-V=full")...)
		cmd.Env = append(os.Environ(), "TOOLEXEC_IMPORTPATH=example.com/app")
		if out, _ := cmd.Output(); strings.TrimSpace(string(out)) != "compile -V=full" {
			t.Errorf("%s: compile -V=full of an edited package: got %q", sh, out)
		}
	}
}
