//go:build unix

package ssaweave

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/ssaweave/ssaweave/analysis"
	"github.com/ssaweave/ssaweave/internal/cache"
	"github.com/ssaweave/ssaweave/internal/gotool"
)

// serverRequest is what a client sends, as one line of JSON.
type serverRequest struct {
	Op   string  // "plan" or "stop"
	Key  string  // the configuration's key: a server serves one
	Opts Options // for "plan"; Dir is absolute
}

// serverResponse is what the server answers, as one line of JSON.
type serverResponse struct {
	Plan    json.RawMessage      `json:",omitempty"`
	Err     *wireError           `json:",omitempty"`
	Refused bool                 `json:",omitempty"` // the server serves another configuration
	Reload  analysis.ReloadStats // what loading the program took
}

// wireError carries the errors Build returns across the socket, so that
// the client returns the same error, of the same type, as Build would.
type wireError struct {
	Kind   string // "load" (*analysis.LoadError), "nomain" (wraps analysis.ErrNoMain) or ""
	Msg    string
	Errors []analysis.PackageError `json:",omitempty"`
}

func newWireError(err error) *wireError {
	var le *analysis.LoadError
	switch {
	case errors.As(err, &le):
		return &wireError{Kind: "load", Msg: err.Error(), Errors: le.Errors}
	case errors.Is(err, analysis.ErrNoMain):
		return &wireError{Kind: "nomain", Msg: err.Error()}
	}
	return &wireError{Msg: err.Error()}
}

func (w *wireError) err() error {
	switch w.Kind {
	case "load":
		return &analysis.LoadError{Errors: w.Errors}
	case "nomain":
		return &remoteError{msg: w.Msg, is: analysis.ErrNoMain}
	}
	return &remoteError{msg: w.Msg}
}

// remoteError is an error the server returned, with the sentinel it wraps.
type remoteError struct {
	msg string
	is  error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.is }

