// Command grpcapp is a gRPC backend and an HTTP frontend in one binary,
// run as two processes.
//
// ROLE=backend serves the standard gRPC health service
// (grpc.health.v1.Health) on ADDR. ROLE=frontend serves HTTP on ADDR:
// GET /check?service=NAME asks the backend at BACKEND for the health of
// NAME with a gRPC client (grpc.NewClient, or grpc.Dial with
// GRPC_DIAL=dial) and answers 200 if it is serving, 404 if the backend does
// not know it. A request thus crosses two processes: HTTP server, gRPC
// client, gRPC server.
//
// Built plainly it has no instrumentation; built with the "manual" tag it
// instruments itself by hand with otelgrpc and otelhttp (manual.go), which
// is what ssaweave's woven spans are compared with. SIGTERM stops either
// role gracefully and main returns.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

func main() {
	inst := setup()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	switch role := os.Getenv("ROLE"); role {
	case "backend":
		backend(ctx, inst)
	case "frontend":
		frontend(ctx, inst)
	default:
		log.Fatalf("ROLE must be backend or frontend, not %q", role)
	}
	inst.cleanup()
}

// instrumentation is what manual.go adds to the program; plain.go adds
// nothing.
type instrumentation struct {
	serverOptions []grpc.ServerOption
	dialOptions   []grpc.DialOption
	handler       func(http.Handler) http.Handler
	cleanup       func()
}

// backend serves the health service until ctx ends.
func backend(ctx context.Context, inst instrumentation) {
	l, err := net.Listen("tcp", os.Getenv("ADDR"))
	if err != nil {
		log.Fatal(err)
	}
	srv := grpc.NewServer(inst.serverOptions...)
	healthpb.RegisterHealthServer(srv, health.NewServer()) // "" is SERVING
	go func() {
		<-ctx.Done()
		srv.GracefulStop()
	}()
	if err := srv.Serve(l); err != nil {
		log.Fatal(err)
	}
}

// frontend serves HTTP until ctx ends.
func frontend(ctx context.Context, inst instrumentation) {
	opts := append(inst.dialOptions, grpc.WithTransportCredentials(insecure.NewCredentials()))
	var conn *grpc.ClientConn
	var err error
	if os.Getenv("GRPC_DIAL") == "dial" {
		conn, err = grpc.Dial(os.Getenv("BACKEND"), opts...)
	} else {
		conn, err = grpc.NewClient(os.Getenv("BACKEND"), opts...)
	}
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	client := healthpb.NewHealthClient(conn)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /check", func(w http.ResponseWriter, r *http.Request) {
		resp, err := client.Check(r.Context(), &healthpb.HealthCheckRequest{Service: r.URL.Query().Get("service")})
		switch {
		case status.Code(err) == codes.NotFound:
			http.Error(w, err.Error(), http.StatusNotFound)
		case err != nil:
			http.Error(w, err.Error(), http.StatusBadGateway)
		default:
			fmt.Fprintln(w, resp.GetStatus())
		}
	})

	srv := &http.Server{Addr: os.Getenv("ADDR"), Handler: inst.handler(mux)}
	closed := make(chan struct{})
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
		close(closed)
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	<-closed
}
