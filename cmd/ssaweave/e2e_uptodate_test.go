package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssaweave/ssaweave/internal/e2e"
)

// TestUpToDateBuild builds testdata/httpserver, with a file it embeds,
// again and again with `ssaweave go build -o`, through a go command that
// logs how it is run, and checks when the wrapper skips the go command:
// only when nothing the build reads changed (a touched file with the same
// content counts as unchanged), and never with -n (or -a, which the same
// check refuses, but which would rebuild everything), with another command
// line, or when the output is gone. When it does run it, the binary must
// show the change: the embedded text is in it. Without -o, the same holds
// for the binary go build names after the main package.
func TestUpToDateBuild(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "httpserver")
	motd := filepath.Join(dir, "cmd", "server", "motd.txt")
	writeFile(t, motd, "first message of the day\n")
	writeFile(t, filepath.Join(dir, "cmd", "server", "motd.go"), "package main\n\nimport _ \"embed\"\n\n//go:embed motd.txt\nvar motd string\n\nfunc init() { println(len(motd)) }\n")

	// A go command that logs its subcommand, then runs the real one.
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	shim := t.TempDir()
	log := filepath.Join(shim, "log")
	writeFile(t, filepath.Join(shim, "go"), "#!/bin/sh\necho \"$1\" >> "+log+"\nexec "+realGo+" \"$@\"\n")
	if err := os.Chmod(filepath.Join(shim, "go"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := e2e.Env("PATH=" + shim + string(os.PathListSeparator) + os.Getenv("PATH"))
	out := filepath.Join(t.TempDir(), "server")

	// build runs the wrapper and reports whether it ran go build.
	build := func(extra ...string) bool {
		t.Helper()
		os.Remove(log)
		args := append([]string{"go", "build"}, extra...)
		e2e.Run(t, dir, env, bin, append(args, "-o", out, "./cmd/server")...)
		data, _ := os.ReadFile(log)
		return strings.Contains("\n"+string(data), "\nbuild\n")
	}
	contains := func(text string) bool {
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return bytes.Contains(data, []byte(text))
	}
	step := func(what string, wantBuild bool, extra ...string) {
		t.Helper()
		if got := build(extra...); got != wantBuild {
			t.Errorf("%s: ran go build = %v, want %v", what, got, wantBuild)
		}
	}

	step("first build", true)
	step("nothing changed", false)
	if !contains("first message of the day") {
		t.Fatal("the binary does not hold the embedded text")
	}
	checkSymbols(t, out, []string{"net/http.ssaweaveHook_serverHandler_ServeHTTP"})

	later := time.Now().Add(5 * time.Second)
	if err := os.Chtimes(filepath.Join(dir, "internal", "users", "users.go"), later, later); err != nil {
		t.Fatal(err)
	}
	step("a Go file touched, content unchanged", false)

	writeFile(t, motd, "second message of the day\n")
	step("embedded file edited", true)
	if !contains("second message of the day") {
		t.Error("after editing the embedded file, the binary does not hold the new text")
	}
	step("nothing changed since", false)

	step("-n (print the commands)", true, "-n")
	step("another command line", true, "-ldflags=-s")
	step("back to the first command line, whose output the other one replaced", true)
	step("nothing changed again", false)

	if err := os.Remove(out); err != nil {
		t.Fatal(err)
	}
	step("output removed", true)
	step("nothing changed after the output came back", false)

	// Without -o, go build names the binary after the main package, in
	// the directory it runs in: here the module's root.
	buildHere := func() bool {
		t.Helper()
		os.Remove(log)
		e2e.Run(t, dir, env, bin, "go", "build", "./cmd/server")
		data, _ := os.ReadFile(log)
		return strings.Contains("\n"+string(data), "\nbuild\n")
	}
	if !buildHere() {
		t.Error("without -o, first build: go build did not run")
	}
	if _, err := os.Stat(filepath.Join(dir, "server")); err != nil {
		t.Fatalf("without -o: %v", err)
	}
	if buildHere() {
		t.Error("without -o, nothing changed: go build ran")
	}

	env = append(env, "SSAWEAVE_UPTODATE=off")
	step("check off", true)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o666); err != nil {
		t.Fatal(err)
	}
}
