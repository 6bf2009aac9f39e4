//go:build manual

package main

import (
	"context"
	"log"
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"
)

// setup instruments the program by hand, as otelgrpc and otelhttp
// document: an SDK exporting to stdout, the otelgrpc stats handlers on the
// server and the client connection, and the mux wrapped in
// otelhttp.NewHandler. The spans are flushed when the role has stopped.
func setup() instrumentation {
	exp, err := stdouttrace.New()
	if err != nil {
		log.Fatal(err)
	}
	provider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))
	otel.SetTracerProvider(provider)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	return instrumentation{
		serverOptions: []grpc.ServerOption{grpc.StatsHandler(otelgrpc.NewServerHandler())},
		dialOptions:   []grpc.DialOption{grpc.WithStatsHandler(otelgrpc.NewClientHandler())},
		handler:       func(h http.Handler) http.Handler { return otelhttp.NewHandler(h, "") },
		cleanup: func() {
			if err := provider.Shutdown(context.Background()); err != nil {
				log.Print(err)
			}
		},
	}
}
