//go:build !unix

package main

import (
	"errors"
	"os/exec"
)

// setProcessGroup does nothing where there are no process groups; the
// tests that kill builds skip there.
func setProcessGroup(*exec.Cmd) {}

// killGroup is not supported where there are no process groups.
func killGroup(*exec.Cmd) error { return errors.New("process groups are not supported here") }
