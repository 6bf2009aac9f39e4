package gotool

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestEnvMemo checks that under WithEnvMemo go env runs once per
// directory and environment as the child sees it (later settings win), and
// that without it every call asks the go command: a go.mod created between
// two calls is seen only without the memo, or with another environment.
func TestEnvMemo(t *testing.T) {
	dir := t.TempDir()
	env := append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOFLAGS=")
	memo := WithEnvMemo(context.Background())
	first, err := Env(memo, dir, env)
	if err != nil {
		t.Fatal(err)
	}
	if first["GOMOD"] != os.DevNull && first["GOMOD"] != "" {
		t.Fatalf("GOMOD = %q outside a module", first["GOMOD"])
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/m\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	// The same environment as the child sees it: GOFLAGS= wins either way.
	again, err := Env(memo, dir, append(os.Environ(), "GOFLAGS=", "GOWORK=off"))
	if err != nil {
		t.Fatal(err)
	}
	if again["GOMOD"] != first["GOMOD"] {
		t.Errorf("memoized GOMOD = %q, want %q", again["GOMOD"], first["GOMOD"])
	}
	want := filepath.Join(dir, "go.mod")
	if fresh, err := Env(context.Background(), dir, env); err != nil || fresh["GOMOD"] != want {
		t.Errorf("without the memo GOMOD = %q, %v; want %s", fresh["GOMOD"], err, want)
	}
	if other, err := Env(memo, dir, append(env, "GOFLAGS=-mod=mod")); err != nil || other["GOMOD"] != want || other["GOFLAGS"] != "-mod=mod" {
		t.Errorf("another environment under the memo: GOMOD = %q, GOFLAGS = %q, %v", other["GOMOD"], other["GOFLAGS"], err)
	}
}
