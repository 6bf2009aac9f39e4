package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// EnvCI names the environment variable that CI sets to 1 (.ci/run). Under
// it, a missing peer program fails the test instead of skipping it, so
// that CI cannot pass by testing less.
const EnvCI = "SSAWEAVE_CI"

// Redis starts a redis-server on a free loopback port, without persistence
// (no RDB snapshots, no append-only file, working directory in the test's
// temporary directory), waits until it answers PING, stops it when the
// test ends, and returns its host:port.
//
// When redis-server is not installed the test is skipped, or fails under
// SSAWEAVE_CI=1.
func Redis(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv(EnvCI) == "1" {
			t.Fatalf("redis-server not found (%v); %s=1, so CI must install the Debian package redis-server (see .ci/run)", err, EnvCI)
		}
		t.Skipf("redis-server not found (%v): install the redis-server package (Debian: apt-get install redis-server) to run this test", err)
	}
	// Registered before the server's cleanup, so removed after it stopped.
	dir := t.TempDir()
	var last string
	// As in StartCollector: a port free a moment ago may be taken before
	// the server binds it, so a server that dies at start gets new ports.
	for attempt := 1; attempt <= 3; attempt++ {
		addr, err := startRedis(t, bin, dir)
		if err == nil {
			return addr
		}
		last = err.Error()
	}
	t.Fatalf("redis-server did not start: %s", last)
	return ""
}

func startRedis(t testing.TB, bin, dir string) (string, error) {
	addr := FreeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	out := &syncBuffer{}
	cmd := exec.Command(bin,
		"--bind", "127.0.0.1",
		"--port", port,
		"--save", "", // no RDB snapshots
		"--appendonly", "no",
		"--dir", dir, // should anything be written anyway, it goes away with the test
		"--daemonize", "no",
		"--logfile", "", // log to standard output, kept for failure messages
	)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stop := func() {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			cmd.Process.Kill()
		}
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}

	deadline := time.Now().Add(20 * time.Second)
	for {
		err := redisPing(addr)
		if err == nil {
			t.Cleanup(stop)
			return addr, nil
		}
		select {
		case werr := <-done:
			return "", fmt.Errorf("exited early (%v)\nredis-server output:\n%s", werr, out.String())
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return "", fmt.Errorf("no PONG from %s after 20s (last: %v)\nredis-server output:\n%s", addr, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// redisPing sends PING in RESP and expects +PONG. A server that is still
// loading answers -LOADING, which is an error here, so the caller retries.
func redisPing(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return nil
}
