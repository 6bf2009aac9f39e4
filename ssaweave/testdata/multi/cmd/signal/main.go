// Command signal is a server that shuts down on SIGINT itself: the runtime
// must not install its own handler.
package main

import (
	"context"
	"net/http"
	"os"
	"os/signal"
)

func main() {
	interrupt := make(chan os.Signal, 1)
	signal.Notify(interrupt, os.Interrupt)
	srv := &http.Server{Addr: "localhost:8080"}
	go func() {
		<-interrupt
		srv.Shutdown(context.Background())
	}()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		os.Exit(1)
	}
}
