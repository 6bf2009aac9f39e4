// Command ownprovider is a service that sets up OpenTelemetry itself: it
// installs its own TracerProvider (with a batching stdout exporter and a
// resource of its own) and handles SIGINT/SIGTERM with a graceful shutdown.
// It never flushes its provider: the woven code must use this provider for
// its spans and flush it when main returns.
package main

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func main() {
	exp, err := stdouttrace.New()
	if err != nil {
		log.Fatal(err)
	}
	otel.SetTracerProvider(sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("owner", "program"))),
	))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(item(r.Context(), r.PathValue("id")) + "\n"))
	})
	srv := &http.Server{Addr: os.Getenv("ADDR"), Handler: mux}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	log.Print("shut down gracefully")
}

// item describes an item. Its span comes from the program's own provider
// even when the runtime's exporter is off: the program installs a provider,
// so the woven hook stays bound.
//
//ssaweave:span
func item(_ context.Context, id string) string { return "item " + id }
