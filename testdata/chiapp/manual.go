//go:build manual

package main

import (
	"log"
	"net/http"

	"github.com/go-chi/chi/v5"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// serve instruments the router by hand: an SDK printing each span as it
// ends (the format of ssaweave's console exporter), otelhttp's handler
// around the router, and a first middleware that, once the request is
// routed and served, gives the server span chi's route pattern as
// http.route and the "{method} {route}" name, as chi documents
// RoutePattern's use.
func serve(addr string) error {
	exp, err := stdouttrace.New()
	if err != nil {
		log.Fatal(err)
	}
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp)))
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))

	route := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			if p := chi.RouteContext(r.Context()).RoutePattern(); p != "" {
				span := trace.SpanFromContext(r.Context())
				span.SetAttributes(semconv.HTTPRoute(p))
				span.SetName(r.Method + " " + p)
			}
		})
	}
	return http.ListenAndServe(addr, otelhttp.NewHandler(newRouter(route), "chiapp"))
}
