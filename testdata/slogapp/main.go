// Command slogapp is an HTTP service that logs with log/slog: through a JSON
// handler it builds itself (with source locations) and through
// slog.Default (text, through the log package). Both write to stderr.
package main

import (
	"context"
	"log"
	"log/slog"
	"net/http"
	"os"
)

func main() {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	log.SetFlags(log.Lshortfile)
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{AddSource: true}))
	logger.Info("starting", "addr", addr)
	slog.InfoContext(context.Background(), "starting (default logger)")

	greeter := logger.With("component", "greeter")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		ctx, name := r.Context(), r.PathValue("name")
		logger.InfoContext(ctx, "hello", "name", name) // mark:json
		greeter.WarnContext(ctx, "from a With logger", "name", name)
		logger.LogAttrs(ctx, slog.LevelInfo, "attrs", slog.String("name", name))
		slog.InfoContext(ctx, "default", "name", name) // mark:default
		logger.DebugContext(ctx, "debug is disabled", "name", name)
		logger.Info("no context", "name", name)
		w.Write([]byte("hello " + name + "\n"))
	})
	log.Fatal(http.ListenAndServe(addr, mux))
}
