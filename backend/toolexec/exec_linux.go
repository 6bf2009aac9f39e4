package toolexec

import (
	"os"
	"os/exec"
	"syscall"
)

// passThrough runs a tool that needs nothing from this backend, by
// replacing this process with it: the go command asks each tool's version
// (-V=full) through the backend once per build, even when nothing is
// compiled, and a child process and waiting for it were a measurable part
// of a no-op build. When the exec fails, the tool runs as a child.
func passThrough(args []string) int {
	if path, err := exec.LookPath(args[0]); err == nil {
		syscall.Exec(path, args, os.Environ())
	}
	return run(args)
}
