package cache

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// listDir returns the names in dir.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestWriteFileAtomic proves that the file ends up with exactly the data
// and the requested permissions (not reduced by the umask, not those of the
// temporary file), that missing parent directories are created, that an
// existing file is replaced, and that no temporary file is left behind.
func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a", "b", "file.json")
	tests := []struct {
		data []byte
		perm os.FileMode
	}{
		{[]byte("first version, longer than the second"), 0o600},
		{[]byte("second"), 0o640},
		{nil, 0o600},
	}
	for _, tt := range tests {
		if err := WriteFileAtomic(path, tt.data, tt.perm); err != nil {
			t.Fatalf("WriteFileAtomic: %v", err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(tt.data) {
			t.Errorf("content = %q, want %q", got, tt.data)
		}
		if runtime.GOOS != "windows" {
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode().Perm() != tt.perm {
				t.Errorf("mode = %v, want %v", info.Mode().Perm(), tt.perm)
			}
		}
		if names := listDir(t, filepath.Dir(path)); len(names) != 1 || names[0] != "file.json" {
			t.Errorf("directory holds %q, want only file.json", names)
		}
	}
}

// TestWriteFileAtomicFailure proves that when the final rename fails (the
// target is a non-empty directory), the error is returned, the target is
// untouched and the temporary file is removed.
func TestWriteFileAtomicFailure(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.MkdirAll(filepath.Join(target, "inside"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(target, []byte("data"), 0o600); err == nil {
		t.Fatal("WriteFileAtomic onto a non-empty directory: no error")
	}
	if info, err := os.Stat(target); err != nil || !info.IsDir() {
		t.Errorf("target changed: %v, %v", info, err)
	}
	if names := listDir(t, dir); len(names) != 1 || names[0] != "target" {
		t.Errorf("directory holds %q after a failed write, want only target", names)
	}
}

// TestWriteContent proves that the path is <dir>/<content hash>/<base>, the
// same for the same content (and rewriting it is harmless), different for
// different content, and that a damaged file at that path is repaired.
func TestWriteContent(t *testing.T) {
	dir := t.TempDir()
	data := []byte("package main\n")
	p1, err := WriteContent(dir, "main.go", data)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(dir, p1)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(filepath.ToSlash(rel), "/")
	if len(parts) != 2 || len(parts[0]) != 24 || strings.Trim(parts[0], "0123456789abcdef") != "" || parts[1] != "main.go" {
		t.Errorf("WriteContent path %s: want <dir>/<24 hex digits>/main.go", p1)
	}
	if got, _ := os.ReadFile(p1); string(got) != string(data) {
		t.Errorf("content = %q, want %q", got, data)
	}

	p2, err := WriteContent(dir, "main.go", data)
	if err != nil || p2 != p1 {
		t.Errorf("second WriteContent = %s, %v; want %s", p2, err, p1)
	}
	// The path depends on the content only, not on the directory's state
	// or the time: a fresh directory yields the same relative path.
	other := t.TempDir()
	p3, err := WriteContent(other, "main.go", data)
	if err != nil {
		t.Fatal(err)
	}
	if rel3, _ := filepath.Rel(other, p3); rel3 != rel {
		t.Errorf("relative path in another directory = %s, want %s", rel3, rel)
	}

	p4, err := WriteContent(dir, "main.go", []byte("package main // changed\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p4 == p1 {
		t.Errorf("different content got the same path %s", p4)
	}
	if got, _ := os.ReadFile(p1); string(got) != string(data) {
		t.Errorf("writing other content changed the first file: %q", got)
	}

	// A damaged (e.g. truncated) file at the content path is rewritten.
	if err := os.WriteFile(p1, []byte("pack"), 0o600); err != nil {
		t.Fatal(err)
	}
	if p5, err := WriteContent(dir, "main.go", data); err != nil || p5 != p1 {
		t.Fatalf("WriteContent after damage = %s, %v; want %s", p5, err, p1)
	}
	if got, _ := os.ReadFile(p1); string(got) != string(data) {
		t.Errorf("damaged file not repaired: %q", got)
	}
}

// TestHash proves that Hash is deterministic, 32 hex digits, and sensitive
// to how the input is split into parts and to their order, so that
// different keys never collide by concatenation.
func TestHash(t *testing.T) {
	b := func(s string) []byte { return []byte(s) }
	h := Hash(b("ab"), b("c"))
	if len(h) != 32 || strings.Trim(h, "0123456789abcdef") != "" {
		t.Errorf("Hash = %q, want 32 lower-case hex digits", h)
	}
	if again := Hash(b("ab"), b("c")); again != h {
		t.Errorf("Hash not deterministic: %s then %s", h, again)
	}
	different := []struct {
		name string
		a, b [][]byte
	}{
		{"split point", [][]byte{b("ab"), b("c")}, [][]byte{b("a"), b("bc")}},
		{"order", [][]byte{b("a"), b("b")}, [][]byte{b("b"), b("a")}},
		{"empty trailing part", [][]byte{b("a")}, [][]byte{b("a"), nil}},
		{"no parts vs one empty part", nil, [][]byte{nil}},
		{"length prefix forgery", [][]byte{b("a"), b("b")}, [][]byte{b("a1\nb")}},
		{"content", [][]byte{b("a")}, [][]byte{b("b")}},
	}
	for _, tt := range different {
		if ha, hb := Hash(tt.a...), Hash(tt.b...); ha == hb {
			t.Errorf("%s: Hash(%q) == Hash(%q) == %s", tt.name, tt.a, tt.b, ha)
		}
	}
}

// TestLockMutualExclusion proves that separate Lock calls on the same path
// exclude each other, also within one process (as needed when goroutines,
// not only processes, share the cache): a shared counter incremented inside
// the critical section is never seen above one.
func TestLockMutualExclusion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	const workers, rounds = 4, 5
	var inside, maxInside, total atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				unlock, err := Lock(path)
				if err != nil {
					errs <- err
					return
				}
				n := inside.Add(1)
				for {
					m := maxInside.Load()
					if n <= m || maxInside.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(time.Millisecond) // widen the window for overlap
				total.Add(1)
				inside.Add(-1)
				unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if m := maxInside.Load(); m != 1 {
		t.Errorf("%d holders inside the lock at once, want 1", m)
	}
	if n := total.Load(); n != workers*rounds {
		t.Errorf("%d critical sections ran, want %d", n, workers*rounds)
	}
}

// TestLockBlocks proves that Lock waits while another holder has the lock
// and returns once it is released.
func TestLockBlocks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	unlock, err := Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	acquired := make(chan func())
	go func() {
		u, err := Lock(path)
		if err != nil {
			t.Error(err)
			u = func() {}
		}
		acquired <- u
	}()
	select {
	case u := <-acquired:
		u()
		unlock()
		t.Fatal("second Lock returned while the first was held")
	case <-time.After(50 * time.Millisecond):
	}
	unlock()
	select {
	case u := <-acquired:
		u()
	case <-time.After(10 * time.Second):
		t.Fatal("second Lock did not return after the first was released")
	}
}

// TestLockError proves that a lock file that cannot be created is an error
// naming it.
func TestLockError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing-dir", "x.lock")
	if unlock, err := Lock(path); err == nil {
		unlock()
		t.Fatal("Lock in a missing directory: no error")
	} else if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name %s", err, path)
	}
}

// TestDir proves that SSAWEAVE_CACHE is honored (created if missing, made
// absolute when relative, left without probe files), and that Sub creates
// subdirectories in it.
func TestDir(t *testing.T) {
	base := t.TempDir()
	want := filepath.Join(base, "nested", "cache")
	t.Setenv(EnvDir, want)
	got, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("Dir() = %s, want %s", got, want)
	}
	if info, err := os.Stat(want); err != nil || !info.IsDir() {
		t.Fatalf("cache directory not created: %v", err)
	}
	if runtime.GOOS != "windows" {
		if info, _ := os.Stat(want); info.Mode().Perm() != 0o700 {
			t.Errorf("cache directory mode %v, want 0700", info.Mode().Perm())
		}
	}
	if names := listDir(t, want); len(names) != 0 {
		t.Errorf("Dir left files behind: %q", names)
	}

	sub, err := Sub("plans")
	if err != nil {
		t.Fatal(err)
	}
	if sub != filepath.Join(want, "plans") {
		t.Errorf("Sub(plans) = %s, want %s", sub, filepath.Join(want, "plans"))
	}
	if info, err := os.Stat(sub); err != nil || !info.IsDir() {
		t.Errorf("Sub did not create %s: %v", sub, err)
	}

	// A relative SSAWEAVE_CACHE is resolved against the working directory.
	t.Chdir(base)
	t.Setenv(EnvDir, "rel")
	got, err = Dir()
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(got) || filepath.Base(got) != "rel" {
		t.Errorf("Dir() with a relative %s = %s, want an absolute path ending in rel", EnvDir, got)
	}
	if _, err := os.Stat(filepath.Join(base, "rel")); err != nil {
		t.Errorf("relative cache directory not created under the working directory: %v", err)
	}
}

