package hello

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"example.com/buildmodes/internal/native"
)

// TestHello serves a request inside the test binary: woven by `ssaweave go
// test`, it exports the server, client and function spans.
func TestHello(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/hello/test")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if want := "hello test from " + native.Origin() + "\n"; string(body) != want {
		t.Errorf("body = %q, want %q", body, want)
	}
}
