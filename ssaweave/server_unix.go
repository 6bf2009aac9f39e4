//go:build unix

package ssaweave

import (
	"os"
	"os/exec"
	"syscall"
)

// startServer starts `exe plan-server sock` detached from the build: in a
// session of its own (a ^C in the terminal does not reach it), in /, with
// its output in sock+".log".
func startServer(exe, sock string) error {
	log, err := os.OpenFile(sock+".log", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.Command(exe, "plan-server", sock)
	cmd.Dir = "/"
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Process.Release()
}
