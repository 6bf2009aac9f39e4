//go:build ownclient

package main

import (
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// Only the clients are instrumented by hand, with the global
// TracerProvider; the servers are left to ssaweave.
func init() {
	http.DefaultClient.Transport = otelhttp.NewTransport(http.DefaultTransport)
	wrapTransport = func(rt http.RoundTripper) http.RoundTripper { return otelhttp.NewTransport(rt) }
}
