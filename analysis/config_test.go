package analysis

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSettings(t *testing.T) {
	s, err := ParseSettings("ssaweave.yaml", []byte(`
spans:
  - package: example.com/app/...
    receiver: "*Store"
    func: "Get*"
    name: store.get
exclude:
  packages: [example.com/app/health]
  routes:
    - GET /health
    - /metrics
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Spans) != 1 || s.Spans[0].Line != 3 || s.Spans[0].Name != "store.get" {
		t.Errorf("spans = %+v", s.Spans)
	}
	if got := s.Exclude.RouteLines; len(got) != 2 || got[0] != 10 || got[1] != 11 {
		t.Errorf("route lines = %v, want [10 11]", got)
	}
	if got := s.Exclude.PackageLines; len(got) != 1 || got[0] != 8 {
		t.Errorf("package lines = %v, want [8]", got)
	}
	if s.Hot != "" || s.HotLine != 0 {
		t.Errorf("hot = %q at line %d without the key", s.Hot, s.HotLine)
	}
	empty, err := ParseSettings("empty.yaml", nil)
	if err != nil || len(empty.Spans) != 0 {
		t.Errorf("empty file: %+v, %v", empty, err)
	}
}

func TestParseSettingsErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"spanz: []\n", "ssaweave.yaml:1: unknown key spanz"},
		{"spans:\n  - func: Get\n", "ssaweave.yaml:2: spans[0] has no package"},
		{"spans:\n  - package: p\n    func: \"[\"\n", `ssaweave.yaml:2: spans[0]: bad pattern "["`},
		{"exclude:\n  routes:\n    - GET /health\n    - \"BAD ROUTE\"\n", `ssaweave.yaml:4: exclude.routes[1]: "BAD ROUTE" is not a net/http ServeMux pattern`},
		{"spans: [\n", "ssaweave.yaml:1: did not find expected node content"},
		{"paths: true\nhot: 5\n", `ssaweave.yaml:2: hot: "5" is not a percentage`},
		{"hot: 0%\n", `ssaweave.yaml:1: hot: "0%" is not a percentage above 0% and at most 100%`},
		{"hot: 150%\n", `ssaweave.yaml:1: hot: "150%" is not a percentage above 0% and at most 100%`},
		{"hot: lots%\n", `ssaweave.yaml:1: hot: "lots%" is not a percentage above 0% and at most 100%`},
		{"hot: false\n", `ssaweave.yaml:1: hot: "false" is not a percentage`},
		{"hot: [5%]\n", "ssaweave.yaml:1: cannot unmarshal !!seq into string"},
	} {
		_, err := ParseSettings("ssaweave.yaml", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.src, err, tc.want)
		}
	}
}

// TestParseHot checks the hot-path threshold: a percentage with its sign,
// or off, read from the file with its line.
func TestParseHot(t *testing.T) {
	for v, want := range map[string]float64{"5%": 5, "0.5%": 0.5, "100%": 100, " 2 % ": 2, "off": 0} {
		if got, err := ParseHot(v); err != nil || got != want {
			t.Errorf("ParseHot(%q) = %v, %v; want %v", v, got, err, want)
		}
	}
	for _, v := range []string{"", "5", "0%", "-1%", "101%", "NaN%", "Inf%", "five%", "OFF"} {
		if got, err := ParseHot(v); err == nil {
			t.Errorf("ParseHot(%q) = %v, want an error", v, got)
		}
	}
	s, err := ParseSettings("ssaweave.yaml", []byte("# hot paths\npaths: true\nhot: 2.5%\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Hot != "2.5%" || s.HotLine != 3 {
		t.Errorf("hot: 2.5%% = %q at line %d, want 2.5%% at line 3", s.Hot, s.HotLine)
	}
}

func TestReadSettings(t *testing.T) {
	dir := t.TempDir()
	if s, err := ReadSettings(dir, nil); err != nil || s.File != "" {
		t.Errorf("no file: %+v, %v", s, err)
	}
	file := filepath.Join(dir, ConfigFileName)
	if err := os.WriteFile(file, []byte("exclude:\n  routes: [/x]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := ReadSettings(dir, nil); err != nil || s.File != file || len(s.Exclude.Routes) != 1 {
		t.Errorf("module file: %+v, %v", s, err)
	}
	if s, err := ReadSettings(dir, []string{EnvConfig + "=off"}); err != nil || s.File != "" {
		t.Errorf("off: %+v, %v", s, err)
	}
	other := filepath.Join(t.TempDir(), "other.yaml")
	if err := os.WriteFile(other, []byte("exclude:\n  routes: [/y, /z]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := ReadSettings(dir, []string{EnvConfig + "=" + other}); err != nil || len(s.Exclude.Routes) != 2 {
		t.Errorf("env file: %+v, %v", s, err)
	}
	if _, err := ReadSettings(dir, []string{EnvConfig + "=" + filepath.Join(dir, "missing.yaml")}); err == nil {
		t.Error("a missing file named by the environment was accepted")
	}
}

func TestSelectors(t *testing.T) {
	for _, tc := range []struct {
		sel             SpanSelector
		pkg, recv, name string
		want            bool
	}{
		{SpanSelector{Package: "a/b"}, "a/b", "", "F", true},
		{SpanSelector{Package: "a/b"}, "a/b/c", "", "F", false},
		{SpanSelector{Package: "a/..."}, "a", "", "F", true},
		{SpanSelector{Package: "a/..."}, "a/b/c", "", "F", true},
		{SpanSelector{Package: "a/..."}, "ab", "", "F", false},
		{SpanSelector{Package: "a/.../x"}, "a/b/x", "", "F", true},
		{SpanSelector{Package: "a", Func: "Get*"}, "a", "", "GetUser", true},
		{SpanSelector{Package: "a", Func: "Get*"}, "a", "", "Put", false},
		{SpanSelector{Package: "a", Receiver: "Store"}, "a", "*Store", "M", true},
		{SpanSelector{Package: "a", Receiver: "Store"}, "a", "Store", "M", true},
		{SpanSelector{Package: "a", Receiver: "*Store"}, "a", "Store", "M", false},
		{SpanSelector{Package: "a", Receiver: "*Store"}, "a", "*Store", "M", true},
		{SpanSelector{Package: "a", Receiver: "Store"}, "a", "", "F", false},
		{SpanSelector{Package: "a", Receiver: "-"}, "a", "", "F", true},
		{SpanSelector{Package: "a", Receiver: "-"}, "a", "*T", "M", false},
	} {
		if got := tc.sel.Matches(tc.pkg, tc.recv, tc.name); got != tc.want {
			t.Errorf("%+v matches %s %s %s = %v, want %v", tc.sel, tc.pkg, tc.recv, tc.name, got, tc.want)
		}
	}
}

// TestDirectiveErrors checks that misplaced and unknown directives are
// errors at their position rather than silently ignored.
func TestDirectiveErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/bad\n\ngo 1.24\n")
	write("main.go", `package main

//ssaweave:span
type T struct{}

// f has a typo.
//
//ssaweave:spam
func f() {}

func main() {
	//ssaweave:ignore
	f()
}
`)
	prog, err := Load(context.Background(), Config{Dir: dir, Patterns: []string{"."}})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = Directives(prog, nil)
	for _, want := range []string{
		"main.go:3: //ssaweave:span must be in the doc comment of a function declaration",
		"main.go:8: unknown directive //ssaweave:spam: the directives are //ssaweave:span [name] and //ssaweave:ignore",
		"main.go:12: //ssaweave:ignore must be in the doc comment of a function declaration",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
}
