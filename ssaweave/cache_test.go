package ssaweave

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
)

func planJSON(t *testing.T, p *Plan) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := p.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestCachedDeterministic builds hello a second time through the cache:
// the plan must be byte-identical to the first build, and the next call a
// hit returning the same plan.
func TestCachedDeterministic(t *testing.T) {
	ctx := context.Background()
	first := planJSON(t, planOf(t, "hello"))
	cacheDir := t.TempDir()

	p, hit, err := Cached(ctx, testOptions("hello"), cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	if hit {
		t.Error("first Cached call is a hit")
	}
	if got := planJSON(t, p); !bytes.Equal(got, first) {
		t.Errorf("second build differs from the first:\n%s\n---\n%s", got, first)
	}

	again, hit, err := Cached(ctx, testOptions("hello"), cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	if !hit {
		t.Error("second Cached call is a miss")
	}
	if !reflect.DeepEqual(again, p) {
		t.Errorf("cached plan differs:\n%+v\n%+v", again, p)
	}
	if got := planJSON(t, again); !bytes.Equal(got, first) {
		t.Errorf("cached plan JSON differs")
	}
	entries, err := os.ReadDir(filepath.Join(cacheDir, "plans"))
	if err != nil || len(entries) != 1 {
		t.Errorf("cache holds %v (%v), want one plan and no temporary file", entries, err)
	}
}

// TestCacheKey checks what changes the key, on a copy of hello so that
// its sources can be edited.
func TestCacheKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, f := range []string{"go.mod", "main.go"} {
		data, err := os.ReadFile(filepath.Join("testdata", "hello", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	opts := Options{Dir: dir, Patterns: []string{"."}, Tool: testTool}
	key := func(opts Options) string {
		t.Helper()
		k, err := CacheKey(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	base := key(opts)
	if again := key(opts); again != base {
		t.Fatalf("key not stable: %s then %s", base, again)
	}

	main := filepath.Join(dir, "main.go")
	src, _ := os.ReadFile(main)
	if err := os.WriteFile(main, append(src, "\n// edited\n"...), 0o666); err != nil {
		t.Fatal(err)
	}
	if k := key(opts); k == base {
		t.Error("editing main.go does not change the key")
	}
	if err := os.WriteFile(main, src, 0o666); err != nil {
		t.Fatal(err)
	}
	if k := key(opts); k != base {
		t.Error("restoring main.go does not restore the key")
	}

	overlay := filepath.Join(dir, "overlay.json")
	replacement := filepath.Join(dir, "replacement.go")
	os.WriteFile(replacement, append(src, "\n// overlaid\n"...), 0o666)
	os.WriteFile(overlay, []byte(`{"Replace":{"main.go":"replacement.go"}}`), 0o666)
	for name, o := range map[string]Options{
		"tool":    {Dir: dir, Patterns: opts.Patterns, Tool: "other"},
		"tags":    {Dir: dir, Patterns: opts.Patterns, Tool: testTool, BuildFlags: []string{"-tags=netgo"}},
		"goarch":  {Dir: dir, Patterns: opts.Patterns, Tool: testTool, Env: []string{"GOARCH=arm64"}},
		"overlay": {Dir: dir, Patterns: opts.Patterns, Tool: testTool, BuildFlags: []string{"-overlay=" + overlay}},
	} {
		if k := key(o); k == base {
			t.Errorf("changing %s does not change the key", name)
		}
	}
	// Settings that cannot change a plan do not change the key: the shell
	// changes OLDPWD on every cd. (The overlay case added a file: take the
	// key anew.)
	base = key(opts)
	for _, env := range [][]string{{"OLDPWD=/somewhere"}, {"TERM=dumb", "FOO_UNRELATED=1"}} {
		if k := key(Options{Dir: dir, Patterns: opts.Patterns, Tool: testTool, Env: env}); k != base {
			t.Errorf("setting %v changes the key", env)
		}
	}
	if k := key(Options{Dir: dir, Patterns: opts.Patterns, Tool: testTool, Env: []string{"CGO_CFLAGS=-O0"}}); k == base {
		t.Error("setting CGO_CFLAGS does not change the key")
	}
}

func TestCachedIgnoresBrokenPlan(t *testing.T) {
	ctx := context.Background()
	cacheDir := t.TempDir()
	opts := testOptions("hello")
	key, err := CacheKey(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(cacheDir, "plans"), 0o777); err != nil {
		t.Fatal(err)
	}
	// A stored plan that does not parse is rebuilt, not an error; write a
	// valid plan of a foreign tool to check without a build that the tool
	// is checked too.
	p := *planOf(t, "hello")
	p.Tool = "foreign"
	var buf bytes.Buffer
	p.WriteJSON(&buf)
	file := filepath.Join(cacheDir, "plans", key+".json")
	if err := os.WriteFile(file, buf.Bytes(), 0o666); err != nil {
		t.Fatal(err)
	}
	if _, ok := readPlan(file, testTool); ok {
		t.Error("plan of another tool read as a hit")
	}
	os.WriteFile(file, []byte("{not json"), 0o666)
	if _, ok := readPlan(file, testTool); ok {
		t.Error("broken plan read as a hit")
	}
}

// TestWritePlanConcurrent writes the same plan from many goroutines while
// others read it: readers see either no plan or a whole one, and no
// temporary file is left behind.
func TestWritePlanConcurrent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "plans")
	file := filepath.Join(dir, "k.json")
	want := &Plan{Schema: SchemaVersion, Tool: testTool, Algorithm: "rta", Patterns: []string{}, Sites: []Site{}, Mains: []Main{}, Packages: []PackageEdits{}}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := writePlan(file, want); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			if p, ok := readPlan(file, testTool); ok && !reflect.DeepEqual(p, want) {
				t.Errorf("read a different plan: %+v", p)
			}
		})
	}
	wg.Wait()
	if p, ok := readPlan(file, testTool); !ok || !reflect.DeepEqual(p, want) {
		t.Errorf("final plan %+v, %v", p, ok)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("cache holds %v, want one file", entries)
	}
}

// BenchmarkCached measures a plan cache miss (a whole-program build) and
// a hit (go env, checking the stamps and reading the plan; see
// cache_stamps.go) on testdata/hello; see MEASUREMENTS.md.
func BenchmarkCached(b *testing.B) {
	ctx := context.Background()
	opts := testOptions("hello")
	b.Run("miss", func(b *testing.B) {
		for b.Loop() {
			if _, hit, err := Cached(ctx, opts, b.TempDir()); err != nil || hit {
				b.Fatal(hit, err)
			}
		}
	})
	b.Run("hit", func(b *testing.B) {
		dir := b.TempDir()
		if _, _, err := Cached(ctx, opts, dir); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, hit, err := Cached(ctx, opts, dir); err != nil || !hit {
				b.Fatal(hit, err)
			}
		}
	})
}
