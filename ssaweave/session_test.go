package ssaweave

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssaweave/ssaweave/analysis"
	"github.com/ssaweave/ssaweave/internal/e2e"
)

// TestSessionPlansAsBuild edits a program step by step and checks, after
// each edit, that the plan made from a Session's reloaded program is
// byte for byte the plan Build makes from scratch, and that the Session
// re-checked only what the edit can affect.
func TestSessionPlansAsBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a net/http program a dozen times")
	}
	dir := e2e.CopyDir(t, filepath.Join("testdata", "funcspans"))
	opts := Options{Dir: dir, Patterns: []string{"./..."}, Tool: testTool}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	sess := analysis.NewSession(loadConfig(abs, opts))
	var last analysis.ReloadStats
	viaSession := func(ctx context.Context, _ analysis.Config) (*analysis.Program, error) {
		prog, st, err := sess.Reload(ctx)
		last = st
		return prog, err
	}
	edit := func(file, old, new string) {
		t.Helper()
		path := filepath.Join(dir, file)
		data, err := os.ReadFile(path)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		s := string(data)
		if old != "" && !strings.Contains(s, old) {
			t.Fatalf("%s does not contain %q", file, old)
		}
		if old == "" {
			s += new
		} else {
			s = strings.Replace(s, old, new, 1)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name      string
		edit      func()
		full      bool // the Session loads the whole program
		rechecked int  // else: the packages it must re-check
		wantErr   string
	}{
		{name: "first load", edit: func() {}, full: true},
		{name: "nothing changed", edit: func() {}},
		{name: "main calls a method it did not", rechecked: 1, edit: func() {
			edit("main.go", "render(w, r)\n", "render(w, r)\n\t\ts.Put(r.Context(), \"2\", \"bob\")\n")
		}},
		{name: "a dependency calls net/http's client", rechecked: 2, edit: func() {
			edit("store/store.go", "import (\n", "import (\n\t\"net/http\"\n")
			edit("store/store.go", "if u, ok", "if id == \"remote\" {\n\t\thttp.Get(\"http://127.0.0.1:1/\" + id)\n\t}\n\tif u, ok")
		}},
		{name: "new file, new package, new standard package", rechecked: 3, edit: func() {
			edit("audit/audit.go", "", "// Package audit writes CSV.\npackage audit\n\nimport (\n\t\"encoding/csv\"\n\t\"os\"\n)\n\n// Log writes one record.\n//\n//ssaweave:span\nfunc Log(id string) { csv.NewWriter(os.Stdout).Write([]string{id}) }\n")
			edit("main.go", "\"example.com/funcspans/health\"\n", "\"example.com/funcspans/audit\"\n\t\"example.com/funcspans/health\"\n")
			edit("main.go", "render(w, r)\n", "render(w, r)\n\t\taudit.Log(r.PathValue(\"id\"))\n")
		}},
		{name: "type error", wantErr: "undefined: missing", edit: func() {
			edit("store/store.go", "func helper() {}", "func helper() { missing() }")
		}},
		// Back to the files of the last program that loaded: nothing to
		// re-check.
		{name: "fixed", rechecked: 0, edit: func() {
			edit("store/store.go", "func helper() { missing() }", "func helper() {}")
		}},
	}
	ctx := context.Background()
	var prev *Plan
	for _, step := range steps {
		step.edit()
		// The files are those of an earlier step after "nothing changed"
		// and "fixed": Build's plan is the one it made then.
		start := time.Now()
		fresh, freshErr := prev, error(nil)
		if step.name != "nothing changed" && step.name != "fixed" {
			fresh, freshErr = Build(ctx, opts)
		}
		if freshErr == nil {
			prev = fresh
		}
		mid := time.Now()
		got, err := build(ctx, opts, nil, viaSession)
		t.Logf("%s: Build %v, via the Session %v", step.name, mid.Sub(start).Round(time.Millisecond), time.Since(mid).Round(time.Millisecond))
		if step.wantErr != "" {
			if freshErr == nil || err == nil || err.Error() != freshErr.Error() || !strings.Contains(err.Error(), step.wantErr) {
				t.Fatalf("%s: Session error %v, Build error %v; want the same error, saying %q", step.name, err, freshErr, step.wantErr)
			}
			continue
		}
		if freshErr != nil || err != nil {
			t.Fatalf("%s: Build: %v; via the Session: %v", step.name, freshErr, err)
		}
		var want, have bytes.Buffer
		if err := fresh.WriteJSON(&want); err != nil {
			t.Fatal(err)
		}
		if err := got.WriteJSON(&have); err != nil {
			t.Fatal(err)
		}
		if want.String() != have.String() {
			t.Errorf("%s: the plan via the Session differs from Build's:\n%s", step.name, firstDiff(want.String(), have.String()))
		}
		if last.Full != step.full || (!step.full && last.Rechecked != step.rechecked) {
			t.Errorf("%s: reload %+v; want full=%v, %d re-checked", step.name, last, step.full, step.rechecked)
		}
	}
}

// firstDiff returns the lines around the first difference of a and b.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			lo := max(0, i-3)
			return "Build:\n" + strings.Join(al[lo:min(len(al), i+4)], "\n") + "\nSession:\n" + strings.Join(bl[lo:min(len(bl), i+4)], "\n")
		}
	}
	return "lengths differ"
}
