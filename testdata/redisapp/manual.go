//go:build manual

package main

import (
	"context"
	"log"
	"net/http"

	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// setup instruments the program by hand, as redisotel and otelhttp
// document: an SDK exporting to stdout, redisotel.InstrumentTracing on each
// client, and the mux wrapped in otelhttp.NewHandler. The spans are flushed
// when the server has shut down.
func setup() instrumentation {
	exp, err := stdouttrace.New()
	if err != nil {
		log.Fatal(err)
	}
	provider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))
	otel.SetTracerProvider(provider)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	return instrumentation{
		instrument: func(c redis.UniversalClient) {
			if err := redisotel.InstrumentTracing(c); err != nil {
				log.Fatal(err)
			}
		},
		handler: func(h http.Handler) http.Handler { return otelhttp.NewHandler(h, "") },
		cleanup: func() {
			if err := provider.Shutdown(context.Background()); err != nil {
				log.Print(err)
			}
		},
	}
}
