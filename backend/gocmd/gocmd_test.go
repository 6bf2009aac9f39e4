package gocmd

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// equalInvocation compares two invocations field by field, treating nil and
// empty slices alike (Parse leaves unused slices nil).
func equalInvocation(got, want *Invocation) bool {
	return got.Sub == want.Sub && got.Dir == want.Dir &&
		slices.Equal(got.Flags, want.Flags) &&
		slices.Equal(got.Packages, want.Packages) &&
		slices.Equal(got.Rest, want.Rest)
}

func fmtInvocation(inv *Invocation) string {
	return fmt.Sprintf("{Sub:%q Dir:%q Flags:%v Packages:%q Rest:%q}", inv.Sub, inv.Dir, inv.Flags, inv.Packages, inv.Rest)
}

// TestParse proves that realistic go command lines are split into the
// subcommand, -C directory, build flags (with their values, whether given as
// "-f v" or "-f=v"), package patterns and the arguments that belong to the
// program or test binary.
func TestParse(t *testing.T) {
	tests := []struct {
		args string
		want Invocation
	}{
		{
			args: "build -o bin ./cmd/server",
			want: Invocation{Sub: "build", Flags: []Flag{{Name: "o", Value: "bin"}}, Packages: []string{"./cmd/server"}},
		},
		{
			// -C before the subcommand sets Dir and is not a Flag.
			args: "-C dir build -tags=a,b ./...",
			want: Invocation{Sub: "build", Dir: "dir", Flags: []Flag{{Name: "tags", Value: "a,b"}}, Packages: []string{"./..."}},
		},
		{
			args: "-C=sub/dir install ./cmd/x",
			want: Invocation{Sub: "install", Dir: "sub/dir", Packages: []string{"./cmd/x"}},
		},
		{
			args: "--C dir build",
			want: Invocation{Sub: "build", Dir: "dir"},
		},
		{
			// A value containing '=' keeps everything after the first '='.
			args: "build -tags a,b -race -gcflags=all=-N ./x",
			want: Invocation{Sub: "build", Flags: []Flag{
				{Name: "tags", Value: "a,b"},
				{Name: "race", Bool: true},
				{Name: "gcflags", Value: "all=-N"},
			}, Packages: []string{"./x"}},
		},
		{
			// A separate value that starts with '-' is still the value.
			args: "build -ldflags -s -trimpath ./x ./y",
			want: Invocation{Sub: "build", Flags: []Flag{
				{Name: "ldflags", Value: "-s"},
				{Name: "trimpath", Bool: true},
			}, Packages: []string{"./x", "./y"}},
		},
		{
			// Double-dash spelling and an explicit boolean value.
			args: "build --race=false --o=out .",
			want: Invocation{Sub: "build", Flags: []Flag{
				{Name: "race", Value: "false", Bool: true},
				{Name: "o", Value: "out"},
			}, Packages: []string{"."}},
		},
		{
			// go run pkg: everything after the package is the program's.
			args: "run ./cmd/x -flag arg",
			want: Invocation{Sub: "run", Packages: []string{"./cmd/x"}, Rest: []string{"-flag", "arg"}},
		},
		{
			// Program arguments that look like build flags stay the program's.
			args: "run -race . -o out -tags x",
			want: Invocation{Sub: "run", Flags: []Flag{{Name: "race", Bool: true}}, Packages: []string{"."}, Rest: []string{"-o", "out", "-tags", "x"}},
		},
		{
			// go run files: the program's arguments start at the first flag
			// after the files.
			args: "run a.go b.go -v",
			want: Invocation{Sub: "run", Packages: []string{"a.go", "b.go"}, Rest: []string{"-v"}},
		},
		{
			// Test-binary flags go to Rest (normalized to -name=value), -v is
			// also a build flag, -args ends parsing and is kept.
			args: "test ./... -run TestX -v -count=1 -args -foo",
			want: Invocation{Sub: "test", Flags: []Flag{{Name: "v", Bool: true}}, Packages: []string{"./..."},
				Rest: []string{"-run=TestX", "-count=1", "-args", "-foo"}},
		},
		{
			// -test.X spellings are recognized; unknown test flags pass through.
			args: "test -race -test.timeout 30s -short -mycustom ./x",
			want: Invocation{Sub: "test", Flags: []Flag{{Name: "race", Bool: true}}, Packages: []string{"./x"},
				Rest: []string{"-timeout=30s", "-short", "-mycustom"}},
		},
		{
			// Build flags of go test stay build flags.
			args: "test -c -o x.test -coverpkg=./... ./x",
			want: Invocation{Sub: "test", Flags: []Flag{
				{Name: "c", Bool: true},
				{Name: "o", Value: "x.test"},
				{Name: "coverpkg", Value: "./..."},
			}, Packages: []string{"./x"}},
		},
		{
			args: "install example.com/cmd/tool@v1.2.3",
			want: Invocation{Sub: "install", Packages: []string{"example.com/cmd/tool@v1.2.3"}},
		},
		{
			// "--" ends the flags; what follows is not parsed.
			args: "build -a -- -notaflag",
			want: Invocation{Sub: "build", Flags: []Flag{{Name: "a", Bool: true}}, Rest: []string{"-notaflag"}},
		},
		{
			// Non-build subcommands are not parsed: everything is Rest, and
			// flags the tables do not know are no error.
			args: "env GOMOD",
			want: Invocation{Sub: "env", Rest: []string{"GOMOD"}},
		},
		{
			args: "-C dir vet -unknownflag ./x",
			want: Invocation{Sub: "vet", Dir: "dir", Rest: []string{"-unknownflag", "./x"}},
		},
		{
			args: "mod tidy",
			want: Invocation{Sub: "mod", Rest: []string{"tidy"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			got, err := Parse(strings.Fields(tt.args))
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.args, err)
			}
			if !equalInvocation(got, &tt.want) {
				t.Errorf("Parse(%q)\n got %s\nwant %s", tt.args, fmtInvocation(got), fmtInvocation(&tt.want))
			}
		})
	}
}

