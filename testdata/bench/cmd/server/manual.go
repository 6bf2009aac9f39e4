//go:build manual

package main

import (
	"context"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// instrument instruments the program by hand, the way ssaweave's runtime
// (rt/sdk.go, rt/nethttp) does, so that the comparison is fair: the SDK
// with the OTLP/HTTP exporter behind a batch span processor, the resource
// rt detects, W3C trace context and baggage, and otelhttp's handler around
// the mux, giving the server span the "{method} {route}" name and
// http.route once the mux has matched a pattern. The sampler, the
// exporter's endpoint and the batch processor follow the same OTEL_*
// variables as the woven program. Spans are flushed on SIGINT and SIGTERM.
func instrument(h http.Handler) http.Handler {
	ctx := context.Background()
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		log.Fatal(err)
	}
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithProcessPID(),
		resource.WithProcessExecutableName(),
		resource.WithProcessExecutablePath(),
		resource.WithProcessRuntimeName(),
		resource.WithProcessRuntimeVersion(),
		resource.WithProcessRuntimeDescription(),
		resource.WithFromEnv(),
	)
	if err != nil {
		log.Print(err)
	}
	if merged, err := resource.Merge(resource.Default(), res); err == nil {
		res = merged
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	flushOnSignal(tp)

	routed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if route := routeOf(r.Pattern); route != "" {
			trace.SpanFromContext(r.Context()).SetAttributes(semconv.HTTPRoute(route))
		}
	})
	return otelhttp.NewHandler(routed, "", otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
		if route := routeOf(r.Pattern); route != "" {
			return r.Method + " " + route
		}
		return r.Method
	}))
}

// routeOf returns the path of a ServeMux pattern ("[METHOD ][HOST]/PATH").
func routeOf(pattern string) string {
	if i := strings.IndexByte(pattern, '/'); i >= 0 {
		return pattern[i:]
	}
	return ""
}

// flushOnSignal shuts the provider down, exporting what is queued, when
// the program is asked to stop.
func flushOnSignal(tp *sdktrace.TracerProvider) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-c
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := tp.Shutdown(ctx)
		cancel()
		if err != nil {
			log.Print(err)
		}
		os.Exit(0)
	}()
}
