// Package gotool runs internal go commands (go env, go list) and turns
// their failures into errors that carry what the go command said.
package gotool

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
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