// TestParseRunFilesThenArgs checks `go run a.go b.go arg`: cmd/go takes the
// leading *.go arguments as the files and everything from the first other
// argument on as the program's arguments.
func TestParseRunFilesThenArgs(t *testing.T) {
	got, err := Parse([]string{"run", "a.go", "b.go", "arg", "-v"})
	if err != nil {
		t.Fatal(err)
	}
	want := &Invocation{Sub: "run", Packages: []string{"a.go", "b.go"}, Rest: []string{"arg", "-v"}}
	if !equalInvocation(got, want) {
		t.Errorf("got %s\nwant %s", fmtInvocation(got), fmtInvocation(want))
	}
}

// TestParseErrors proves that Parse rejects command lines it cannot place
// safely, with a message naming the problem.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"build", "-frobnicate", "./x"}, "go build: unknown flag -frobnicate"},
		{[]string{"install", "--frob=1", "pkg"}, "go install: unknown flag --frob=1"},
		{[]string{"run", "-frob", "."}, "go run: unknown flag -frob"},
		{[]string{"build", "-C", "dir", "./x"}, "-C flag must be first"},
		{[]string{"test", "-C=dir", "./x"}, "-C flag must be first"},
		{[]string{"build", "-o"}, "flag -o needs a value"},
		{[]string{"test", "./x", "-run"}, "flag -run needs a value"},
		{[]string{"-C"}, "flag -C needs a directory"},
		{[]string{"-C", "dir"}, "no go subcommand"},
		{nil, "no go subcommand"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			inv, err := Parse(tt.args)
			if err == nil {
				t.Fatalf("Parse(%q) = %s, want error containing %q", tt.args, fmtInvocation(inv), tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse(%q) error = %q, want it to contain %q", tt.args, err, tt.wantErr)
			}
		})
	}
}

// TestBuilds proves which subcommands count as building programs.
func TestBuilds(t *testing.T) {
	for sub, want := range map[string]bool{
		"build": true, "install": true, "run": true, "test": true,
		"vet": false, "env": false, "list": false, "mod": false, "generate": false,
	} {
		if got := (&Invocation{Sub: sub}).Builds(); got != want {
			t.Errorf("Invocation{Sub: %q}.Builds() = %v, want %v", sub, got, want)
		}
	}
}

