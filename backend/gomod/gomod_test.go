package gomod

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// TestMergeSums proves that go.sum merging is a sorted, deduplicated union
// of the non-blank lines of both inputs (whitespace and CRLF trimmed), ending
// in a newline, and nil when there is nothing to write.
func TestMergeSums(t *testing.T) {
	const (
		x1 = "example.com/x v1.0.0 h1:aaa="
		x2 = "example.com/x v1.0.0/go.mod h1:bbb="
		y1 = "example.com/y v0.2.0 h1:ccc="
		z1 = "golang.org/z v0.1.0/go.mod h1:ddd="
	)
	tests := []struct {
		name string
		a, b string
		want string
	}{
		{"union sorted", z1 + "\n" + x1 + "\n", y1 + "\n" + x2 + "\n", x1 + "\n" + x2 + "\n" + y1 + "\n" + z1 + "\n"},
		{"dedup across inputs", x1 + "\n" + x2 + "\n", x2 + "\n" + x1 + "\n", x1 + "\n" + x2 + "\n"},
		{"dedup within input", y1 + "\n" + y1 + "\n", "", y1 + "\n"},
		{"only b", "", x2 + "\n" + x1, x1 + "\n" + x2 + "\n"},
		{"blank lines, spaces and CRLF", "\n  " + x1 + "  \r\n\r\n", "\n\n" + x1 + "\r\n", x1 + "\n"},
		{"both empty", "", "", ""},
		{"only blank", "\n \n", "\r\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mergeSums([]byte(tt.a), []byte(tt.b))
			if string(got) != tt.want {
				t.Errorf("mergeSums(%q, %q) = %q, want %q", tt.a, tt.b, got, tt.want)
			}
			if tt.want == "" && got != nil {
				t.Errorf("mergeSums of nothing = %q, want nil", got)
			}
		})
	}
}

