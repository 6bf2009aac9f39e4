package ssaweave

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ssaweave/ssaweave/analysis"
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

// readSettings reads the configuration file of the module whose go.mod is
// gomod (as go env GOMOD reports it; empty or /dev/null outside a module).
func readSettings(gomod string, env []string) (*analysis.Settings, error) {
	root := ""
	if gomod != "" && gomod != os.DevNull {
		root = filepath.Dir(gomod)
	}
	return analysis.ReadSettings(root, env)
}
