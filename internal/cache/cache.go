// Package cache owns ssaweave's private on-disk state: plans, the extracted
// runtime module, generated go.mod files, rewritten sources. Everything lives
// under one directory in the user's cache directory, created with private
// permissions; every file is written atomically (temporary file in the same
// directory, then rename), and processes coordinate through file locks,
// because `go build -p N` runs many ssaweave toolexec processes at once.
package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// EnvDir names the environment variable that overrides the cache directory.
const EnvDir = "SSAWEAVE_CACHE"

// Dir returns ssaweave's cache directory, creating it if needed:
// $SSAWEAVE_CACHE, else <user cache dir>/ssaweave.
func Dir() (string, error) {
	dir := os.Getenv(EnvDir)
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("ssaweave: no cache directory: %v (set %s to a writable directory)", err, EnvDir)
		}
		dir = filepath.Join(base, "ssaweave")
	}
	if !filepath.IsAbs(dir) {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", err
		}
		dir = abs
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("ssaweave: cannot create cache directory: %v (set %s to a writable directory)", err, EnvDir)
	}
	probe, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return "", fmt.Errorf("ssaweave: cache directory %s is not writable: %v (set %s to a writable directory)", dir, err, EnvDir)
	}
	probe.Close()
	os.Remove(probe.Name())
	return dir, nil
}

// Sub returns the subdirectory name of the cache directory, creating it.
func Sub(name string) (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	sub := filepath.Join(dir, name)
	if err := os.MkdirAll(sub, 0o700); err != nil {
		return "", fmt.Errorf("ssaweave: %v", err)
	}
	return sub, nil
}

// WriteFileAtomic writes data to path so that readers see either the old
// file or the whole new one, never a part.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if err := f.Chmod(perm); werr == nil {
		werr = err
	}
	if err := f.Close(); werr == nil {
		werr = err
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return werr
	}
	return nil
}

// WriteContent stores data in dir under a name derived from its content
// hash and the given base name (<dir>/<hash>/<base>), unless it is already
// there, and returns the path. Content addressing makes the path
// deterministic, which keeps builds reproducible, and makes concurrent
// writers harmless.
func WriteContent(dir, base string, data []byte) (string, error) {
	sum := sha256.Sum256(data)
	path := filepath.Join(dir, hex.EncodeToString(sum[:12]), base)
	if existing, err := os.ReadFile(path); err == nil && string(existing) == string(data) {
		return path, nil
	}
	if err := WriteFileAtomic(path, data, 0o600); err != nil {
		return "", fmt.Errorf("ssaweave: %v", err)
	}
	return path, nil
}

// Hash returns a short hex content hash of the parts.
func Hash(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d\n", len(p))
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Clean removes the whole cache directory.
func Clean() (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	// Module-cache-style read-only files are not created here, but be
	// robust to anything a user put there by hand.
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(path, 0o700)
		}
		return nil
	})
	if err != nil {
		return dir, err
	}
	if err := os.RemoveAll(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return dir, err
	}
	return dir, nil
}