// TestKeepGoVersion proves that the generated go.mod gets `godebug
// default=go<user version>` exactly when its go directive differs from the
// user's and the user has not chosen a default GODEBUG themselves, and that
// it is otherwise left byte for byte as it was.
func TestKeepGoVersion(t *testing.T) {
	const gen = "module example.com/m\n\ngo 1.24\n\nrequire example.com/dep v1.0.0\n"
	tests := []struct {
		name        string
		user        string
		gen         string
		wantDefault string // "" means the file must be unchanged
	}{
		{
			name:        "raised go version gets the user's default",
			user:        "module example.com/m\n\ngo 1.22\n",
			gen:         gen,
			wantDefault: "go1.22",
		},
		{
			name:        "other godebug keys do not count as a default",
			user:        "module example.com/m\n\ngo 1.21.3\n\ngodebug panicnil=1\n",
			gen:         gen,
			wantDefault: "go1.21.3",
		},
		{
			name: "user's own default is kept",
			user: "module example.com/m\n\ngo 1.22\n\ngodebug default=go1.21\n",
			gen:  gen,
		},
		{
			name: "user's default in a block is kept",
			user: "module example.com/m\n\ngo 1.22\n\ngodebug (\n\tdefault=go1.20\n\tpanicnil=1\n)\n",
			gen:  gen,
		},
		{
			name: "same version",
			user: "module example.com/m\n\ngo 1.24\n",
			gen:  gen,
		},
		{
			name: "user has no go directive",
			user: "module example.com/m\n",
			gen:  gen,
		},
		{
			name: "generated has no go directive",
			user: "module example.com/m\n\ngo 1.22\n",
			gen:  "module example.com/m\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user, err := modfile.Parse("user/go.mod", []byte(tt.user), nil)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "go.mod")
			if err := os.WriteFile(path, []byte(tt.gen), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := keepGoVersion(path, user); err != nil {
				t.Fatalf("keepGoVersion: %v", err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantDefault == "" {
				if string(data) != tt.gen {
					t.Errorf("keepGoVersion changed the file:\n%s\nwant unchanged:\n%s", data, tt.gen)
				}
				return
			}
			out, err := modfile.Parse(path, data, nil)
			if err != nil {
				t.Fatalf("result does not parse: %v\n%s", err, data)
			}
			var defaults []string
			for _, g := range out.Godebug {
				if g.Key == "default" {
					defaults = append(defaults, g.Value)
				}
			}
			if !slices.Equal(defaults, []string{tt.wantDefault}) {
				t.Errorf("godebug default values = %q, want [%q]\n%s", defaults, tt.wantDefault, data)
			}
			// Everything the generated file had stays: the raised go
			// directive (the runtime's requirements need it) and the
			// requirements.
			if out.Go == nil || out.Go.Version != "1.24" {
				t.Errorf("go directive changed:\n%s", data)
			}
			if len(out.Require) != 1 || out.Require[0].Mod.Path != "example.com/dep" {
				t.Errorf("requirements changed:\n%s", data)
			}
		})
	}
}

// TestKeepGoVersionErrors proves that a missing or unparsable generated
// go.mod is reported rather than ignored.
func TestKeepGoVersionErrors(t *testing.T) {
	user, err := modfile.Parse("go.mod", []byte("module m\n\ngo 1.22\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := keepGoVersion(filepath.Join(dir, "missing.mod"), user); err == nil {
		t.Error("keepGoVersion on a missing file: no error")
	}
	bad := filepath.Join(dir, "bad.mod")
	if err := os.WriteFile(bad, []byte("module m\nrequire (\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := keepGoVersion(bad, user); err == nil {
		t.Error("keepGoVersion on a malformed go.mod: no error")
	}
}

// TestLangVersion proves that the module path and go version are read from
// a go.mod, including one with directives this x/mod does not know (user
// files may be newer), that a file lacking either yields empty results
// without error, and that unreadable or malformed files are errors.
func TestLangVersion(t *testing.T) {
	tests := []struct {
		name             string
		content          string // "" means no file
		wantPath, wantGo string
		wantErr          bool
	}{
		{name: "plain", content: "module example.com/m\n\ngo 1.21\n", wantPath: "example.com/m", wantGo: "1.21"},
		{name: "patch version", content: "module example.com/m\n\ngo 1.22.3\n\ntoolchain go1.23.0\n", wantPath: "example.com/m", wantGo: "1.22.3"},
		{name: "unknown directive", content: "module example.com/m\n\ngo 1.23\n\nfuturedirective x\n", wantPath: "example.com/m", wantGo: "1.23"},
		{name: "no go directive", content: "module example.com/m\n"},
		{name: "no module directive", content: "go 1.21\n"},
		{name: "malformed", content: "module example.com/m\nrequire (\n", wantErr: true},
		{name: "missing file", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "go.mod")
			if tt.content != "" {
				if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			gotPath, gotGo, err := LangVersion(Module{GoMod: path, Root: filepath.Dir(path)})
			if (err != nil) != tt.wantErr {
				t.Fatalf("LangVersion error = %v, want error %v", err, tt.wantErr)
			}
			if gotPath != tt.wantPath || gotGo != tt.wantGo {
				t.Errorf("LangVersion = %q, %q; want %q, %q", gotPath, gotGo, tt.wantPath, tt.wantGo)
			}
		})
	}
}

// goEnv returns the environment for running the go command in tests:
// GOFLAGS emptied, toolchain switching off (no downloads), and GOWORK set to
// gowork, or left to the go command's discovery when gowork is "".
func goEnv(gowork string) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		for _, k := range []string{"GOFLAGS=", "GOWORK=", "GOTOOLCHAIN="} {
			if strings.HasPrefix(kv, k) {
				return true
			}
		}
		return false
	})
	env = append(env, "GOFLAGS=", "GOTOOLCHAIN=local")
	if gowork != "" {
		env = append(env, "GOWORK="+gowork)
	}
	return env
}

