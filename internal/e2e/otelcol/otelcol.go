// Package otelcol builds the OpenTelemetry Collector that ssaweave's
// end-to-end tests use as a real peer: a distribution made by the official
// collector builder (ocb) from builder-config.yaml, with the OTLP receiver
// and the file exporter.
//
// Building it downloads and compiles a few hundred modules (minutes on a
// cold machine), so it is built once per machine and cached under
// ssaweave's cache directory (internal/cache), keyed by the hash of the
// manifest and the builder version. Parallel test processes are safe: the
// build holds a file lock and happens in a temporary directory that is
// renamed into place only when it succeeded, so a reader sees either no
// binary or a complete one.
package otelcol

import (
	"context"
	_ "embed" // the manifest
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/ssaweave/ssaweave/internal/cache"
)

// BuilderVersion is the version of go.opentelemetry.io/collector/cmd/builder
// that builds the manifest. It must match the collector release of every
// component in builder-config.yaml: the builder checks that strictly.
const BuilderVersion = "v0.165.0"

const builderModule = "go.opentelemetry.io/collector/cmd/builder"

// Manifest is the builder configuration (builder-config.yaml).
//
//go:embed builder-config.yaml
var Manifest []byte

// The file exporter's tests (not its code) import otlpencodingextension,
// and `go mod tidy`, which the builder runs, resolves the imports of the
// tests of dependencies too. The module proxy this project's CI can reach
// refuses every version of that module (403 "not available"), so the
// manifest replaces it with this empty module, written next to the output
// directory. The collector never links it: the replacement only lets tidy
// finish.
const (
	stubDir   = "otlpencodingextension-stub"
	stubGoMod = "module github.com/open-telemetry/opentelemetry-collector-contrib/extension/encoding/otlpencodingextension\n\ngo 1.25\n"
	stubGo    = "// Package otlpencodingextension is an empty stand-in for a test-only\n// dependency of the file exporter; see ssaweave's internal/e2e/otelcol.\npackage otlpencodingextension\n"
)

// binaryName is the file name the builder gives the collector
// (dist.name in the manifest).
func binaryName() string {
	if runtime.GOOS == "windows" {
		return "otelcol-ssaweave.exe"
	}
	return "otelcol-ssaweave"
}

// Key returns the cache key of the collector binary: everything that
// decides what gets built. The Go toolchain is left out on purpose: the
// collector is a peer, not the code under test, and rebuilding it on every
// Go upgrade would only cost minutes.
func Key() string {
	return cache.Hash([]byte(builderModule+"@"+BuilderVersion), Manifest,
		[]byte(stubGoMod), []byte(stubGo), []byte(runtime.GOOS+"/"+runtime.GOARCH))
}

// Build returns the path of the collector binary, building it first if
// this machine has none for the current manifest. Progress lines and the
// builder's output go to log (nil discards them) as the build runs; the
// error says which step failed, and the builder's output, which says why,
// is in log only, so that callers that already show log do not get it
// twice.
func Build(ctx context.Context, log io.Writer) (string, error) {
	if log == nil {
		log = io.Discard
	}
	root, err := cache.Sub("otelcol")
	if err != nil {
		return "", err
	}
	key := Key()
	dir := filepath.Join(root, key)
	bin := filepath.Join(dir, binaryName())
	if _, err := os.Stat(bin); err == nil {
		fmt.Fprintf(log, "otelcol: using the cached collector %s\n", bin)
		return bin, nil
	}

	fmt.Fprintf(log, "otelcol: no cached collector; taking the build lock %s.lock (waits while another process builds)\n", dir)
	unlock, err := cache.Lock(dir + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(bin); err == nil {
		fmt.Fprintf(log, "otelcol: another process built the collector %s\n", bin)
		return bin, nil
	}

	// Under the lock, temporary directories for this key are leftovers of
	// builds that were killed.
	stale, _ := filepath.Glob(filepath.Join(root, ".tmp-"+key+"-*"))
	for _, s := range stale {
		removeAll(s)
	}
	// The temporary directory is in the cache directory so that the final
	// rename stays on one file system and is atomic.
	tmp, err := os.MkdirTemp(root, ".tmp-"+key+"-")
	if err != nil {
		return "", fmt.Errorf("otelcol: %v", err)
	}
	defer removeAll(tmp)
	files := map[string]string{
		"builder-config.yaml":             string(Manifest),
		filepath.Join(stubDir, "go.mod"):  stubGoMod,
		filepath.Join(stubDir, "stub.go"): stubGo,
	}
	for name, data := range files {
		p := filepath.Join(tmp, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return "", fmt.Errorf("otelcol: %v", err)
		}
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			return "", fmt.Errorf("otelcol: %v", err)
		}
	}

	start := time.Now()
	fmt.Fprintf(log, "otelcol: building the OpenTelemetry Collector with %s@%s in %s\n", builderModule, BuilderVersion, tmp)
	fmt.Fprintf(log, "otelcol: once per machine; a cold build downloads and compiles a few hundred modules (minutes)\n")
	cmd := exec.CommandContext(ctx, "go", "run", builderModule+"@"+BuilderVersion, "--config", "builder-config.yaml")
	cmd.Dir = tmp
	cmd.Env = buildEnv()
	cmd.Stdout, cmd.Stderr = log, log
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("otelcol: building the collector (%s@%s --config %s) failed after %s: %v; the builder's output says why",
			builderModule, BuilderVersion, filepath.Join(tmp, "builder-config.yaml"), time.Since(start).Round(time.Second), err)
	}
	out := filepath.Join(tmp, "dist")
	if _, err := os.Stat(filepath.Join(out, binaryName())); err != nil {
		return "", fmt.Errorf("otelcol: the builder succeeded but left no binary: %v", err)
	}
	// dir cannot hold a complete build (bin was missing under the lock),
	// but it may hold what someone left by hand; the rename needs it gone.
	removeAll(dir)
	if err := os.Rename(out, dir); err != nil {
		return "", fmt.Errorf("otelcol: %v", err)
	}
	fmt.Fprintf(log, "otelcol: built %s in %s\n", bin, time.Since(start).Round(time.Second))
	return bin, nil
}

// buildEnv is the environment of the builder: the caller's, except for
// settings of the surrounding build that must not apply to the collector's
// own module (say GOFLAGS=-mod=vendor or -toolexec=ssaweave, or a go.work
// above the cache directory).
func buildEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GOFLAGS=") || strings.HasPrefix(kv, "GOWORK=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GOFLAGS=", "GOWORK=off")
}

// removeAll removes a directory tree, including the read-only files and
// directories the go command may leave (module cache style).
func removeAll(path string) {
	filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o700)
		}
		return nil
	})
	os.RemoveAll(path)
}
