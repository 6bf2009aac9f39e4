// Package gotool runs internal go commands (go env, go list) and turns
// their failures into errors that carry what the go command said.
package gotool

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
)

// Output runs `go args...` in dir with exactly env and returns its standard
// output. On failure the error names the command and holds the go command's
// standard error (or the exec error when it printed nothing).
func Output(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("go %s (in %s): %s", strings.Join(args, " "), dir, msg)
	}
	return stdout.Bytes(), nil
}

// EnvVars are the go env variables Env reports: those that locate the
// module, workspace and module cache, and those that select the toolchain
// and which files a build compiles (GOOS, GOARCH and their variants,
// GOFLAGS, GOEXPERIMENT, cgo), and how it compiles them (the tool
// directory, the C toolchain, the go env file that `go env -w` writes).
// Not the cgo flags: go env runs the C compiler to report those (15 ms);
// they come from the environment or that file.
var EnvVars = []string{
	"GOMOD", "GOWORK", "GOMODCACHE", "GOVERSION", "GOROOT", "GOOS", "GOARCH",
	"CGO_ENABLED", "GOFLAGS", "GOEXPERIMENT", "GO111MODULE", "GOFIPS140",
	"GO386", "GOAMD64", "GOARM", "GOARM64", "GOMIPS", "GOMIPS64", "GOPPC64", "GORISCV64", "GOWASM",
	"GOTOOLDIR", "GOENV", "GOCACHE", "CC", "CXX", "AR",
}

// envMemo holds the go env answers of one operation (see WithEnvMemo).
type envMemo struct {
	mu   sync.Mutex
	vals map[string]map[string]string
}

type envMemoKey struct{}

// WithEnvMemo returns a context under which Env runs go env at most once
// per directory and environment. The wrapper prepares a build under one:
// it needs these values in three places (the module, the module cache,
// the plan cache key), and each go env costs a few milliseconds of a
// no-op build. Scoping the memo to one operation, rather than to the
// process, keeps long-lived processes (tests) from seeing a go.mod or
// go.work that has since changed. Under a context that already has a memo,
// it returns ctx: the operation is the outer one.
func WithEnvMemo(ctx context.Context) context.Context {
	if _, ok := ctx.Value(envMemoKey{}).(*envMemo); ok {
		return ctx
	}
	return context.WithValue(ctx, envMemoKey{}, &envMemo{vals: map[string]map[string]string{}})
}

// Env returns EnvVars as `go env` reports them in dir under exactly env
// (nil: the current environment), remembered under WithEnvMemo. The
// caller must not modify the returned map.
func Env(ctx context.Context, dir string, env []string) (map[string]string, error) {
	memo, _ := ctx.Value(envMemoKey{}).(*envMemo)
	var key string
	if memo != nil {
		if env == nil {
			key = dir + "\x00" + strings.Join(CanonicalEnv(os.Environ()), "\x00")
		} else {
			key = dir + "\x00" + strings.Join(CanonicalEnv(env), "\x00")
		}
		memo.mu.Lock()
		vals, ok := memo.vals[key]
		memo.mu.Unlock()
		if ok {
			return vals, nil
		}
	}
	out, err := Output(ctx, dir, env, append([]string{"env", "-json"}, EnvVars...)...)
	if err != nil {
		return nil, err
	}
	vals := make(map[string]string, len(EnvVars))
	if err := json.Unmarshal(out, &vals); err != nil {
		return nil, fmt.Errorf("parsing go env output: %v", err)
	}
	if memo != nil {
		memo.mu.Lock()
		memo.vals[key] = vals
		memo.mu.Unlock()
	}
	return vals, nil
}

// CanonicalEnv returns env as a child process sees it: one value per
// name, the last one given (as os/exec does), sorted.
func CanonicalEnv(env []string) []string {
	last := make(map[string]string, len(env))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		last[k] = kv
	}
	kvs := make([]string, 0, len(last))
	for _, kv := range last {
		kvs = append(kvs, kv)
	}
	slices.Sort(kvs)
	return kvs
}
