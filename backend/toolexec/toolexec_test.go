package toolexec

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestParseTrimpath proves that compile's -trimpath value is split into
// from=>to pairs, and that entries without "=>" (plain prefixes to strip)
// are not taken as mappings.
func TestParseTrimpath(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]string
	}{
		{"", map[string]string{}},
		{"/a/b.go=>/orig/b.go", map[string]string{"/a/b.go": "/orig/b.go"}},
		{
			"/tmp/x.go=>/src/x.go;/work/mod=>example.com/m;/plain/prefix",
			map[string]string{"/tmp/x.go": "/src/x.go", "/work/mod": "example.com/m"},
		},
		{"a=>b=>c", map[string]string{"a": "b=>c"}},
	}
	for _, tt := range tests {
		got := parseTrimpath(tt.in)
		if len(got) != len(tt.want) {
			t.Errorf("parseTrimpath(%q) = %v, want %v", tt.in, got, tt.want)
			continue
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("parseTrimpath(%q) = %v, want %v", tt.in, got, tt.want)
				break
			}
		}
	}
}

// TestOriginalPath proves that a compile argument is made absolute against
// cwd, and that a -trimpath mapping leads back to the original file only
// when it maps to an absolute path (mappings to module import paths, which
// the go command also writes, are not file names).
func TestOriginalPath(t *testing.T) {
	sep := string(filepath.Separator)
	cwd := filepath.Join(sep, "work", "m")
	overlay := filepath.Join(sep, "cache", "ov", "x.go")
	orig := filepath.Join(cwd, "x.go")
	mappings := map[string]string{
		overlay:                    orig,
		filepath.Join(cwd, "y.go"): "example.com/m/y.go",
	}
	tests := []struct {
		p, want string
	}{
		{overlay, orig},
		{"z.go", filepath.Join(cwd, "z.go")},
		{"y.go", filepath.Join(cwd, "y.go")},
		{filepath.Join(sep, "elsewhere", "a.go"), filepath.Join(sep, "elsewhere", "a.go")},
	}
	for _, tt := range tests {
		if got := originalPath(tt.p, cwd, mappings); got != tt.want {
			t.Errorf("originalPath(%q) = %q, want %q", tt.p, got, tt.want)
		}
	}
}

// TestRestoreLang proves that SSAWEAVE_LANG rewrites -lang for packages of
// the named module (its root package, its sub-packages, and files given on
// the command line) and for nothing else, accepting the version with or
// without the "go" prefix, and never modifies the caller's slice.
func TestRestoreLang(t *testing.T) {
	args := []string{"compile", "-o", "out.a", "-p", "x", "-lang=go1.26", "-complete", "a.go"}
	tests := []struct {
		name, env, ip string
		args          []string
		wantLang      string // the -lang argument expected, "" when args must be unchanged
	}{
		{name: "module root", env: "example.com/m=1.21", ip: "example.com/m", args: args, wantLang: "-lang=go1.21"},
		{name: "sub-package", env: "example.com/m=1.21", ip: "example.com/m/internal/x", args: args, wantLang: "-lang=go1.21"},
		{name: "go prefix in value", env: "example.com/m=go1.22.3", ip: "example.com/m/x", args: args, wantLang: "-lang=go1.22.3"},
		{name: "command-line-arguments", env: "example.com/m=1.21", ip: "command-line-arguments", args: args, wantLang: "-lang=go1.21"},
		{name: "other module with common prefix", env: "example.com/m=1.21", ip: "example.com/mother", args: args},
		{name: "dependency", env: "example.com/m=1.21", ip: "golang.org/x/sys/unix", args: args},
		{name: "standard library", env: "example.com/m=1.21", ip: "fmt", args: args},
		{name: "no -lang flag", env: "example.com/m=1.21", ip: "example.com/m", args: []string{"compile", "-p", "x", "a.go"}},
		{name: "variable unset", env: "", ip: "example.com/m", args: args},
		{name: "variable malformed", env: "example.com/m", ip: "example.com/m", args: args},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvLang, tt.env)
			in := slices.Clone(tt.args)
			got := restoreLang(in, tt.ip)
			if !slices.Equal(in, tt.args) {
				t.Errorf("restoreLang modified its input: %q", in)
			}
			want := slices.Clone(tt.args)
			if tt.wantLang != "" {
				want[slices.Index(want, "-lang=go1.26")] = tt.wantLang
			}
			if !slices.Equal(got, want) {
				t.Errorf("restoreLang(%q) with %s=%q = %q, want %q", tt.ip, EnvLang, tt.env, got, want)
			}
		})
	}
}

