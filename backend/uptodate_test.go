package backend

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ssaweave/ssaweave/backend/gocmd"
	"github.com/ssaweave/ssaweave/ssaweave"
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
	const none = "(no check)"
	for _, c := range []struct {
		args []string
		env  []string
		want string // the output file, "" for one named after the plan's main, none for no check
	}{
		{[]string{"build", "-o", "prog", "."}, nil, filepath.Join(dir, "prog")},
		{[]string{"build", "-o", "/abs/prog", "."}, nil, "/abs/prog"},
		{[]string{"build", "-o=prog", "-a=false", "."}, nil, filepath.Join(dir, "prog")},
		{[]string{"build", "./cmd/server"}, nil, ""},
		{[]string{"build"}, nil, ""},
		{[]string{"build", "./..."}, nil, none},           // may match several packages: no output
		{[]string{"build", "a", "b"}, nil, none},          // several packages: no output
		{[]string{"build", "main.go"}, nil, none},         // named after the file
		{[]string{"build", "-o", "out", "."}, nil, none},  // a directory
		{[]string{"build", "-o", "out/", "."}, nil, none}, // named as one
		{[]string{"build", "-a", "-o", "prog", "."}, nil, none},
		{[]string{"build", "-n", "-o", "prog", "."}, nil, none},
		{[]string{"build", "-o", "prog", "."}, []string{"GOFLAGS=-a"}, none},
		{[]string{"build", "-o", "prog", "."}, []string{"SSAWEAVE_UPTODATE=off"}, none},
		{[]string{"install", "."}, nil, none},
		{[]string{"test", "-c", "-o", "prog.test", "."}, nil, none},
	} {
		inv, err := gocmd.Parse(c.args)
		if err != nil {
			t.Fatal(err)
		}
		env := append(os.Environ(), c.env...)
		got := none
		if o := watchOutput(context.Background(), inv, dir, env); o != nil {
			got = o.File
		}
		if got != c.want {
			t.Errorf("go %v (env %v): output %q, want %q", c.args, c.env, got, c.want)
		}
	}
}

// TestOutputFile checks the name go build gives a main package's
// executable when there is no -o.
func TestOutputFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "taken"), 0o777); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		mains []string
		goos  string
		want  string
	}{
		{[]string{"example.com/app/cmd/server"}, "linux", "server"},
		{[]string{"example.com/app/cmd/server"}, "windows", "server.exe"},
		{[]string{"example.com/tool/v2"}, "linux", "tool"},
		{[]string{"example.com/tool/v1"}, "linux", "v1"},
		{[]string{"example.com/tool/v2x"}, "linux", "v2x"},
		{[]string{"example.com/app"}, "linux", "app"},
		{[]string{"example.com/app/taken"}, "linux", ""}, // a directory of that name
		{[]string{"example.com/a", "example.com/b"}, "linux", ""},
	} {
		plan := &ssaweave.Plan{}
		for _, m := range c.mains {
			plan.Mains = append(plan.Mains, ssaweave.Main{ImportPath: m})
		}
		p := &Prepared{Plan: plan, Dir: dir}
		want := c.want
		if want != "" {
			want = filepath.Join(dir, want)
		}
		if got := p.outputFile(c.goos); got != want {
			t.Errorf("mains %v on %s: %q, want %q", c.mains, c.goos, got, want)
		}
	}
}