// TestLookup proves that Lookup returns the last occurrence of a flag (as
// the go command's flag package does) and reports absence.
func TestLookup(t *testing.T) {
	inv, err := Parse([]string{"build", "-tags", "a", "-race", "-tags=b", "./x"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		want   string
		wantOK bool
	}{
		{"tags", "b", true},
		{"race", "", true},
		{"modfile", "", false},
	}
	for _, tt := range tests {
		got, ok := inv.Lookup(tt.name)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}

// TestLoadAndCompileFlags proves the flag selections: LoadFlags keeps only
// the flags that change what is loaded, CompileFlags adds those that change
// compiled objects, both keep command-line order and render values as
// -name=value, and neither passes outputs, linker flags, -toolexec or
// verbosity flags.
func TestLoadAndCompileFlags(t *testing.T) {
	args := strings.Fields("build -o out -tags=x -race -mod mod -modfile=alt.mod -overlay ov.json -pgo=off " +
		"-gcflags=all=-N -ldflags=-s -toolexec tool -v -x -n -work -trimpath -cover -covermode=atomic -p 4 -buildvcs=false ./x")
	inv, err := Parse(args)
	if err != nil {
		t.Fatal(err)
	}
	wantLoad := []string{"-tags=x", "-mod=mod", "-modfile=alt.mod", "-overlay=ov.json", "-pgo=off"}
	if got := inv.LoadFlags(); !slices.Equal(got, wantLoad) {
		t.Errorf("LoadFlags() = %q, want %q", got, wantLoad)
	}
	wantCompile := []string{"-tags=x", "-race", "-mod=mod", "-modfile=alt.mod", "-overlay=ov.json", "-pgo=off",
		"-gcflags=all=-N", "-trimpath", "-cover", "-covermode=atomic", "-p=4", "-buildvcs=false"}
	if got := inv.CompileFlags(); !slices.Equal(got, wantCompile) {
		t.Errorf("CompileFlags() = %q, want %q", got, wantCompile)
	}

	plain, err := Parse([]string{"build", "-o", "out", "./x"})
	if err != nil {
		t.Fatal(err)
	}
	if got := plain.LoadFlags(); len(got) != 0 {
		t.Errorf("LoadFlags() of a build without load flags = %q, want none", got)
	}
	if got := plain.CompileFlags(); len(got) != 0 {
		t.Errorf("CompileFlags() of a build without compile flags = %q, want none", got)
	}
}

// TestFlagString proves how a flag renders as one argument: a boolean flag
// given bare stays bare, anything with a value (even empty) keeps "=value",
// so that e.g. "-tags=" is not turned into a bare "-tags".
func TestFlagString(t *testing.T) {
	tests := []struct {
		f    Flag
		want string
	}{
		{Flag{Name: "race", Bool: true}, "-race"},
		{Flag{Name: "race", Value: "false", Bool: true}, "-race=false"},
		{Flag{Name: "tags", Value: "a,b"}, "-tags=a,b"},
		{Flag{Name: "tags"}, "-tags="},
		{Flag{Name: "gcflags", Value: "all=-N -l"}, "-gcflags=all=-N -l"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.f, got, tt.want)
		}
	}
}

// TestAbsDir proves that -C is resolved against the working directory.
func TestAbsDir(t *testing.T) {
	cwd := filepath.Join(string(filepath.Separator), "work")
	abs := filepath.Join(string(filepath.Separator), "elsewhere", "mod")
	tests := []struct {
		dir, want string
	}{
		{"", cwd},
		{"sub", filepath.Join(cwd, "sub")},
		{"../up", filepath.Join(string(filepath.Separator), "up")},
		{abs, abs},
	}
	for _, tt := range tests {
		inv := &Invocation{Dir: tt.dir}
		if got := inv.AbsDir(cwd); got != tt.want {
			t.Errorf("Invocation{Dir: %q}.AbsDir(%q) = %q, want %q", tt.dir, cwd, got, tt.want)
		}
	}
}

// TestWithoutFlags proves that the named flags are removed in all their
// spellings, together with a separate value, while every other argument
// (including other flags' values that look like the removed flags) stays in
// place, and nothing after -args or -- is touched.
func TestWithoutFlags(t *testing.T) {
	tests := []struct {
		name  string
		args  string
		names []string
		want  string
	}{
		{
			name:  "separate and = forms",
			args:  "build -overlay x -modfile=y -o out ./p",
			names: []string{"overlay", "modfile"},
			want:  "build -o out ./p",
		},
		{
			name:  "double dash",
			args:  "build --overlay=x --modfile y ./p",
			names: []string{"overlay", "modfile"},
			want:  "build ./p",
		},
		{
			name:  "every occurrence",
			args:  "build -modfile a -race -modfile=b ./p",
			names: []string{"modfile"},
			want:  "build -race ./p",
		},
		{
			name:  "other flags' values that look like removed flags",
			args:  "build -ldflags -overlay -gcflags -modfile=y ./p",
			names: []string{"overlay", "modfile"},
			want:  "build -ldflags -overlay -gcflags -modfile=y ./p",
		},
		{
			name:  "other flag value equal to a removed name",
			args:  "build -tags overlay ./overlay",
			names: []string{"overlay"},
			want:  "build -tags overlay ./overlay",
		},
		{
			name:  "leading -C kept",
			args:  "-C dir build -overlay x ./p",
			names: []string{"overlay"},
			want:  "-C dir build ./p",
		},
		{
			name:  "after -args untouched",
			args:  "test ./p -modfile=y -args -modfile x",
			names: []string{"modfile"},
			want:  "test ./p -args -modfile x",
		},
		{
			name:  "after -- untouched",
			args:  "build -overlay x -- -overlay y",
			names: []string{"overlay"},
			want:  "build -- -overlay y",
		},
		{
			name:  "prefix of a name is not the name",
			args:  "build -mod=mod -modcacherw ./p",
			names: []string{"modfile", "mo"},
			want:  "build -mod=mod -modcacherw ./p",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := strings.Fields(tt.args)
			orig := slices.Clone(args)
			got := WithoutFlags(args, tt.names...)
			if want := strings.Fields(tt.want); !slices.Equal(got, want) {
				t.Errorf("WithoutFlags(%q, %q) = %q, want %q", args, tt.names, got, want)
			}
			if !slices.Equal(args, orig) {
				t.Errorf("WithoutFlags modified its input: %q, was %q", args, orig)
			}
		})
	}
}

