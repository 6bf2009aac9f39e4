package rt

import (
	"bufio"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
)

func TestExporterNames(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  []string
	}{
		{"", []string{"otlp"}},
		{"  ", []string{"otlp"}},
		{"otlp", []string{"otlp"}},
		{"console", []string{"console"}},
		{"Console, OTLP ,console", []string{"console", "otlp"}},
		{"none", nil},
		{"none,console", []string{"console"}},
		{"zipkin", []string{"zipkin"}},
	} {
		got := exporterNames(env(map[string]string{"OTEL_TRACES_EXPORTER": tc.value}))
		if !slices.Equal(got, tc.want) {
			t.Errorf("OTEL_TRACES_EXPORTER=%q: got %q, want %q", tc.value, got, tc.want)
		}
	}
}

func TestConsoleExporterWritesJSONSpans(t *testing.T) {
	ctx := context.Background()
	var out syncBuffer
	s := newSetup(ctx, env(map[string]string{"OTEL_TRACES_EXPORTER": "console"}), &out)
	if s.provider == nil {
		t.Fatal("no provider for OTEL_TRACES_EXPORTER=console")
	}
	defer s.provider.Shutdown(ctx)
	if !slices.Equal(s.exporters, []string{"console"}) {
		t.Errorf("exporters = %q, want [console]", s.exporters)
	}
	_, span := s.provider.Tracer("test").Start(ctx, "console-span")
	span.SetAttributes(attribute.String("k", "v"))
	span.End()
	if err := s.provider.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	sc.Buffer(nil, 1<<20)
	var names []string
	for sc.Scan() {
		var rec struct{ Name string }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("console output line is not JSON: %v\n%s", err, sc.Text())
		}
		names = append(names, rec.Name)
	}
	if !slices.Equal(names, []string{"console-span"}) {
		t.Errorf("console exported spans %q, want [console-span]; output:\n%s", names, out.String())
	}
}

func TestNoneExporterExportsNothing(t *testing.T) {
	var out syncBuffer
	s := newSetup(context.Background(), env(map[string]string{"OTEL_TRACES_EXPORTER": "none"}), &out)
	if s.provider != nil || len(s.exporters) != 0 {
		t.Errorf("OTEL_TRACES_EXPORTER=none: provider %v, exporters %q; want none", s.provider, s.exporters)
	}
	if s.propagator == nil {
		t.Error("OTEL_TRACES_EXPORTER=none should still configure the propagator")
	}
	if out.String() != "" {
		t.Errorf("unexpected output %q", out.String())
	}
}

func TestDefaultExporterIsOTLP(t *testing.T) {
	diagOut := captureDiag(t)
	ctx := context.Background()
	s := newSetup(ctx, env(nil), new(syncBuffer))
	if s.provider == nil || !slices.Equal(s.exporters, []string{"otlp"}) {
		t.Fatalf("default setup: provider %v, exporters %q; want an otlp exporter", s.provider, s.exporters)
	}
	// No span was started, so shutting down contacts no collector.
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := s.provider.Shutdown(ctx); err != nil {
		t.Error(err)
	}
	if diagOut.String() != "" {
		t.Errorf("unexpected diagnostics: %s", diagOut)
	}
}

func TestOTLPProtocols(t *testing.T) {
	for _, tc := range []struct {
		vars     map[string]string
		wantWarn string
	}{
		{map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, ""},
		{map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, ""},
		{map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "carrier-pigeon"}, `"carrier-pigeon" is not supported`},
		// The signal-specific variable wins.
		{map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "carrier-pigeon", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"}, ""},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"}, ""},
		{map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, ""},
	} {
		diagOut := captureDiag(t)
		exp, err := newOTLPExporter(context.Background(), env(tc.vars))
		if err != nil || exp == nil {
			t.Errorf("%v: exporter %v, error %v", tc.vars, exp, err)
			continue
		}
		_ = exp.Shutdown(context.Background())
		got := diagOut.String()
		if tc.wantWarn == "" && got != "" || !strings.Contains(got, tc.wantWarn) {
			t.Errorf("%v: diagnostics %q, want %q", tc.vars, got, tc.wantWarn)
		}
	}
}

