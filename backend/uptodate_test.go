package backend

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ssaweave/ssaweave/backend/gocmd"
)

// TestOutputApplies checks which woven commands get the up-to-date check:
// go build -o FILE only, and never with -a or -n, on the command line or
// in GOFLAGS, nor with the check turned off.
func TestOutputApplies(t *testing.T) {
	t.Setenv("SSAWEAVE_CACHE", t.TempDir())
	dir := t.TempDir()
	sub := filepath.Join(dir, "out")
	if err := os.Mkdir(sub, 0o777); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		env  []string
		want string // the output file, "" for no check
	}{
		{[]string{"build", "-o", "prog", "."}, nil, filepath.Join(dir, "prog")},
		{[]string{"build", "-o", "/abs/prog", "."}, nil, "/abs/prog"},
		{[]string{"build", "-o=prog", "-a=false", "."}, nil, filepath.Join(dir, "prog")},
		{[]string{"build", "."}, nil, ""},
		{[]string{"build", "-o", "out", "."}, nil, ""},  // a directory
		{[]string{"build", "-o", "out/", "."}, nil, ""}, // named as one
		{[]string{"build", "-a", "-o", "prog", "."}, nil, ""},
		{[]string{"build", "-n", "-o", "prog", "."}, nil, ""},
		{[]string{"build", "-o", "prog", "."}, []string{"GOFLAGS=-a"}, ""},
		{[]string{"build", "-o", "prog", "."}, []string{"SSAWEAVE_UPTODATE=off"}, ""},
		{[]string{"install", "."}, nil, ""},
		{[]string{"test", "-c", "-o", "prog.test", "."}, nil, ""},
	} {
		inv, err := gocmd.Parse(c.args)
		if err != nil {
			t.Fatal(err)
		}
		env := append(os.Environ(), c.env...)
		got := ""
		if o := watchOutput(context.Background(), inv, dir, env); o != nil {
			got = o.File
		}
		if got != c.want {
			t.Errorf("go %v (env %v): output %q, want %q", c.args, c.env, got, c.want)
		}
	}
}