// realDir resolves symlinks in a temporary directory (macOS /var ->
// /private/var), since the go command reports resolved paths.
func realDir(t *testing.T, dir string) string {
	t.Helper()
	d, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFind proves that Find reports the go.mod in use and the module root,
// from the root and from a subdirectory.
func TestFind(t *testing.T) {
	root := realDir(t, t.TempDir())
	writeFile(t, filepath.Join(root, "go.mod"), "module example.com/m\n\ngo 1.22\n")
	sub := filepath.Join(root, "internal", "pkg")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	want := Module{GoMod: filepath.Join(root, "go.mod"), Root: root}
	for _, dir := range []string{root, sub} {
		got, err := Find(context.Background(), dir, goEnv("off"), "")
		if err != nil {
			t.Fatalf("Find(%s): %v", dir, err)
		}
		if got != want {
			t.Errorf("Find(%s) = %+v, want %+v", dir, got, want)
		}
	}
}

// TestFindNotAModule proves that a directory outside any module is refused
// with an error telling the user to run go mod init.
func TestFindNotAModule(t *testing.T) {
	dir := realDir(t, t.TempDir())
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			t.Skipf("the temporary directory is inside a module (%s)", d)
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	_, err := Find(context.Background(), dir, goEnv("off"), "")
	if err == nil || !strings.Contains(err.Error(), "is not inside a Go module") || !strings.Contains(err.Error(), dir) {
		t.Errorf("Find outside a module: error = %v, want one saying %s is not inside a Go module", err, dir)
	}
}

// TestFindWorkspace proves that in a go.work workspace Find reports the
// go.work file (ssaweave then makes a private go.work, see MergeWork), and
// that -modfile is refused there with a clear message, as the go command
// refuses it.
func TestFindWorkspace(t *testing.T) {
	root := realDir(t, t.TempDir())
	writeFile(t, filepath.Join(root, "go.work"), "go 1.22\n\nuse ./m\n")
	writeFile(t, filepath.Join(root, "m", "go.mod"), "module example.com/m\n\ngo 1.22\n")
	work := filepath.Join(root, "go.work")
	got, err := Find(context.Background(), filepath.Join(root, "m"), goEnv(""), "")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Module{GoMod: filepath.Join(root, "m", "go.mod"), Root: root, Work: work}); got != want {
		t.Errorf("Find in a workspace = %+v, want %+v", got, want)
	}
	_, err = Find(context.Background(), filepath.Join(root, "m"), goEnv(""), "alt.mod")
	if err == nil || !strings.Contains(err.Error(), "-modfile") || !strings.Contains(err.Error(), work) {
		t.Errorf("Find with -modfile in a workspace: error = %v, want one naming -modfile and %s", err, work)
	}
	// GOWORK=off makes the same directory an ordinary module.
	got, err = Find(context.Background(), filepath.Join(root, "m"), goEnv("off"), "")
	if err != nil {
		t.Fatalf("Find with GOWORK=off: %v", err)
	}
	if want := filepath.Join(root, "m", "go.mod"); got.GoMod != want || got.Work != "" {
		t.Errorf("Find with GOWORK=off = %+v, want GoMod %s and no workspace", got, want)
	}
}

// TestFindVendor proves that Find reports a vendor directory at the module
// root (which the go command would build from by default).
func TestFindVendor(t *testing.T) {
	root := realDir(t, t.TempDir())
	writeFile(t, filepath.Join(root, "go.mod"), "module example.com/m\n\ngo 1.22\n")
	if got, err := Find(context.Background(), root, goEnv("off"), ""); err != nil || got.Vendor {
		t.Errorf("Find without vendor/ = %+v, %v; want Vendor false", got, err)
	}
	writeFile(t, filepath.Join(root, "vendor", "modules.txt"), "")
	if got, err := Find(context.Background(), root, goEnv("off"), ""); err != nil || !got.Vendor {
		t.Errorf("Find with vendor/modules.txt = %+v, %v; want Vendor true", got, err)
	}
}