func TestUnknownExporterIsReported(t *testing.T) {
	diagOut := captureDiag(t)
	s := newSetup(context.Background(), env(map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}), new(syncBuffer))
	if s.provider != nil {
		t.Error("an unknown exporter should not produce a provider")
	}
	if !strings.Contains(diagOut.String(), `"zipkin" is not supported`) {
		t.Errorf("diagnostics %q should name the unknown exporter", diagOut)
	}
}

func TestSDKDisabled(t *testing.T) {
	for _, v := range []string{"true", "TRUE", " True "} {
		s := newSetup(context.Background(), env(map[string]string{"OTEL_SDK_DISABLED": v, "OTEL_TRACES_EXPORTER": "console"}), new(syncBuffer))
		if !s.disabled || s.provider != nil || s.propagator != nil {
			t.Errorf("OTEL_SDK_DISABLED=%q: disabled=%v provider=%v propagator=%v", v, s.disabled, s.provider, s.propagator)
		}
	}
	s := newSetup(context.Background(), env(map[string]string{"OTEL_SDK_DISABLED": "false", "OTEL_TRACES_EXPORTER": "none"}), new(syncBuffer))
	if s.disabled {
		t.Error("OTEL_SDK_DISABLED=false disabled the SDK")
	}
}

func TestPropagatorFromEnv(t *testing.T) {
	for _, tc := range []struct {
		value    string
		want     []string
		wantWarn bool
	}{
		{"", []string{"baggage", "traceparent", "tracestate"}, false},
		{"tracecontext", []string{"traceparent", "tracestate"}, false},
		{"B3", []string{"b3"}, false},
		{"tracecontext, none", nil, false},
		{"bogus", []string{"baggage", "traceparent", "tracestate"}, true},
	} {
		diagOut := captureDiag(t)
		fields := newPropagator(env(map[string]string{"OTEL_PROPAGATORS": tc.value})).Fields()
		slices.Sort(fields)
		if !slices.Equal(fields, tc.want) {
			t.Errorf("OTEL_PROPAGATORS=%q: fields %q, want %q", tc.value, fields, tc.want)
		}
		if warned := diagOut.String() != ""; warned != tc.wantWarn {
			t.Errorf("OTEL_PROPAGATORS=%q: diagnostics %q", tc.value, diagOut)
		}
	}
}

func TestFlushTimeoutFromEnv(t *testing.T) {
	captureDiag(t)
	for v, want := range map[string]time.Duration{
		"":      defaultFlushTimeout,
		"250":   250 * time.Millisecond,
		"0":     defaultFlushTimeout,
		"5s":    defaultFlushTimeout,
		"30000": 30 * time.Second,
	} {
		if got := flushTimeout(env(map[string]string{"OTEL_BSP_EXPORT_TIMEOUT": v})); got != want {
			t.Errorf("OTEL_BSP_EXPORT_TIMEOUT=%q: %v, want %v", v, got, want)
		}
	}
}

func TestResourceFromEnv(t *testing.T) {
	t.Setenv("OTEL_SERVICE_NAME", "checkout")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=test,service.name=ignored")
	attrs := map[attribute.Key]attribute.Value{}
	for _, kv := range newResource(context.Background()).Attributes() {
		attrs[kv.Key] = kv.Value
	}
	if got := attrs["service.name"].AsString(); got != "checkout" {
		t.Errorf("service.name = %q, want checkout (OTEL_SERVICE_NAME wins)", got)
	}
	if got := attrs["deployment.environment.name"].AsString(); got != "test" {
		t.Errorf("deployment.environment.name = %q, want test", got)
	}
	for _, k := range []attribute.Key{"telemetry.sdk.name", "telemetry.sdk.language", "process.pid", "process.runtime.name", "host.name"} {
		if _, ok := attrs[k]; !ok {
			t.Errorf("resource lacks %s", k)
		}
	}
}

func TestResourceDefaultServiceName(t *testing.T) {
	t.Setenv("OTEL_SERVICE_NAME", "")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "")
	name, _ := newResource(context.Background()).Set().Value("service.name")
	if !strings.HasPrefix(name.AsString(), "unknown_service:") {
		t.Errorf("service.name = %q, want unknown_service:<executable>", name.AsString())
	}
}
