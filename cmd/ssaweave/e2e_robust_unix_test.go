//go:build unix

package main

import (
	"os/exec"
	"syscall"
)

// setProcessGroup makes cmd, once started, the leader of a process group
// of its own, which every process it starts joins (the go command, the
// toolexec processes and the compilers), so that killGroup reaches them
// all: a build killed by a user's ^\ or an OOM killer dies whole.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup sends SIGKILL to the process group that cmd leads.
func killGroup(cmd *exec.Cmd) error {
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