// TestRestoreLangExternalTest checks the external test package of the main
// module's root package: "go test" compiles example.com/m_test (import
// path; TOOLEXEC_IMPORTPATH "example.com/m_test [example.com/m.test]") as
// part of the main module, so it must get the user's -lang too.
func TestRestoreLangExternalTest(t *testing.T) {
	t.Setenv(EnvLang, "example.com/m=1.21")
	args := []string{"compile", "-p", "example.com/m_test", "-lang=go1.26", "a_test.go"}
	got := restoreLang(args, "example.com/m_test")
	if !slices.Contains(got, "-lang=go1.21") {
		t.Errorf("restoreLang(example.com/m_test) = %q, want -lang=go1.21", got)
	}
}

// TestContentID proves that the content part of a build ID is what follows
// the last slash.
func TestContentID(t *testing.T) {
	tests := []struct{ id, want string }{
		{"abc/def", "def"},
		{"a/b/c", "c"},
		{"9Plks4lG0XM20RZetzfb/-D8Mc-SYuC0jy5GGGa1H", "-D8Mc-SYuC0jy5GGGa1H"},
		{"noslash", "noslash"},
		{"trailing/", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := contentID(tt.id); got != tt.want {
			t.Errorf("contentID(%q) = %q, want %q", tt.id, got, tt.want)
		}
	}
}

// fakeArchive writes, in dir, the start of a package archive as the gc
// compiler writes it, with the given build ID, and returns its path.
func fakeArchive(t *testing.T, dir, name, buildID string) string {
	t.Helper()
	header := "!<arch>\n__.PKGDEF       0           0     0     644     6319      `\n" +
		"go object linux amd64 go1.26 GOAMD64=v1 X:regabiwrappers,regabiargs\n" +
		"build id \"" + buildID + "\"\n\n$$B\n\x00\x01\x02binary export data"
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(header), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestArchiveBuildID proves that the build ID is read from the __.PKGDEF
// header, and that archives without one, with a truncated one, or missing
// altogether are errors.
func TestArchiveBuildID(t *testing.T) {
	dir := t.TempDir()
	got, err := archiveBuildID(fakeArchive(t, dir, "ok.a", "abc/def"))
	if err != nil || got != "abc/def" {
		t.Errorf("archiveBuildID = %q, %v; want %q", got, err, "abc/def")
	}

	bad := []struct {
		name, content, wantErr string
	}{
		{"noid.a", "!<arch>\n__.PKGDEF       0           0     0     644     100       `\ngo object linux amd64 go1.26\n\n$$B\n", "no build id"},
		{"trunc.a", "!<arch>\n__.PKGDEF\ngo object linux amd64\nbuild id \"abc/de", "truncated build id"},
		{"empty.a", "", "no build id"},
	}
	for _, tt := range bad {
		path := filepath.Join(dir, tt.name)
		if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
			t.Fatal(err)
		}
		id, err := archiveBuildID(path)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
			t.Errorf("archiveBuildID(%s) = %q, %v; want an error naming the file and containing %q", tt.name, id, err, tt.wantErr)
		}
	}
	if _, err := archiveBuildID(filepath.Join(dir, "missing.a")); err == nil {
		t.Error("archiveBuildID of a missing file: no error")
	}
}

// TestArchiveBuildIDRealArchive proves that archiveBuildID agrees with `go
// tool buildid` on an archive the local compiler really wrote (the standard
// library's errors package, normally already in the build cache).
func TestArchiveBuildIDRealArchive(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	out, err := exec.Command("go", "list", "-export", "-f", "{{.Export}}", "errors").Output()
	if err != nil {
		t.Skipf("go list -export: %v", err)
	}
	archive := strings.TrimSpace(string(out))
	want, err := exec.Command("go", "tool", "buildid", archive).Output()
	if err != nil {
		t.Skipf("go tool buildid: %v", err)
	}
	got, err := archiveBuildID(archive)
	if err != nil {
		t.Fatal(err)
	}
	if got != strings.TrimSpace(string(want)) {
		t.Errorf("archiveBuildID(%s) = %q, go tool buildid says %q", archive, got, want)
	}
}

