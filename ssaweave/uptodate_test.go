package ssaweave

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestOutputUpToDate checks the output record of a woven build against
// every kind of change: a record must hold only while the command, its
// environment, every file of the local modules (embedded, hidden and
// testdata files included) and the output file stay as they were, and a
// touched file with the same content must keep it. The "go command" here
// writes the output file itself, so that the test is about the record,
// not about builds (TestUpToDateBuild builds for real).
func TestOutputUpToDate(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	dir := stampsModule(t, root)
	writeTestFile(t, filepath.Join(dir, "testdata", "golden.txt"), "golden\n")
	writeTestFile(t, filepath.Join(dir, ".hidden", "conf"), "x\n")
	writeTestFile(t, filepath.Join(dir, ".git", "HEAD"), "ref: refs/heads/main\n")
	out := filepath.Join(dir, "bin", "prog")
	cacheDir := t.TempDir()
	newOutput := func(args []string, env ...string) *Output {
		return &Output{
			cacheDir: cacheDir,
			Opts:     Options{Dir: dir, Patterns: []string{"."}},
			Args:     args,
			Env:      append(os.Environ(), env...),
			File:     out,
		}
	}
	args := []string{"build", "-o", out, "."}
	o := newOutput(args)
	n := 0
	build := func(o *Output) {
		t.Helper()
		record := begin(ctx, o)
		n++
		writeTestFile(t, out, "program "+strconv.Itoa(n))
		record()
	}
	check := func(what string, o *Output, want bool) {
		t.Helper()
		if got := o.UpToDate(ctx); got != want {
			t.Errorf("%s: UpToDate = %v, want %v", what, got, want)
		}
	}
	edit := func(path, content string) {
		t.Helper()
		writeTestFile(t, filepath.Join(dir, path), content)
	}

	check("no record", o, false)
	build(o) // creates bin/: the first pass saw another directory
	check("output directory created by the build", o, false)
	build(o)
	check("nothing changed", o, true)

	// Same content, new times: compared by content, still up to date.
	later := time.Now().Add(2 * time.Second)
	if err := os.Chtimes(filepath.Join(dir, "main.go"), later, later); err != nil {
		t.Fatal(err)
	}
	check("main.go touched", o, true)

	for _, c := range []struct{ what, path, content string }{
		{"Go file edited", "main.go", "package main\n\nfunc main() {}\n"},
		{"embedded file edited", "lib/static/a.txt", "b\n"},
		{"file added to an embedded directory", "lib/static/new.txt", "new\n"},
		{"testdata file edited", "testdata/golden.txt", "changed\n"},
		{"hidden file edited", ".hidden/conf", "y\n"},
		{"go.mod edited", "go.mod", "module example.com/m\n\ngo 1.23\n\nrequire example.com/dep v0.0.0\n\nreplace example.com/dep => ../dep\n"},
		{"replacement module edited", "../dep/dep.go", "package dep\n\nfunc G() { println() }\n"},
	} {
		edit(c.path, c.content)
		check(c.what, o, false)
		build(o)
		check(c.what+", then built", o, true)
	}

	// .git changes with every commit and never reaches a build.
	edit(".git/HEAD", "ref: refs/heads/other\n")
	check(".git changed", o, true)

	// Another command line, another environment, another output.
	check("other flags", newOutput(append(slices.Clone(args), "-ldflags=-s")), false)
	check("other environment", newOutput(args, "CGO_CFLAGS=-O0"), false)
	check("shell variables differ", newOutput(args, "OLDPWD=/elsewhere", "SHLVL=7"), true)

	// The output itself: rewritten by someone else, or removed.
	writeTestFile(t, out, "program 0")
	check("output rewritten", o, false)
	build(o)
	check("rebuilt", o, true)
	if err := os.Remove(out); err != nil {
		t.Fatal(err)
	}
	check("output removed", o, false)
	build(o)
	check("rebuilt after removal", o, true)

	// A file that changes while the go command runs: the command may
	// have read either version, so no record.
	record := begin(ctx, o)
	edit("lib/lib.go", "package lib\n\nfunc F() {}\n")
	writeTestFile(t, out, "program x")
	record()
	check("file changed during the build", o, false)

	// A command that fails: Begin has removed the old record, so that
	// an output the command may have changed is never taken as current.
	build(o)
	check("rebuilt after the racing edit", o, true)
	begin(ctx, o) // and never recorded
	check("failed build", o, false)
}

