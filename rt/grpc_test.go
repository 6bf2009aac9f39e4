package rt

import (
	"context"
	"net"
	"os"
	"sync/atomic"
	"testing"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
)

// traceCollector is a minimal OTLP/gRPC trace collector counting spans.
type traceCollector struct {
	collectortrace.UnimplementedTraceServiceServer
	spans atomic.Int32
}

func (c *traceCollector) Export(_ context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			c.spans.Add(int32(len(ss.GetSpans())))
		}
	}
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

func TestOTLPGRPCExport(t *testing.T) {
	captureDiag(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	collector := new(traceCollector)
	collectortrace.RegisterTraceServiceServer(srv, collector)
	go srv.Serve(l)
	defer srv.Stop()

	t.Setenv("OTEL_SDK_DISABLED", "false")
	t.Setenv("OTEL_TRACES_EXPORTER", "otlp")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+l.Addr().String())
	t.Setenv("OTEL_EXPORTER_OTLP_INSECURE", "true")
	t.Setenv("OTEL_BSP_EXPORT_TIMEOUT", "5000")
	s := newSetup(context.Background(), os.Getenv, new(syncBuffer))
	_, span := s.provider.Tracer("test").Start(context.Background(), "over-grpc")
	span.End()
	s.shutdown()
	if n := collector.spans.Load(); n != 1 {
		t.Errorf("collector received %d spans over gRPC, want 1", n)
	}
}
