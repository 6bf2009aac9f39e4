//go:build manual || otelgin

package main

import (
	"log"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// setupSDK installs what a program instrumented by hand installs: a
// TracerProvider that prints each span as it ends, as JSON lines on stdout
// (the format of ssaweave's console exporter), and the W3C propagators.
func setupSDK() {
	exp, err := stdouttrace.New()
	if err != nil {
		log.Fatal(err)
	}
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp)))
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
}