// TestWithoutFlagsRunProgramArgs checks that the arguments of the program in
// `go run pkg args...` are not treated as go flags.
func TestWithoutFlagsRunProgramArgs(t *testing.T) {
	args := []string{"run", "./cmd/tool", "-overlay", "o.json", "-modfile=m"}
	got := WithoutFlags(args, "overlay", "modfile")
	if !slices.Equal(got, args) {
		t.Errorf("WithoutFlags(%q) = %q, want it unchanged", args, got)
	}
}

// TestInsertFlags proves that extra flags land right after the subcommand,
// after a leading -C dir in any spelling (which must stay first), and that
// the input slice is not modified.
func TestInsertFlags(t *testing.T) {
	extra := []string{"-modfile=/m", "-overlay=/o"}
	tests := []struct {
		args string
		want string
	}{
		{"build ./p", "build -modfile=/m -overlay=/o ./p"},
		{"build", "build -modfile=/m -overlay=/o"},
		{"-C dir build -race ./p", "-C dir build -modfile=/m -overlay=/o -race ./p"},
		{"-C=dir test ./p -args -x", "-C=dir test -modfile=/m -overlay=/o ./p -args -x"},
		{"--C dir run . a b", "--C dir run -modfile=/m -overlay=/o . a b"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			// Spare capacity would let a careless append overwrite the
			// caller's arguments.
			args := append(make([]string, 0, 32), strings.Fields(tt.args)...)
			orig := slices.Clone(args)
			got := InsertFlags(args, extra...)
			if want := strings.Fields(tt.want); !slices.Equal(got, want) {
				t.Errorf("InsertFlags(%q) = %q, want %q", args, got, want)
			}
			if !slices.Equal(args, orig) {
				t.Errorf("InsertFlags modified its input: %q, was %q", args, orig)
			}
		})
	}
}

// TestWithoutGoflags proves that the named flags are removed from GOFLAGS
// in their -name, --name and =value forms, other GOFLAGS entries and other
// variables (including ones whose names end in GOFLAGS) are left alone, and
// the input is not modified.
func TestWithoutGoflags(t *testing.T) {
	tests := []struct {
		name  string
		env   []string
		names []string
		want  []string
	}{
		{
			name:  "forms",
			env:   []string{"PATH=/bin", "GOFLAGS=-mod=mod -race --modfile=x.mod -toolexec=t --toolexec -tags=a", "HOME=/h"},
			names: []string{"mod", "modfile", "toolexec"},
			want:  []string{"PATH=/bin", "GOFLAGS=-race -tags=a", "HOME=/h"},
		},
		{
			name:  "all removed",
			env:   []string{"GOFLAGS=-toolexec=x"},
			names: []string{"toolexec"},
			want:  []string{"GOFLAGS="},
		},
		{
			name:  "prefix of a flag name is not removed",
			env:   []string{"GOFLAGS=-modcacherw -modfile=a"},
			names: []string{"mod"},
			want:  []string{"GOFLAGS=-modcacherw -modfile=a"},
		},
		{
			name:  "other variables untouched",
			env:   []string{"MY_GOFLAGS=-mod=mod", "GOFLAGSX=-mod=mod", "X=GOFLAGS=-mod=mod"},
			names: []string{"mod"},
			want:  []string{"MY_GOFLAGS=-mod=mod", "GOFLAGSX=-mod=mod", "X=GOFLAGS=-mod=mod"},
		},
		{
			name:  "no GOFLAGS",
			env:   []string{"A=1", "B=2"},
			names: []string{"mod"},
			want:  []string{"A=1", "B=2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := slices.Clone(tt.env)
			got := WithoutGoflags(tt.env, tt.names...)
			if !slices.Equal(got, tt.want) {
				t.Errorf("WithoutGoflags(%q, %q) = %q, want %q", tt.env, tt.names, got, tt.want)
			}
			if !slices.Equal(tt.env, orig) {
				t.Errorf("WithoutGoflags modified its input: %q, was %q", tt.env, orig)
			}
		})
	}
}
