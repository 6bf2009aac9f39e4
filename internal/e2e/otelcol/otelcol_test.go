package otelcol

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a command's
// standard output and error.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestBuildOnce proves, in a fresh cache directory, that concurrent builds
// of one manifest build it once (the others wait for the lock and reuse the
// result), that the binary lands at <cache>/otelcol/<key>/, that leftovers
// of a killed build are removed, and that no temporary directory remains.
// It builds a real collector: seconds once the Go caches are warm (CI
// prebuilds the same manifest first), minutes on a cold machine.
func TestBuildOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the collector")
	}
	cacheDir := t.TempDir()
	t.Setenv("SSAWEAVE_CACHE", cacheDir)
	root := filepath.Join(cacheDir, "otelcol")
	leftover := filepath.Join(root, ".tmp-"+Key()+"-killed")
	if err := os.MkdirAll(filepath.Join(leftover, "dist"), 0o700); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	const n = 3
	var (
		wg    sync.WaitGroup
		paths [n]string
		errs  [n]error
		logs  [n]syncBuffer
	)
	for i := range n {
		wg.Go(func() { paths[i], errs[i] = Build(ctx, &logs[i]) })
	}
	wg.Wait()

	built := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Build %d: %v\nlog:\n%s", i, errs[i], logs[i].String())
		}
		if paths[i] != paths[0] {
			t.Errorf("Build %d = %s, Build 0 = %s", i, paths[i], paths[0])
		}
		if strings.Contains(logs[i].String(), "otelcol: built ") {
			built++
		}
	}
	if built != 1 {
		t.Errorf("%d of %d concurrent Builds built the collector, want 1", built, n)
	}
	if want := filepath.Join(root, Key(), binaryName()); paths[0] != want {
		t.Errorf("binary at %s, want %s", paths[0], want)
	}
	if info, err := os.Stat(paths[0]); err != nil || info.Mode()&0o111 == 0 {
		t.Errorf("binary %s: %v, %v; want an executable file", paths[0], info, err)
	}
	if tmps, _ := filepath.Glob(filepath.Join(root, ".tmp-*")); len(tmps) != 0 {
		t.Errorf("temporary directories left: %v", tmps)
	}

	var log syncBuffer
	if again, err := Build(ctx, &log); err != nil || again != paths[0] || !strings.Contains(log.String(), "using the cached collector") {
		t.Errorf("Build with the binary cached = %s, %v, log %q; want the cached path", again, err, log.String())
	}
}

// TestBuildFailure proves that a manifest the builder rejects yields an
// error that names the step, the builder's reason in the log, and no
// binary or temporary directory in the cache.
func TestBuildFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the collector builder")
	}
	cacheDir := t.TempDir()
	t.Setenv("SSAWEAVE_CACHE", cacheDir)
	saved := Manifest
	t.Cleanup(func() { Manifest = saved })
	// A component without a module: the builder refuses the manifest
	// before any download.
	Manifest = []byte("dist:\n  name: otelcol-ssaweave\n  output_path: ./dist\nreceivers:\n  - import: example.com/nothing\n")

	var log syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin, err := Build(ctx, &log)
	if err == nil {
		t.Fatalf("Build of a broken manifest = %s, no error", bin)
	}
	if !strings.Contains(err.Error(), "building the collector") || !strings.Contains(err.Error(), "failed") {
		t.Errorf("error %q does not say the collector build failed", err)
	}
	if !strings.Contains(log.String(), "missing gomod") {
		t.Errorf("log does not carry the builder's reason (missing gomod):\n%s", log.String())
	}
	entries, _ := os.ReadDir(filepath.Join(cacheDir, "otelcol"))
	for _, e := range entries {
		if e.IsDir() {
			t.Errorf("cache holds %s after a failed build", e.Name())
		}
	}
}
