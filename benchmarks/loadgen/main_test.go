package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestCheck checks that load only goes to the loopback interface, for a
// bounded time.
func TestCheck(t *testing.T) {
	for _, c := range []struct {
		url  string
		d    time.Duration
		want string // "" for no error
	}{
		{"http://127.0.0.1:8080/x", time.Second, ""},
		{"http://[::1]:8080/x", time.Second, ""},
		{"http://localhost:8080/x", time.Second, ""},
		{"http://10.0.0.1:8080/x", time.Second, "loopback"},
		{"http://example.com/x", time.Second, "loopback"},
		{"https://127.0.0.1/x", time.Second, "want http://"},
		{"http://127.0.0.1:8080/x", 3 * time.Minute, "at most"},
	} {
		err := check(c.url, 8, c.d, 0)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("check(%s, %v) = %v, want %q", c.url, c.d, err, c.want)
		}
	}
}

// TestRun loads a local server briefly and checks the counts and
// percentiles.
func TestRun(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			http.Error(w, "no", http.StatusInternalServerError)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	r, err := run(srv.URL+"/", 2, 100*time.Millisecond, 20*time.Millisecond, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests == 0 || r.Errors != 0 || r.RPS <= 0 || r.P50us <= 0 || r.P99us < r.P50us || r.Maxus < r.P99us {
		t.Errorf("implausible result %+v", r)
	}
	if _, err := run(srv.URL+"/fail", 1, 50*time.Millisecond, 0, time.Second); err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("a service that only fails should be an error naming its status, got %v", err)
	}
}

// TestPercentile checks nearest-rank percentiles.
func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	if p := percentile(d, 50); p != 50 {
		t.Errorf("p50 = %v", p)
	}
	if p := percentile(d, 99); p != 99 {
		t.Errorf("p99 = %v", p)
	}
	if p := percentile(d[:1], 99); p != 1 {
		t.Errorf("p99 of one = %v", p)
	}
}