// TestMergeWork builds a private go.work for a workspace of one module and
// a small runtime module: relative directories become absolute, the
// runtime module is used, the go version is raised to the runtime's with
// the user's GODEBUG defaults kept, go.work.sum comes along, and the
// runtime's package resolves in it. The user's files are left alone.
func TestMergeWork(t *testing.T) {
	t.Setenv("SSAWEAVE_CACHE", t.TempDir())
	root := realDir(t, t.TempDir())
	const userWork = "go 1.22\n\nuse ./m\n\nreplace example.com/x => ./x\n"
	writeFile(t, filepath.Join(root, "go.work"), userWork)
	writeFile(t, filepath.Join(root, "go.work.sum"), "example.com/y v1.0.0 h1:abc=\n")
	writeFile(t, filepath.Join(root, "m", "go.mod"), "module example.com/m\n\ngo 1.22\n")
	rt := realDir(t, t.TempDir())
	writeFile(t, filepath.Join(rt, "go.mod"), "module example.com/rt\n\ngo 1.26.0\n")
	writeFile(t, filepath.Join(rt, "rt.go"), "package rt\n")
	mod := Module{Root: root, Work: filepath.Join(root, "go.work")}
	req := Require{Path: "example.com/rt", Dir: rt}
	path, err := MergeWork(context.Background(), mod, goEnv(""), req, []string{"example.com/rt"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.ParseWork(path, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	var uses []string
	for _, u := range f.Use {
		uses = append(uses, u.Path)
	}
	slices.Sort(uses)
	want := []string{filepath.Join(root, "m"), rt}
	slices.Sort(want)
	if !slices.Equal(uses, want) {
		t.Errorf("use = %q, want %q", uses, want)
	}
	if f.Go == nil || f.Go.Version != "1.26.0" {
		t.Errorf("go = %v, want 1.26.0", f.Go)
	}
	if len(f.Godebug) != 1 || f.Godebug[0].Key != "default" || f.Godebug[0].Value != "go1.22" {
		t.Errorf("godebug = %v, want default=go1.22", f.Godebug)
	}
	if len(f.Replace) != 1 || f.Replace[0].New.Path != filepath.Join(root, "x") {
		t.Errorf("replace = %v, want example.com/x => %s", f.Replace, filepath.Join(root, "x"))
	}
	if sum, err := os.ReadFile(path + ".sum"); err != nil || string(sum) != "example.com/y v1.0.0 h1:abc=\n" {
		t.Errorf("go.work.sum = %q, %v; want the user's", sum, err)
	}
	if data, _ := os.ReadFile(mod.Work); string(data) != userWork {
		t.Errorf("the user's go.work changed: %q", data)
	}
	again, err := MergeWork(context.Background(), mod, goEnv(""), req, []string{"example.com/rt"})
	if err != nil || again != path {
		t.Errorf("second MergeWork = %s, %v; want the same file %s", again, err, path)
	}

	// A package the runtime does not have: a clear error naming the
	// workspace.
	_, err = MergeWork(context.Background(), mod, goEnv(""), req, []string{"example.com/rt/missing"})
	if err == nil || !strings.Contains(err.Error(), mod.Work) || !strings.Contains(err.Error(), "example.com/rt/missing") {
		t.Errorf("MergeWork of a missing package: error = %v, want one naming %s and the package", err, mod.Work)
	}
}

// TestFindGoFailure proves that a failing go command (here: a directory
// that does not exist) is an error naming the directory.
func TestFindGoFailure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "does-not-exist")
	_, err := Find(context.Background(), dir, goEnv("off"), "")
	if err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("Find in a missing directory: error = %v, want one naming %s", err, dir)
	}
}

// TestFindModfile checks Find with the user's -modfile: GoMod must be the
// alternate file (absolute) and Root the directory of the go.mod found from
// dir.
func TestFindModfile(t *testing.T) {
	root := realDir(t, t.TempDir())
	writeFile(t, filepath.Join(root, "go.mod"), "module example.com/m\n\ngo 1.22\n")
	writeFile(t, filepath.Join(root, "alt.mod"), "module example.com/m\n\ngo 1.22\n")
	got, err := Find(context.Background(), root, goEnv("off"), "alt.mod")
	if err != nil {
		t.Fatal(err)
	}
	want := Module{GoMod: filepath.Join(root, "alt.mod"), Root: root}
	if got != want {
		t.Errorf("Find with -modfile = %+v, want %+v", got, want)
	}
}

// TestSumModules checks which import paths a go.sum's modules provide.
func TestSumModules(t *testing.T) {
	file := filepath.Join(t.TempDir(), "go.sum")
	sum := "google.golang.org/grpc v1.70.0 h1:abc=\ngoogle.golang.org/grpc v1.70.0/go.mod h1:def=\ngithub.com/redis/go-redis/v9 v9.7.0/go.mod h1:x=\n"
	if err := os.WriteFile(file, []byte(sum), 0o600); err != nil {
		t.Fatal(err)
	}
	in := SumModules(file)
	for path, want := range map[string]bool{
		"google.golang.org/grpc":             true,
		"google.golang.org/grpc/credentials": true,
		"google.golang.org/grpcx":            false,
		"github.com/redis/go-redis/v9":       true,
		"github.com/redis/go-redis":          false,
		"github.com/gin-gonic/gin":           false,
		"github.com/redis/go-redis/v9/extra": true,
	} {
		if got := in(path); got != want {
			t.Errorf("in(%q) = %v, want %v", path, got, want)
		}
	}
	if SumModules(filepath.Join(t.TempDir(), "missing.sum"))("google.golang.org/grpc") {
		t.Error("a missing go.sum names a module")
	}
}
