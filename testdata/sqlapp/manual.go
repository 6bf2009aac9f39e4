//go:build manual

package main

import (
	"context"
	"database/sql"
	"log"
	"net/http"

	"github.com/XSAM/otelsql"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	_ "modernc.org/sqlite"
)

// setup instruments the program by hand, as otelsql and otelhttp document:
// an SDK exporting to stdout, the database opened with otelsql.Open and
// db.system.name given as an attribute, and the mux wrapped in
// otelhttp.NewHandler. The spans are flushed when the server has shut down.
func setup() (*sql.DB, func(http.Handler) http.Handler, func()) {
	exp, err := stdouttrace.New()
	if err != nil {
		log.Fatal(err)
	}
	provider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))
	otel.SetTracerProvider(provider)
	otel.SetTextMapPropagator(propagation.TraceContext{})

	db, err := otelsql.Open("sqlite", dsn, otelsql.WithAttributes(semconv.DBSystemNameSQLite))
	if err != nil {
		log.Fatal(err)
	}
	handler := func(h http.Handler) http.Handler { return otelhttp.NewHandler(h, "") }
	cleanup := func() {
		if err := provider.Shutdown(context.Background()); err != nil {
			log.Print(err)
		}
	}
	return db, handler, cleanup
}
