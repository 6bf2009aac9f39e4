//go:build manual

package main

import (
	"log"
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// The program instrumented by hand, as the otelhttp documentation shows:
// an SDK printing spans on stdout as they end, every handler and every
// client's RoundTripper wrapped.
func init() {
	exp, err := stdouttrace.New()
	if err != nil {
		log.Fatal(err)
	}
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp)))
	otel.SetTextMapPropagator(propagation.TraceContext{})
	http.DefaultClient.Transport = otelhttp.NewTransport(http.DefaultTransport)
	wrapTransport = func(rt http.RoundTripper) http.RoundTripper { return otelhttp.NewTransport(rt) }
	wrapHandler = func(h http.Handler, name string) http.Handler { return otelhttp.NewHandler(h, name) }
}