// TestOutputRecordTooLarge checks that a tree beyond maxRecordEntries
// gets no record (its builds run the go command every time) rather than
// a walk that costs more than the check saves.
func TestOutputRecordTooLarge(t *testing.T) {
	ctx := context.Background()
	dir := stampsModule(t, t.TempDir())
	many := filepath.Join(dir, "lib", "static", "many")
	if err := os.MkdirAll(many, 0o777); err != nil {
		t.Fatal(err)
	}
	for i := range maxRecordEntries + 1 {
		f, err := os.Create(filepath.Join(many, "f"+strconv.Itoa(i)))
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	out := filepath.Join(t.TempDir(), "prog")
	cacheDir := t.TempDir()
	o := &Output{cacheDir: cacheDir, Opts: Options{Dir: dir, Patterns: []string{"."}}, Args: []string{"build", "-o", out, "."}, Env: os.Environ(), File: out}
	for range 2 {
		record := begin(ctx, o)
		writeTestFile(t, out, "program")
		record()
	}
	if o.UpToDate(ctx) {
		t.Error("a tree of more than maxRecordEntries entries was recorded")
	}
}

// TestOutputRecordSkipsCaches checks that a build cache inside the module
// (as CI jobs keep it), which every build writes to, neither prevents the
// record nor invalidates it.
func TestOutputRecordSkipsCaches(t *testing.T) {
	ctx := context.Background()
	dir := stampsModule(t, t.TempDir())
	gocache := filepath.Join(dir, ".cache", "go-build")
	out := filepath.Join(t.TempDir(), "prog")
	cacheDir := t.TempDir()
	o := &Output{
		cacheDir: cacheDir,
		Opts:     Options{Dir: dir, Patterns: []string{"."}, Env: []string{"GOCACHE=" + gocache}},
		Args:     []string{"build", "-o", out, "."},
		Env:      append(os.Environ(), "GOCACHE="+gocache),
		File:     out,
	}
	for i := range 2 {
		record := begin(ctx, o)
		writeTestFile(t, filepath.Join(gocache, "entry"+strconv.Itoa(i)), "compiled")
		writeTestFile(t, out, "program")
		record()
	}
	if !o.UpToDate(ctx) {
		t.Fatal("a build writing to a GOCACHE inside the module got no record")
	}
	writeTestFile(t, filepath.Join(gocache, "another"), "compiled")
	if !o.UpToDate(ctx) {
		t.Error("a write to the GOCACHE inside the module invalidated the record")
	}
}

// begin starts a command as the wrapper does: the first pass of the
// record before the plan (NewOutput), then Begin.
func begin(ctx context.Context, o *Output) (record func()) {
	w := NewOutput(ctx, o.Opts, o.File, o.cacheDir)
	w.Args, w.Env = o.Args, o.Env
	return w.Begin(ctx)
}

// TestOutputNamedLater checks a command whose output is known only once
// the plan is made (go build without -o, in the module's root): the first
// pass stamped the old output like any file, and SetFile must leave it
// out, and allow its appearance in its directory.
func TestOutputNamedLater(t *testing.T) {
	ctx := context.Background()
	dir := stampsModule(t, t.TempDir())
	file := filepath.Join(dir, "m")
	cacheDir := t.TempDir()
	o := &Output{cacheDir: cacheDir, Opts: Options{Dir: dir, Patterns: []string{"."}}, Args: []string{"build", "."}, Env: os.Environ(), File: file}
	for i := range 3 {
		w := NewOutput(ctx, o.Opts, "", cacheDir)
		w.Args, w.Env = o.Args, o.Env
		w.SetFile(file)
		record := w.Begin(ctx)
		writeTestFile(t, file, "program "+strconv.Itoa(i))
		record()
		if !o.UpToDate(ctx) {
			t.Fatalf("build %d, which (re)wrote the output in the module's root: not up to date", i)
		}
	}
}