// serverKey returns the key of the configuration in, which names its
// server: everything a plan depends on but the files of the program.
func (in *keyInputs) serverKey() string {
	h := sha256.New()
	in.header(fieldWriter(h))
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// serverPaths returns the socket of the server for key, and the file that
// says a plan of that configuration has been made before.
func serverPaths(cacheDir, key string) (sock, seen string) {
	dir := filepath.Join(cacheDir, "server")
	return filepath.Join(dir, key+".sock"), filepath.Join(dir, key+".seen")
}

// maxSocketPath is the longest socket path used: sockaddr_un holds 104
// bytes on macOS and the BSDs, 108 on Linux, with the terminating NUL.
const maxSocketPath = 103

// serverMode returns the EnvPlanServer setting of env: "off" (also "0"),
// "on" (also "1") or "auto" (anything else, unset included).
func serverMode(env []string) string {
	switch envValue(env, EnvPlanServer) {
	case "off", "0":
		return "off"
	case "on", "1":
		return "on"
	}
	return "auto"
}

// serverPlan asks the configuration's plan server for the plan of opts. It
// reports ok false when no server was used (the caller then builds the
// plan in-process); err is then nil.
func serverPlan(ctx context.Context, opts Options, in *keyInputs, cacheDir string) (p *Plan, ok bool, err error) {
	mode := serverMode(opts.Env)
	if ServerExecutable == "" || mode == "off" {
		return nil, false, nil
	}
	key := in.serverKey()
	sock, seen := serverPaths(cacheDir, key)
	if len(sock) > maxSocketPath {
		return nil, false, nil
	}
	if mode == "auto" {
		if _, err := os.Stat(seen); err != nil {
			return nil, false, nil
		}
	}
	conn, err := dialServer(ctx, sock)
	if err != nil {
		return nil, false, nil
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	opts.Dir = in.dir
	var resp serverResponse
	if err := roundTrip(conn, serverRequest{Op: "plan", Key: key, Opts: opts}, &resp); err != nil {
		if ctx.Err() != nil {
			return nil, true, ctx.Err()
		}
		return nil, false, nil // the server died: plan in-process
	}
	if resp.Refused {
		return nil, false, nil
	}
	if resp.Err != nil {
		return nil, true, resp.Err.err()
	}
	var plan Plan
	if err := json.Unmarshal(resp.Plan, &plan); err != nil {
		return nil, false, nil
	}
	return &plan, true, nil
}

// markPlanned records that the configuration of in has been planned, for
// the next miss to go to a plan server (EnvPlanServer "auto").
func markPlanned(opts Options, in *keyInputs, cacheDir string) {
	if ServerExecutable == "" {
		return
	}
	if serverMode(opts.Env) != "auto" {
		return
	}
	_, seen := serverPaths(cacheDir, in.serverKey())
	if _, err := os.Stat(seen); err == nil {
		return
	}
	if err := os.MkdirAll(filepath.Dir(seen), 0o700); err == nil {
		cache.WriteFileAtomic(seen, nil, 0o600) // best effort: without it, the next miss plans in-process
	}
}

// dialServer connects to the server at sock, starting one when none
// answers.
func dialServer(ctx context.Context, sock string) (net.Conn, error) {
	var d net.Dialer
	if conn, err := d.DialContext(ctx, "unix", sock); err == nil {
		return conn, nil
	}
	if err := os.MkdirAll(filepath.Dir(sock), 0o700); err != nil {
		return nil, err
	}
	if err := startServer(ServerExecutable, sock); err != nil {
		return nil, err
	}
	// The server listens before it loads anything: this takes the time
	// of starting a process.
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := d.DialContext(ctx, "unix", sock)
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			return conn, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// roundTrip sends req on conn and reads the answer into resp.
func roundTrip(conn net.Conn, req serverRequest, resp *serverResponse) error {
	data, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := conn.Write(append(data, '\n')); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadBytes('\n')
	if err != nil {
		return err
	}
	return json.Unmarshal(line, resp)
}

// StopServers asks every plan server of the cache in cacheDir to exit, and
// waits until each has answered (a server busy with a plan answers when it
// is done).
func StopServers(cacheDir string) {
	socks, _ := filepath.Glob(filepath.Join(cacheDir, "server", "*.sock"))
	for _, sock := range socks {
		conn, err := net.Dial("unix", sock)
		if err != nil {
			continue
		}
		conn.SetDeadline(time.Now().Add(time.Minute))
		var resp serverResponse
		roundTrip(conn, serverRequest{Op: "stop"}, &resp)
		conn.Close()
	}
}

// Serve serves plans on the unix socket sock until it has been idle for
// idle, its socket is removed, or a client asks it to stop. It returns nil
// at once when another server already serves sock.
func Serve(ctx context.Context, sock string, idle time.Duration) error {
	return serve(ctx, sock, idle, &planServer{})
}

// serve is Serve with the server's state.
func serve(ctx context.Context, sock string, idle time.Duration, srv *planServer) error {
	unlock, ok, err := cache.TryLock(sock + ".lock")
	if err != nil {
		return err
	}
	if !ok {
		return nil
	}
	defer unlock()
	// The lock makes this the only server of sock: a socket file left
	// there is a dead server's.
	os.Remove(sock)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return fmt.Errorf("ssaweave: plan server: %w", err)
	}
	ul := ln.(*net.UnixListener)
	ul.SetUnlinkOnClose(true)
	defer ln.Close()
	context.AfterFunc(ctx, func() { ln.Close() })

	last := time.Now()
	held := false // the heap holds garbage of the last plan
	for {
		// Wake up now and then to notice a removed socket, and once a
		// plan's garbage can be returned.
		wake := min(idle, serverWake)
		if held {
			wake = min(wake, serverRelease)
		}
		ul.SetDeadline(time.Now().Add(wake))
		conn, err := ul.Accept()
		if err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() || ctx.Err() != nil {
				return ctx.Err()
			}
			if _, err := os.Stat(sock); err != nil || time.Since(last) >= idle {
				return nil
			}
			if held && time.Since(last) >= serverRelease {
				// The process collects rarely (package gctune): an
				// idle server should hold its program, not the room
				// the last plan grew into.
				debug.FreeOSMemory()
				held = false
			}
			continue
		}
		stop := srv.serve(ctx, conn)
		conn.Close()
		last, held = time.Now(), true
		if stop {
			return nil
		}
	}
}

// serverWake is how often an idle server checks that its socket is
// still there.
var serverWake = 10 * time.Second

// serverRelease is how long a server waits after a plan before it returns
// the memory the plan no longer uses: long enough for the build the plan
// was for, whose compiles would otherwise share the CPU with a collection.
const serverRelease = 3 * time.Second

// planServer is the state a server keeps between requests.
type planServer struct {
	mu     sync.Mutex
	key    string
	sess   *analysis.Session
	served []analysis.ReloadStats // what each plan request loaded, for tests
}

// serve answers one request on conn; it reports whether the server must
// stop.
func (s *planServer) serve(ctx context.Context, conn net.Conn) (stop bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := bufio.NewReader(conn)
	line, err := r.ReadBytes('\n')
	if err != nil {
		return false
	}
	var req serverRequest
	var resp serverResponse
	if err := json.Unmarshal(line, &req); err != nil {
		resp.Err = &wireError{Msg: "ssaweave: plan server: " + err.Error()}
	} else if req.Op == "stop" {
		stop = true
	} else {
		resp = s.plan(ctx, req)
	}
	data, err := json.Marshal(resp)
	if err == nil {
		conn.Write(append(data, '\n'))
	}
	return stop
}

// plan makes the plan req asks for, from the Session of the server's
// configuration.
func (s *planServer) plan(ctx context.Context, req serverRequest) serverResponse {
	var resp serverResponse
	if s.key == "" {
		s.key = req.Key
		s.sess = analysis.NewSession(loadConfig(req.Opts.Dir, req.Opts))
	}
	if req.Key != s.key {
		resp.Refused = true
		return resp
	}
	load := func(ctx context.Context, _ analysis.Config) (*analysis.Program, error) {
		prog, st, err := s.sess.Reload(ctx)
		resp.Reload = st
		return prog, err
	}
	start := time.Now()
	var st Stats
	// One go env per request, as in the wrapper: build and a full load
	// both ask for it.
	p, err := build(gotool.WithEnvMemo(ctx), req.Opts, &st, load)
	s.served = append(s.served, resp.Reload)
	// The server's log (<socket>.log) says what each plan cost.
	log.Printf("plan %s: %v (load %v: %s; call graphs %v, %s; planning %v); err=%v", req.Opts.Dir, time.Since(start).Round(time.Millisecond),
		st.Load.Round(time.Millisecond), resp.Reload, st.CallGraph.Round(time.Millisecond), st.Algorithm, st.Plan.Round(time.Millisecond), err)
	if err != nil {
		resp.Err = newWireError(err)
		return resp
	}
	var b strings.Builder
	if err := p.WriteJSON(&b); err != nil {
		resp.Err = newWireError(err)
		return resp
	}
	resp.Plan = json.RawMessage(b.String())
	return resp
}
