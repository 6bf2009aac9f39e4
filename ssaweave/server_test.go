//go:build unix

package ssaweave

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssaweave/ssaweave/analysis"
	"github.com/ssaweave/ssaweave/internal/e2e"
)

// TestPlanServer plans a program through Cached while a plan server
// listens on its configuration's socket: the first plan is made
// in-process (auto mode starts servers only for a configuration planned
// before), the next misses go to the server, which re-checks only the
// edited package, returns the plan Build makes and the errors Build
// returns, and stops when asked.
func TestPlanServer(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a net/http program several times")
	}
	dir := e2e.CopyDir(t, filepath.Join("testdata", "funcspans"))
	cacheDir := t.TempDir()
	opts := Options{Dir: dir, Patterns: []string{"./..."}, Tool: testTool, Algorithm: "rta", Env: []string{EnvPlanServer + "=auto"}}
	ctx := context.Background()
	in, err := newKeyInputs(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	sock, seen := serverPaths(cacheDir, in.serverKey())
	if err := os.MkdirAll(filepath.Dir(sock), 0o700); err != nil {
		t.Fatal(err)
	}
	// The client starts a server only when none answers; this one must.
	defer func(old string) { ServerExecutable = old }(ServerExecutable)
	ServerExecutable = filepath.Join(t.TempDir(), "no-such-ssaweave")
	srv := &planServer{}
	done := make(chan error, 1)
	go func() { done <- serve(ctx, sock, time.Minute, srv) }()
	served := func() []analysis.ReloadStats {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return slices.Clone(srv.served)
	}
	edit := func(file, old, new string) {
		t.Helper()
		path := filepath.Join(dir, file)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, bytes.Replace(data, []byte(old), []byte(new), 1), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	if _, _, err := Cached(ctx, opts, cacheDir); err != nil {
		t.Fatal(err)
	}
	if n := len(served()); n != 0 {
		t.Fatalf("the first plan of a configuration went to the server (%d requests); want it in-process", n)
	}
	if _, err := os.Stat(seen); err != nil {
		t.Fatalf("no record that the configuration was planned: %v", err)
	}

	edit("main.go", "render(w, r)\n", "render(w, r)\n\t\ts.Put(r.Context(), \"2\", \"bob\")\n")
	if _, hit, err := Cached(ctx, opts, cacheDir); err != nil || hit {
		t.Fatalf("after an edit: hit %v, err %v; want a miss planned by the server", hit, err)
	}
	edit("main.go", "s.Put(r.Context(), \"2\", \"bob\")", "s.Put(r.Context(), \"3\", \"eve\")")
	got, _, err := Cached(ctx, opts, cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	if st := served(); len(st) != 2 || !st[0].Full || st[1].Full || st[1].Rechecked != 1 {
		t.Fatalf("server loads %+v; want a full load, then 1 package re-checked", st)
	}
	want, err := Build(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	var wb, gb bytes.Buffer
	want.WriteJSON(&wb)
	got.WriteJSON(&gb)
	if wb.String() != gb.String() {
		t.Errorf("the server's plan differs from Build's:\n%s", firstDiff(wb.String(), gb.String()))
	}

	// The program's errors come back as Build returns them.
	edit("store/store.go", "func helper() {}", "func helper() { missing() }")
	_, _, err = Cached(ctx, opts, cacheDir)
	_, buildErr := Build(ctx, opts)
	var le *analysis.LoadError
	if !errors.As(err, &le) || buildErr == nil || err.Error() != buildErr.Error() || !strings.Contains(err.Error(), "undefined: missing") {
		t.Errorf("server error %v (%T); want Build's *analysis.LoadError %v", err, err, buildErr)
	}
	if n := len(served()); n != 3 {
		t.Errorf("%d requests served; want 3", n)
	}

	StopServers(cacheDir)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the server did not stop")
	}
	if _, err := os.Stat(sock); err == nil {
		t.Error("the stopped server left its socket")
	}
}

// TestServerErrorsRoundTrip checks that the errors Build returns keep
// their type and text across the socket.
func TestServerErrorsRoundTrip(t *testing.T) {
	le := &analysis.LoadError{Errors: []analysis.PackageError{{Package: "p", Pos: "a.go:1:2", Msg: "undefined: x"}}}
	noMain := errors.Join(analysis.ErrNoMain)
	for _, err := range []error{le, noMain, errors.New("ssaweave: other")} {
		got := newWireError(err).err()
		if got.Error() != err.Error() {
			t.Errorf("%v came back as %v", err, got)
		}
		if errors.Is(err, analysis.ErrNoMain) != errors.Is(got, analysis.ErrNoMain) {
			t.Errorf("%v: errors.Is ErrNoMain changed across the socket", err)
		}
		var a, b *analysis.LoadError
		if errors.As(err, &a) != errors.As(got, &b) {
			t.Errorf("%v: *LoadError changed across the socket", err)
		}
	}
}

// TestServerSocketOwnership checks the lifecycle rules that keep one
// server per socket: a socket file left by a dead server is replaced, a
// second server for the same socket leaves at once, and a server whose
// socket is removed exits.
func TestServerSocketOwnership(t *testing.T) {
	dir, err := os.MkdirTemp("", "sw") // short: sockaddr_un holds ~100 bytes
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "s.sock")
	// A dead server's socket: bound, never unlinked.
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()

	defer func(old time.Duration) { serverWake = old }(serverWake)
	serverWake = 20 * time.Millisecond
	ctx := context.Background()
	done := make(chan error, 1)
	go func() { done <- serve(ctx, sock, time.Hour, &planServer{}) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.Dial("unix", sock)
		if err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not take over the stale socket: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := serve(ctx, sock, time.Minute, &planServer{}); err != nil {
		t.Fatalf("a second server: %v; want it to leave quietly", err)
	}
	if err := os.Remove(sock); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the server outlived its socket")
	}
}

// TestServerKeyIgnoresServerSettings checks that the settings choosing the
// process that plans do not change the plan's configuration: a build with
// SSAWEAVE_PLAN_SERVER=on must reach the server another mode started.
func TestServerKeyIgnoresServerSettings(t *testing.T) {
	ctx := context.Background()
	var keys []string
	for _, env := range [][]string{nil, {EnvPlanServer + "=on"}, {EnvPlanServer + "=auto", EnvPlanServerIdle + "=1m"}} {
		in, err := newKeyInputs(ctx, Options{Dir: filepath.Join("testdata", "hello"), Patterns: []string{"."}, Tool: testTool, Env: env})
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, in.serverKey())
	}
	if keys[0] != keys[1] || keys[0] != keys[2] {
		t.Errorf("server keys %v; want one key whatever the server settings", keys)
	}
}
