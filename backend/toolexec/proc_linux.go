package toolexec

import (
	"bytes"
	"fmt"
	"github.com/ssaweave/ssaweave/backend/gocmd"
	"os"
	"slices"
	"strconv"
	"strings"
)

// parentGo reads the command line, directory and start time of the go
// command that started this process, from /proc.
func parentGo() (*goProcess, error) {
	ppid := os.Getppid()
	proc := "/proc/" + strconv.Itoa(ppid)
	raw, err := os.ReadFile(proc + "/cmdline")
	if err != nil {
		return nil, fmt.Errorf("toolexec-only mode reads the go command's arguments from %s: %v (use `ssaweave go build` instead)", proc, err)
	}
	argv := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
	inv, err := parseParentArgs(argv)
	if err != nil {
		return nil, err
	}
	cwd, err := os.Readlink(proc + "/cwd")
	if err != nil {
		return nil, fmt.Errorf("reading the go command's directory: %v", err)
	}
	stat, err := os.ReadFile(proc + "/stat")
	if err != nil {
		return nil, err
	}
	// Field 22 (starttime) follows the parenthesised command name, which
	// may itself contain spaces.
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(fields) < 20 {
		return nil, fmt.Errorf("unexpected %s/stat", proc)
	}
	env := slices.DeleteFunc(gocmd.WithoutGoflags(os.Environ(), "toolexec"), func(kv string) bool { return strings.HasPrefix(kv, "TOOLEXEC_IMPORTPATH=") })
	return &goProcess{id: strconv.Itoa(ppid) + "-" + fields[19], inv: inv, cwd: cwd, env: env}, nil
}