// TestExtendImportcfg proves how the hook packages enter an importcfg: a
// missing package gets a packagefile line, a package already present is
// left as it is when it is the same file or the same build content (only
// the action ID differs), and the original file is never modified.
func TestExtendImportcfg(t *testing.T) {
	dir := t.TempDir()
	fmtA := fakeArchive(t, dir, "fmt.a", "act1/content1")
	fmtSameContent := fakeArchive(t, dir, "fmt-child.a", "act2/content1")
	hookA := fakeArchive(t, dir, "hook.a", "act3/content3")
	const head = "# import config\nimportmap old=new\n"

	tests := []struct {
		name    string
		cfg     string
		exports map[string]string
		pkgs    []string
		want    string
	}{
		{
			name:    "adds missing, keeps existing",
			cfg:     head + "packagefile fmt=" + fmtA + "\n",
			exports: map[string]string{"fmt": fmtA, "example.com/hook": hookA},
			pkgs:    []string{"fmt", "example.com/hook"},
			want:    head + "packagefile fmt=" + fmtA + "\npackagefile example.com/hook=" + hookA + "\n",
		},
		{
			name:    "same content ID, different action ID",
			cfg:     "packagefile fmt=" + fmtA + "\n",
			exports: map[string]string{"fmt": fmtSameContent},
			pkgs:    []string{"fmt"},
			want:    "packagefile fmt=" + fmtA + "\n",
		},
		{
			name:    "no trailing newline",
			cfg:     "packagefile fmt=" + fmtA,
			exports: map[string]string{"example.com/hook": hookA},
			pkgs:    []string{"example.com/hook"},
			want:    "packagefile fmt=" + fmtA + "\npackagefile example.com/hook=" + hookA + "\n",
		},
		{
			name:    "empty importcfg",
			cfg:     "",
			exports: map[string]string{"example.com/hook": hookA},
			pkgs:    []string{"example.com/hook"},
			want:    "packagefile example.com/hook=" + hookA + "\n",
		},
		{
			name:    "exports not asked for are not added",
			cfg:     head,
			exports: map[string]string{"example.com/hook": hookA, "fmt": fmtA},
			pkgs:    nil,
			want:    head,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfgDir := t.TempDir()
			path := filepath.Join(cfgDir, "importcfg")
			if err := os.WriteFile(path, []byte(tt.cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			newPath, err := extendImportcfg(path, tt.exports, tt.pkgs)
			if err != nil {
				t.Fatalf("extendImportcfg: %v", err)
			}
			if newPath == path || filepath.Dir(newPath) != cfgDir {
				t.Errorf("new importcfg %s: want a new file next to %s", newPath, path)
			}
			got, err := os.ReadFile(newPath)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("new importcfg =\n%s\nwant\n%s", got, tt.want)
			}
			if orig, _ := os.ReadFile(path); string(orig) != tt.cfg {
				t.Errorf("original importcfg modified:\n%s", orig)
			}
		})
	}
}

