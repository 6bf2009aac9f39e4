package ssaweave

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// stampsModule writes a module m, with a package using an embedded
// directory and a build-constrained file, and a module dep it replaces
// by a local directory, under root; it returns m's directory.
func stampsModule(t *testing.T, root string) string {
	t.Helper()
	files := map[string]string{
		"m/go.mod": "module example.com/m\n\ngo 1.22\n\nrequire example.com/dep v0.0.0\n\nreplace example.com/dep => ../dep\n",
		"m/main.go": `package main

import (
	"example.com/dep"
	"example.com/m/lib"
)

func main() { lib.F(); dep.G() }
`,
		"m/lib/lib.go": `package lib

import "embed"

//go:embed static
var Static embed.FS

func F() {}
`,
		"m/lib/static/a.txt": "a\n",
		"m/lib/extra.go":     "//go:build extra\n\npackage lib\n\nfunc Extra() {}\n",
		"dep/go.mod":         "module example.com/dep\n\ngo 1.22\n",
		"dep/dep.go":         "package dep\n\nfunc G() {}\n",
	}
	for name, content := range files {
		writeTestFile(t, filepath.Join(root, name), content)
	}
	return filepath.Join(root, "m")
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o666); err != nil {
		t.Fatal(err)
	}
}

// stampedKey finds the key as Cached does, without building a plan: from
// the stamps if they hold, else by listing, recording the stamps. A key
// from the stamps must be the one go list gives (CacheKey): anything else
// would serve a stale plan.
func stampedKey(t *testing.T, opts Options, cacheDir string) (key string, fromStamps bool) {
	t.Helper()
	ctx := context.Background()
	in, err := newKeyInputs(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	file := in.stampsFile(cacheDir)
	if key, ok := checkStamps(file); ok {
		listed, err := CacheKey(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		if listed != key {
			t.Fatalf("stamps gave key %s, go list gives %s", key, listed)
		}
		return key, true
	}
	key, record, err := in.listedKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	record(file)
	return key, false
}

// TestStamps checks that the stamps give the key without go list when
// nothing changed, or a file was only touched or rewritten unchanged, and
// that every change that can change the plan misses: edits, new, removed
// and renamed files, new packages under ./..., build tags (also through
// the go env file), build-constrained files, embedded files, go.mod,
// go.sum, a locally replaced module, a new go.work, vendor/, GOOS/GOARCH,
// and an overlay. Files written by a test are racy (see stampSlack), so
// this checks the stamps by content; TestStampsByTime by their times.
func TestStamps(t *testing.T) {
	root := t.TempDir()
	dir := stampsModule(t, root)
	goenv := filepath.Join(root, "goenv")
	writeTestFile(t, goenv, "")
	cacheDir := t.TempDir()
	opts := Options{Dir: dir, Patterns: []string{"./..."}, Tool: testTool, Env: []string{"GOENV=" + goenv, "GOWORK=", "GOFLAGS="}}

	base, hit := stampedKey(t, opts, cacheDir)
	if hit {
		t.Fatal("first key came from stamps")
	}
	if _, hit := stampedKey(t, opts, cacheDir); !hit {
		t.Fatal("nothing changed: the stamps miss")
	}

	path := func(name string) string { return filepath.Join(root, name) }
	read := func(name string) string {
		data, err := os.ReadFile(path(name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	// Each change must miss; undo restores the files, and the key must
	// then be base again (from the stamps once they are recorded anew).
	for _, c := range []struct {
		name        string
		change      func()
		undo        func()
		opts        func(Options) Options
		keyChanges  bool // the change changes CacheKey (else only the stamps)
		anyKey      bool // it may or may not
		neverStamps bool // the stamps are not recorded in this state
	}{
		{name: "edit, same size", keyChanges: true,
			change: func() {
				writeTestFile(t, path("m/main.go"), strings.Replace(read("m/main.go"), "dep.G()", "dep.G( )", 1))
			},
			undo: func() {
				writeTestFile(t, path("m/main.go"), strings.Replace(read("m/main.go"), "dep.G( )", "dep.G()", 1))
			}},
		{name: "new file", keyChanges: true,
			change: func() { writeTestFile(t, path("m/lib/more.go"), "package lib\n") },
			undo:   func() { os.Remove(path("m/lib/more.go")) }},
		{name: "renamed file", keyChanges: true,
			change: func() { os.Rename(path("m/lib/lib.go"), path("m/lib/lib2.go")) },
			undo:   func() { os.Rename(path("m/lib/lib2.go"), path("m/lib/lib.go")) }},
		{name: "new package under ./...", keyChanges: true,
			change: func() { writeTestFile(t, path("m/tool/tool.go"), "package tool\n") },
			undo:   func() { os.RemoveAll(path("m/tool")) }},
		{name: "build-constrained file", keyChanges: true,
			change: func() {
				writeTestFile(t, path("m/lib/extra.go"), strings.Replace(read("m/lib/extra.go"), "extra", "!extra", 1))
			},
			undo: func() {
				writeTestFile(t, path("m/lib/extra.go"), strings.Replace(read("m/lib/extra.go"), "!extra", "extra", 1))
			}},
		{name: "tags in the go env file", keyChanges: true,
			change: func() { writeTestFile(t, goenv, "GOFLAGS=-tags=extra\n") },
			undo:   func() { writeTestFile(t, goenv, "") }},
		{name: "GOAMD64 in the go env file", anyKey: true,
			change: func() { writeTestFile(t, goenv, "GOAMD64=v3\n") },
			undo:   func() { writeTestFile(t, goenv, "") }},
		{name: "tags in GOFLAGS", keyChanges: true,
			opts: func(o Options) Options {
				o.Env = append(append([]string{}, o.Env...), "GOFLAGS=-tags=extra")
				return o
			}},
		{name: "GOARCH", keyChanges: true,
			opts: func(o Options) Options {
				o.Env = append(append([]string{}, o.Env...), "GOARCH=arm64")
				return o
			}},
		{name: "GOOS", keyChanges: true,
			opts: func(o Options) Options {
				o.Env = append(append([]string{}, o.Env...), "GOOS=windows")
				return o
			}},
		{name: "embedded file added", keyChanges: true,
			change: func() { writeTestFile(t, path("m/lib/static/b.txt"), "b\n") },
			undo:   func() { os.Remove(path("m/lib/static/b.txt")) }},
		{name: "go.mod", keyChanges: true,
			change: func() { writeTestFile(t, path("m/go.mod"), strings.Replace(read("m/go.mod"), "go 1.22", "go 1.23", 1)) },
			undo:   func() { writeTestFile(t, path("m/go.mod"), strings.Replace(read("m/go.mod"), "go 1.23", "go 1.22", 1)) }},
		{name: "go.sum",
			change: func() { writeTestFile(t, path("m/go.sum"), "") },
			undo:   func() { os.Remove(path("m/go.sum")) }},
		{name: "file of the locally replaced module", keyChanges: true,
			change: func() { writeTestFile(t, path("dep/dep.go"), read("dep/dep.go")+"\nfunc H() {}\n") },
			undo: func() {
				writeTestFile(t, path("dep/dep.go"), strings.TrimSuffix(read("dep/dep.go"), "\nfunc H() {}\n"))
			}},
		{name: "new file in the locally replaced module", keyChanges: true,
			change: func() { writeTestFile(t, path("dep/more.go"), "package dep\n") },
			undo:   func() { os.Remove(path("dep/more.go")) }},
		{name: "replace to another local directory", keyChanges: true,
			change: func() {
				writeTestFile(t, path("dep2/go.mod"), read("dep/go.mod"))
				writeTestFile(t, path("dep2/dep.go"), read("dep/dep.go")+"\n// dep2\n")
				writeTestFile(t, path("m/go.mod"), strings.Replace(read("m/go.mod"), "../dep", "../dep2", 1))
			},
			undo: func() { writeTestFile(t, path("m/go.mod"), strings.Replace(read("m/go.mod"), "../dep2", "../dep", 1)) }},
		// The same packages from the same files: the same key, but the
		// stamps cannot know that without listing.
		{name: "new go.work",
			change: func() { writeTestFile(t, path("go.work"), "go 1.22\n\nuse (\n\t./m\n\t./dep\n)\n") },
			undo:   func() { os.Remove(path("go.work")) }},
		{name: "vendor/", keyChanges: true, neverStamps: true,
			change: func() {
				writeTestFile(t, path("m/vendor/modules.txt"), "# example.com/dep v0.0.0 => ../dep\n## explicit; go 1.22\nexample.com/dep\n# example.com/dep => ../dep\n")
				writeTestFile(t, path("m/vendor/example.com/dep/dep.go"), "package dep\n\nfunc G() {}\n\n// vendored\n")
			},
			undo: func() { os.RemoveAll(path("m/vendor")) }},
		{name: "overlay", keyChanges: true,
			change: func() {
				writeTestFile(t, path("overlay/lib.go"), read("m/lib/lib.go")+"\n// overlaid\n")
				writeTestFile(t, path("overlay.json"), `{"Replace":{"`+path("m/lib/lib.go")+`":"`+path("overlay/lib.go")+`"}}`)
			},
			undo: func() { os.RemoveAll(path("overlay")) },
			opts: func(o Options) Options {
				o.BuildFlags = []string{"-overlay=" + path("overlay.json")}
				return o
			}},
	} {
		t.Run(strings.ReplaceAll(c.name, "/", "-"), func(t *testing.T) {
			o := opts
			if c.opts != nil {
				o = c.opts(opts)
			}
			if c.change != nil {
				c.change()
			}
			undone := false
			defer func() {
				if !undone && c.undo != nil {
					c.undo()
				}
			}()
			k, hit := stampedKey(t, o, cacheDir)
			if hit {
				t.Fatalf("%s: the stamps still hold", c.name)
			}
			if (k != base) != c.keyChanges && !c.anyKey {
				t.Errorf("%s: key changed = %v, want %v", c.name, k != base, c.keyChanges)
			}
			if _, hit := stampedKey(t, o, cacheDir); hit == c.neverStamps {
				t.Errorf("%s: no-op after the change: hit = %v", c.name, hit)
			}
			if c.undo != nil {
				c.undo()
			}
			undone = true
			if k, _ := stampedKey(t, opts, cacheDir); k != base {
				t.Errorf("%s undone: key %s, want %s", c.name, k, base)
			}
			if _, hit := stampedKey(t, opts, cacheDir); !hit {
				t.Errorf("%s undone: the stamps miss twice", c.name)
			}
		})
	}

	// Test binaries: the generated test mains are in the build cache, and
	// a new test file must miss.
	tests := opts
	tests.Tests = true
	testsBase, _ := stampedKey(t, tests, cacheDir)
	if _, hit := stampedKey(t, tests, cacheDir); !hit {
		t.Error("tests: nothing changed: the stamps miss")
	}
	writeTestFile(t, path("m/lib/lib_test.go"), "package lib\n\nimport \"testing\"\n\nfunc TestF(t *testing.T) { F() }\n")
	if k, hit := stampedKey(t, tests, cacheDir); hit || k == testsBase {
		t.Errorf("tests: new test file: hit %v, key changed %v", hit, k != testsBase)
	}
	if _, hit := stampedKey(t, tests, cacheDir); !hit {
		t.Error("tests: the stamps miss twice")
	}
	os.Remove(path("m/lib/lib_test.go"))

	// Touching a file, or writing it unchanged, keeps the key and hits.
	now := time.Now()
	os.Chtimes(path("m/main.go"), now, now)
	writeTestFile(t, path("dep/dep.go"), read("dep/dep.go"))
	if k, hit := stampedKey(t, opts, cacheDir); !hit || k != base {
		t.Errorf("touched files: hit %v, key %s, want a hit on %s", hit, k, base)
	}
}

// TestStampsByTime checks stamps that are no longer racy: a no-op reads
// no file and leaves the stamps file alone; a touch hits and refreshes
// the stamp, so that the next build compares times only; an edit misses.
func TestStampsByTime(t *testing.T) {
	root := t.TempDir()
	dir := stampsModule(t, root)
	cacheDir := t.TempDir()
	opts := Options{Dir: dir, Patterns: []string{"./..."}, Tool: testTool, Env: []string{"GOWORK=", "GOFLAGS="}}
	// An hour from now, every file of the module is old enough.
	defer func(f func() time.Time) { stampNow = f }(stampNow)
	stampNow = func() time.Time { return time.Now().Add(time.Hour) }

	base, hit := stampedKey(t, opts, cacheDir)
	if hit {
		t.Fatal("first key came from stamps")
	}
	in, err := newKeyInputs(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	stamps := in.stampsFile(cacheDir)
	recorded, err := os.ReadFile(stamps)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(recorded), "\nf 1 ") || strings.Contains(string(recorded), "\nd 1 ") {
		t.Fatalf("entries recorded as racy an hour later:\n%s", recorded)
	}
	if _, hit := stampedKey(t, opts, cacheDir); !hit {
		t.Fatal("no-op: miss")
	}
	if again, _ := os.ReadFile(stamps); string(again) != string(recorded) {
		t.Error("a no-op rewrote the stamps file")
	}

	// A touch, to a time the file system could not have given it by
	// chance: hit, and the stamp now holds the new time.
	main := filepath.Join(dir, "main.go")
	touched := time.Date(2001, 2, 3, 4, 5, 6, 7, time.UTC)
	if err := os.Chtimes(main, touched, touched); err != nil {
		t.Fatal(err)
	}
	if k, hit := stampedKey(t, opts, cacheDir); !hit || k != base {
		t.Fatalf("touch: hit %v, key %s, want a hit on %s", hit, k, base)
	}
	refreshed, _ := os.ReadFile(stamps)
	if string(refreshed) == string(recorded) || !strings.Contains(string(refreshed), " "+strconv.FormatInt(touched.UnixNano(), 10)+" ") {
		t.Errorf("touch: the stamp was not refreshed:\n%s", refreshed)
	}

	// An edit, and the directory's new entry, with times set apart from
	// the recorded ones as a later write would.
	data, _ := os.ReadFile(main)
	writeTestFile(t, main, string(data)+"\n// edited\n")
	later := touched.Add(time.Minute)
	os.Chtimes(main, later, later)
	if _, hit := stampedKey(t, opts, cacheDir); hit {
		t.Error("edit: hit")
	}
	writeTestFile(t, filepath.Join(dir, "lib", "new.go"), "package lib\n")
	os.Chtimes(filepath.Join(dir, "lib"), later, later)
	if _, hit := stampedKey(t, opts, cacheDir); hit {
		t.Error("new file: hit")
	}
}

// TestStampsFile checks that a damaged or foreign stamps file is a miss,
// and that concurrent refreshes and records leave a whole file.
func TestStampsFile(t *testing.T) {
	root := t.TempDir()
	dir := stampsModule(t, root)
	cacheDir := t.TempDir()
	opts := Options{Dir: dir, Patterns: []string{"./..."}, Tool: testTool, Env: []string{"GOWORK=", "GOFLAGS="}}
	base, _ := stampedKey(t, opts, cacheDir)
	in, err := newKeyInputs(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	stamps := in.stampsFile(cacheDir)
	good, err := os.ReadFile(stamps)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(good), "\n")
	for name, damaged := range map[string]string{
		"empty":         "",
		"other version": strings.Replace(string(good), stampsVersion, "ssaweave stamps 0", 1),
		"no key":        lines[0] + strings.Join(lines[2:], ""),
		"truncated":     string(good[:len(good)*2/3]),
		"lines lost":    lines[0] + lines[1] + strings.Join(lines[3:], ""),
		"bad number":    strings.Replace(string(good), "\nd 1 1 ", "\nd 1 x ", 1),
	} {
		writeTestFile(t, stamps, damaged)
		if key, ok := checkStamps(stamps); ok {
			t.Errorf("%s stamps file: hit with key %s", name, key)
		}
	}

	writeTestFile(t, stamps, string(good))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if key, ok := checkStamps(stamps); ok && key != base {
				t.Errorf("concurrent check: key %s, want %s", key, base)
			}
		})
		wg.Go(func() {
			_, record, err := in.listedKey(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			record(stamps)
		})
	}
	wg.Wait()
	if key, ok := checkStamps(stamps); !ok || key != base {
		t.Errorf("after concurrent writers: %s, %v", key, ok)
	}
	entries, _ := os.ReadDir(filepath.Dir(stamps))
	if len(entries) != 1 {
		t.Errorf("stamps directory holds %v, want one file", entries)
	}
}
