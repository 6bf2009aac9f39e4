package ssaweave

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// goCommand runs the go command in dir with env applied on top of the
// current environment (later entries win in os/exec) and returns its
// standard output.
func goCommand(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("ssaweave: go %s: %s", strings.Join(args, " "), msg)
	}
	return stdout.Bytes(), nil
}

// goEnv returns the values of the named go env variables as the go command
// sees them in dir under env.
func goEnv(ctx context.Context, dir string, env []string, names ...string) (map[string]string, error) {
	out, err := goCommand(ctx, dir, env, append([]string{"env", "-json"}, names...)...)
	if err != nil {
		return nil, err
	}
	vals := make(map[string]string, len(names))
	if err := json.Unmarshal(out, &vals); err != nil {
		return nil, fmt.Errorf("ssaweave: parsing go env: %w", err)
	}
	return vals, nil
}