// TestExtendImportcfgErrors proves the refusals: a package whose archive in
// the importcfg is a different build (different content ID) than the one
// the hooks were compiled against is a version skew naming the package and
// both build IDs; a hook package without an export is reported; unreadable
// archives and importcfgs are errors.
func TestExtendImportcfgErrors(t *testing.T) {
	dir := t.TempDir()
	have := fakeArchive(t, dir, "proto-prog.a", "actA/contentA")
	other := fakeArchive(t, dir, "proto-rt.a", "actB/contentB")
	noID := filepath.Join(dir, "noid.a")
	if err := os.WriteFile(noID, []byte("!<arch>\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const pkg = "google.golang.org/protobuf/proto"
	tests := []struct {
		name     string
		cfg      string
		exports  map[string]string
		pkgs     []string
		wantErrs []string
	}{
		{
			name:     "version skew",
			cfg:      "packagefile " + pkg + "=" + have + "\n",
			exports:  map[string]string{pkg: other},
			pkgs:     []string{pkg},
			wantErrs: []string{"different versions of " + pkg, "actA/contentA", "actB/contentB"},
		},
		{
			name:     "missing export",
			cfg:      "packagefile fmt=" + have + "\n",
			exports:  map[string]string{"fmt": have},
			pkgs:     []string{"fmt", "example.com/hook"},
			wantErrs: []string{"hook package example.com/hook was not built"},
		},
		{
			name:     "program archive without build ID",
			cfg:      "packagefile " + pkg + "=" + noID + "\n",
			exports:  map[string]string{pkg: other},
			pkgs:     []string{pkg},
			wantErrs: []string{noID, "no build id"},
		},
		{
			name:     "runtime archive missing",
			cfg:      "packagefile " + pkg + "=" + have + "\n",
			exports:  map[string]string{pkg: filepath.Join(dir, "gone.a")},
			pkgs:     []string{pkg},
			wantErrs: []string{"gone.a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfgDir := t.TempDir()
			path := filepath.Join(cfgDir, "importcfg")
			if err := os.WriteFile(path, []byte(tt.cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			newPath, err := extendImportcfg(path, tt.exports, tt.pkgs)
			if err == nil {
				t.Fatalf("extendImportcfg = %s, want an error", newPath)
			}
			for _, w := range tt.wantErrs {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			// A refused importcfg leaves no new file behind.
			entries, _ := os.ReadDir(cfgDir)
			if len(entries) != 1 {
				t.Errorf("directory holds %d files after an error, want only the importcfg", len(entries))
			}
		})
	}
	if _, err := extendImportcfg(filepath.Join(dir, "no-importcfg"), nil, nil); err == nil {
		t.Error("extendImportcfg of a missing importcfg: no error")
	}
}

// TestImportPath proves that the package's import path comes from
// TOOLEXEC_IMPORTPATH without the test-variant suffix, and from compile's
// -p flag when the variable is empty.
func TestImportPath(t *testing.T) {
	tests := []struct {
		env  string
		args []string
		want string
	}{
		{"example.com/m/p", []string{"compile", "-p", "other"}, "example.com/m/p"},
		{"example.com/m/p [example.com/m/p.test]", []string{"compile", "-p", "example.com/m/p"}, "example.com/m/p"},
		{"example.com/m/p_test [example.com/m/p.test]", nil, "example.com/m/p_test"},
		{"example.com/m/p.test", []string{"link", "-o", "x"}, "example.com/m/p.test"},
		{"", []string{"compile", "-o", "x.a", "-p", "example.com/m/q", "a.go"}, "example.com/m/q"},
		{"", []string{"compile", "-p=main", "a.go"}, "main"},
		{"", []string{"compile", "a.go"}, ""},
	}
	for _, tt := range tests {
		t.Setenv("TOOLEXEC_IMPORTPATH", tt.env)
		if got := importPath(tt.args); got != tt.want {
			t.Errorf("importPath(%q) with TOOLEXEC_IMPORTPATH=%q = %q, want %q", tt.args, tt.env, got, tt.want)
		}
	}
}

// TestFlagValue proves that flag values are found in both "-f v" and
// "-f=v" forms, that the returned index is the one to overwrite (the value
// for the separate form, the flag itself for the = form), that args[0] (the
// tool) is not a flag, that a longer flag with the same prefix does not
// match, and that the first occurrence wins.
func TestFlagValue(t *testing.T) {
	tests := []struct {
		args    []string
		name    string
		want    string
		wantIdx int
	}{
		{[]string{"compile", "-p", "main", "a.go"}, "-p", "main", 2},
		{[]string{"compile", "-o", "x.a", "-p=main", "a.go"}, "-p", "main", 3},
		{[]string{"compile", "-importcfg", "/b/importcfg", "-p", "x", "a.go"}, "-importcfg", "/b/importcfg", 2},
		{[]string{"compile", "-pack", "-p", "x", "a.go"}, "-p", "x", 3},
		{[]string{"compile", "-trimpath", "a=>b", "-trimpath", "c", "a.go"}, "-trimpath", "a=>b", 2},
		{[]string{"-p", "x", "a.go"}, "-p", "", -1},
		{[]string{"compile", "a.go"}, "-p", "", -1},
		{[]string{"compile", "-o", "x.a", "-p"}, "-p", "", -1},
	}
	for _, tt := range tests {
		got, idx := flagValue(tt.args, tt.name)
		if got != tt.want || idx != tt.wantIdx {
			t.Errorf("flagValue(%q, %q) = %q, %d; want %q, %d", tt.args, tt.name, got, idx, tt.want, tt.wantIdx)
		}
	}
}

// TestFlagValueLastArgument checks "-name=value" as the very last argument.
func TestFlagValueLastArgument(t *testing.T) {
	args := []string{"compile", "-o", "x.a", "-p=main"}
	got, idx := flagValue(args, "-p")
	if got != "main" || idx != 3 {
		t.Errorf("flagValue(%q, -p) = %q, %d; want main, 3", args, got, idx)
	}
}
