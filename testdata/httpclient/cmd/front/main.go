// Command front is a service whose handlers call a backend service, served
// by the same process on a second listener, through the three kinds of
// net/http clients: http.Get (the default client), a custom Client with a
// Timeout, and a Client with a RoundTripper of its own wrapping
// http.DefaultTransport.
//
// Built plainly it has no instrumentation; ssaweave weaves it. With the
// build tag manual it instruments itself with otelhttp (the reference for
// the woven attributes); with ownclient only its clients are instrumented
// by hand, which ssaweave must then leave alone.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"
)

// wrapTransport instruments a client's RoundTripper (nil: the default
// one); the identity unless a build tag instruments by hand.
var wrapTransport = func(rt http.RoundTripper) http.RoundTripper { return rt }

// wrapHandler instruments a server's handler; the identity unless a build
// tag instruments by hand.
var wrapHandler = func(h http.Handler, name string) http.Handler { return h }

// tagging is the program's own RoundTripper: it marks each request and
// passes it on.
type tagging struct{ base http.RoundTripper }

func (t tagging) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Via", "tagging")
	return t.base.RoundTrip(r)
}

// fetch sends GET url with ctx through c and returns the body.
func fetch(ctx context.Context, c *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func main() {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	backendURL := "http://" + ln.Addr().String()

	backend := http.NewServeMux()
	backend.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "item %s via %q", r.PathValue("id"), r.Header.Get("X-Via"))
	})
	backend.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	go func() { log.Fatal(http.Serve(ln, wrapHandler(backend, "backend"))) }()

	timeoutClient := &http.Client{Timeout: 5 * time.Second, Transport: wrapTransport(nil)}
	taggingClient := &http.Client{Transport: wrapTransport(tagging{base: http.DefaultTransport})}
	// Long enough for the request to reach the backend (whose server
	// span the test expects under the client span) even on a loaded
	// machine, short against the backend's 10 s.
	shortClient := &http.Client{Timeout: 2 * time.Second, Transport: wrapTransport(nil)}

	front := http.NewServeMux()
	// http.Get takes no context: ssaweave weaves the call with r in scope,
	// so its request stays in the trace (a plain otelhttp build starts a
	// trace of its own there).
	front.HandleFunc("GET /get", func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Get(backendURL + "/items/a")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		io.Copy(w, resp.Body)
	})
	// Requests made with the server request's context continue its trace.
	front.HandleFunc("GET /clients", func(w http.ResponseWriter, r *http.Request) {
		for _, c := range []struct {
			client *http.Client
			path   string
		}{{timeoutClient, "/items/b"}, {taggingClient, "/items/c"}} {
			body, err := fetch(r.Context(), c.client, backendURL+c.path)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			fmt.Fprintln(w, body)
		}
	})
	// The Client's Timeout must still end a request that takes too long.
	front.HandleFunc("GET /timeout", func(w http.ResponseWriter, r *http.Request) {
		_, err := fetch(r.Context(), shortClient, backendURL+"/slow")
		var netErr net.Error
		if errors.As(err, &netErr) && netErr.Timeout() {
			http.Error(w, "timeout", http.StatusGatewayTimeout)
			return
		}
		http.Error(w, fmt.Sprintf("want a timeout, got %v", err), http.StatusInternalServerError)
	})
	log.Fatal(http.ListenAndServe(addr, wrapHandler(front, "front")))
}
