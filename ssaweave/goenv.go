package ssaweave

import (
	"path/filepath"

	"context"
	"encoding/json"
	"fmt"
	"github.com/ssaweave/ssaweave/analysis"
	"os"

	"github.com/ssaweave/ssaweave/internal/gotool"
)

// goCommand runs the go command in dir with env applied on top of the
// current environment (later entries win in os/exec) and returns its
// standard output.
func goCommand(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	out, err := gotool.Output(ctx, dir, append(os.Environ(), env...), args...)
	if err != nil {
		return nil, fmt.Errorf("ssaweave: %w", err)
	}
	return out, nil
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

// readSettings reads the configuration file of the module whose go.mod is
// gomod (as go env GOMOD reports it; empty or /dev/null outside a module).
func readSettings(gomod string, env []string) (*analysis.Settings, error) {
	root := ""
	if gomod != "" && gomod != os.DevNull {
		root = filepath.Dir(gomod)
	}
	return analysis.ReadSettings(root, env)
}
