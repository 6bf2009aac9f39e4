//go:build !linux

package toolexec

import "fmt"

// parentGo is only implemented on Linux, where /proc tells a child process
// its parent's arguments.
func parentGo() (*goProcess, error) {
	return nil, fmt.Errorf("plain go build -toolexec mode is supported on Linux only; use `ssaweave go build`, which works everywhere")
}