// TestDirUserCache proves that without SSAWEAVE_CACHE the cache is
// <user cache dir>/ssaweave (on Linux, $XDG_CACHE_HOME/ssaweave).
func TestDirUserCache(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("XDG_CACHE_HOME decides the user cache directory only on Linux")
	}
	base := t.TempDir()
	t.Setenv(EnvDir, "")
	t.Setenv("XDG_CACHE_HOME", base)
	got, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(base, "ssaweave"); got != want {
		t.Errorf("Dir() = %s, want %s", got, want)
	}
}

// TestDirUnwritable proves that a cache directory that cannot be created or
// written is an error that tells the user to set SSAWEAVE_CACHE.
func TestDirUnwritable(t *testing.T) {
	t.Run("under a regular file", func(t *testing.T) {
		// Fails for every user, root included.
		file := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv(EnvDir, filepath.Join(file, "sub"))
		dir, err := Dir()
		if err == nil {
			t.Fatalf("Dir() = %s, want an error", dir)
		}
		if !strings.Contains(err.Error(), "cannot create cache directory") || !strings.Contains(err.Error(), EnvDir) {
			t.Errorf("error %q: want it to say the cache directory cannot be created and mention %s", err, EnvDir)
		}
		if _, err := Sub("x"); err == nil {
			t.Error("Sub with an unusable cache directory: no error")
		}
	})
	t.Run("read-only directory", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("permission bits do not make directories read-only on Windows")
		}
		if os.Geteuid() == 0 {
			t.Skip("root can write to read-only directories")
		}
		ro := filepath.Join(t.TempDir(), "ro")
		if err := os.Mkdir(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(ro, 0o700) })
		t.Setenv(EnvDir, ro)
		dir, err := Dir()
		if err == nil {
			t.Fatalf("Dir() = %s, want an error", dir)
		}
		if !strings.Contains(err.Error(), "is not writable") || !strings.Contains(err.Error(), EnvDir) {
			t.Errorf("error %q: want it to say the directory is not writable and mention %s", err, EnvDir)
		}
	})
}

// TestClean proves that Clean removes the whole cache directory, including
// read-only subdirectories (which plain RemoveAll cannot empty as a
// non-root user), returns its path, and succeeds again on a fresh one.
func TestClean(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	t.Setenv(EnvDir, dir)
	sub, err := Sub("src")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteContent(sub, "a.go", []byte("package a\n")); err != nil {
		t.Fatal(err)
	}
	ro := filepath.Join(dir, "readonly")
	if err := os.MkdirAll(ro, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ro, "f"), []byte("x"), 0o400); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(ro, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(ro, 0o700) })

	got, err := Clean()
	if err != nil {
		t.Fatalf("Clean: %v", err)
	}
	if got != dir {
		t.Errorf("Clean() = %s, want %s", got, dir)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("cache directory still there after Clean: %v", err)
	}
	// Clean recreates (through Dir) and removes an empty cache just as well.
	if _, err := Clean(); err != nil {
		t.Errorf("second Clean: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("cache directory still there after second Clean: %v", err)
	}
}
