// Package headless loads pages in headless Chromium for tests: a page is
// tested as a person's browser shows it, scripts and all.
package headless

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Browsers are the names Chromium's command has on Debian and elsewhere.
var Browsers = []string{"chromium", "chromium-browser", "google-chrome"}

// Browser returns the path of a headless-capable Chromium. Without one it
// skips the test, naming the package to install, or fails it under
// SSAWEAVE_CI=1, so that CI cannot pass by testing less.
func Browser(t testing.TB) string {
	t.Helper()
	for _, name := range Browsers {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("SSAWEAVE_CI") == "1" {
		t.Fatal("no Chromium in PATH (SSAWEAVE_CI=1): install Debian's chromium package (.ci/run does)")
	}
	t.Skip("no Chromium in PATH: install Debian's chromium package to run this test")
	return ""
}

// DOM loads the local file (with the URL fragment, "" for none) in
// headless Chromium and returns the DOM once the page has loaded and its
// scripts have run.
func DOM(t testing.TB, file, fragment string) string {
	t.Helper()
	browser := Browser(t)
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	url := "file://" + filepath.ToSlash(abs)
	if fragment != "" {
		url += "#" + fragment
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// A profile directory of its own: Chromium refuses to share one
	// between processes, and must not leave state in $HOME.
	cmd := exec.CommandContext(ctx, browser, "--headless", "--disable-gpu", "--no-sandbox",
		"--user-data-dir="+t.TempDir(), "--dump-dom", url)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("%s --dump-dom %s: %v\n%s", browser, url, err, stderr)
	}
	return string(out)
}
