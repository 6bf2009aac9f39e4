package slog

import (
	"bytes"
	"context"
	"encoding/json"
	"log"
	"log/slog"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

const (
	testTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	testSpanID  = "00f067aa0ba902b7"
)

// tracedContext returns a context carrying a valid span context with the
// test IDs.
func tracedContext(t testing.TB) context.Context {
	t.Helper()
	tid, err := trace.TraceIDFromHex(testTraceID)
	if err != nil {
		t.Fatal(err)
	}
	sid, err := trace.SpanIDFromHex(testSpanID)
	if err != nil {
		t.Fatal(err)
	}
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
	return trace.ContextWithSpanContext(context.Background(), sc)
}

// logVia logs what a woven (*Logger).log would: the hook's results go to
// the record. slog is not woven in this test binary, so Log itself does
// not call the hook again.
func logVia(l *slog.Logger, ctx context.Context, level slog.Level, msg string, args ...any) {
	ctx, level, msg, args = logArgs(l, ctx, level, msg, args...)
	l.Log(ctx, level, msg, args...)
}

// logAttrsVia is logVia for (*Logger).logAttrs.
func logAttrsVia(l *slog.Logger, ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	ctx, level, msg, attrs = logAttrs(l, ctx, level, msg, attrs...)
	l.LogAttrs(ctx, level, msg, attrs...)
}

// jsonLines decodes the JSON records in buf.
func jsonLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, line)
		}
		recs = append(recs, m)
	}
	return recs
}

func TestTracedRecordsGetIDs(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&buf, nil))
	ctx := tracedContext(t)

	logVia(l, ctx, slog.LevelInfo, "args", "user", 42, slog.String("k", "v"))
	logAttrsVia(l, ctx, slog.LevelWarn, "attrs", slog.Int("user", 42))
	logVia(l.With("svc", "front"), ctx, slog.LevelInfo, "with")
	logVia(l, context.Background(), slog.LevelInfo, "untraced", "user", 42)
	logAttrsVia(l, context.Background(), slog.LevelInfo, "untraced attrs")

	recs := jsonLines(t, &buf)
	if len(recs) != 5 {
		t.Fatalf("%d records, want 5:\n%s", len(recs), buf.String())
	}
	for _, r := range recs[:3] {
		if r["trace_id"] != testTraceID || r["span_id"] != testSpanID {
			t.Errorf("record %q: trace_id %v span_id %v, want %s %s", r["msg"], r["trace_id"], r["span_id"], testTraceID, testSpanID)
		}
	}
	if recs[0]["user"] != 42.0 || recs[0]["k"] != "v" || recs[1]["user"] != 42.0 || recs[2]["svc"] != "front" {
		t.Errorf("the program's attributes were not kept:\n%s", buf.String())
	}
	for _, r := range recs[3:] {
		if _, ok := r["trace_id"]; ok {
			t.Errorf("record %q without a span got trace_id", r["msg"])
		}
		if _, ok := r["span_id"]; ok {
			t.Errorf("record %q without a span got span_id", r["msg"])
		}
	}
}

func TestDefaultLoggerText(t *testing.T) {
	var buf bytes.Buffer
	prevFlags, prevOut := log.Flags(), log.Writer()
	log.SetFlags(0)
	log.SetOutput(&buf)
	defer func() { log.SetFlags(prevFlags); log.SetOutput(prevOut) }()

	logVia(slog.Default(), tracedContext(t), slog.LevelInfo, "hello", "user", 42)
	want := "INFO hello trace_id=" + testTraceID + " span_id=" + testSpanID + " user=42\n"
	if buf.String() != want {
		t.Errorf("default logger wrote %q, want %q", buf.String(), want)
	}
}

func TestUntracedAndDisabledAreUnchangedAndFree(t *testing.T) {
	l := slog.New(slog.NewJSONHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	traced := tracedContext(t)
	args := []any{"user", 42}
	attrs := []slog.Attr{slog.Int("user", 42)}
	for _, c := range []struct {
		name  string
		ctx   context.Context
		level slog.Level
	}{
		{"untraced", context.Background(), slog.LevelError},
		{"nil context", nil, slog.LevelError},
		{"disabled level", traced, slog.LevelInfo},
		{"invalid span context", trace.ContextWithSpanContext(context.Background(), trace.SpanContext{}), slog.LevelError},
	} {
		ctx, level, msg, got := logArgs(l, c.ctx, c.level, "m", args...)
		if ctx != c.ctx || level != c.level || msg != "m" || &got[0] != &args[0] || len(got) != len(args) {
			t.Errorf("%s: log arguments changed", c.name)
		}
		_, _, _, gotAttrs := logAttrs(l, c.ctx, c.level, "m", attrs...)
		if &gotAttrs[0] != &attrs[0] || len(gotAttrs) != len(attrs) {
			t.Errorf("%s: logAttrs arguments changed", c.name)
		}
		if n := testing.AllocsPerRun(100, func() { logArgs(l, c.ctx, c.level, "m", args...) }); n != 0 {
			t.Errorf("%s: log hook allocates %v times, want 0", c.name, n)
		}
		if n := testing.AllocsPerRun(100, func() { logAttrs(l, c.ctx, c.level, "m", attrs...) }); n != 0 {
			t.Errorf("%s: logAttrs hook allocates %v times, want 0", c.name, n)
		}
	}
}

func TestProgramSliceIsNotWritten(t *testing.T) {
	l := slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))
	// Spare capacity: appending in place would write into the program's
	// array.
	backing := []any{"a", 1, "b", 2}
	args := backing[:2]
	_, _, _, got := logArgs(l, tracedContext(t), slog.LevelInfo, "m", args...)
	if backing[2] != "b" || backing[3] != 2 {
		t.Errorf("the program's array was overwritten: %v", backing)
	}
	if len(got) != 6 || got[0] != "trace_id" || got[4] != "a" || got[5] != 1 {
		t.Errorf("args = %v", got)
	}
	attrBacking := []slog.Attr{slog.Int("a", 1), slog.Int("b", 2)}
	_, _, _, gotAttrs := logAttrs(l, tracedContext(t), slog.LevelInfo, "m", attrBacking[:1]...)
	if attrBacking[1].Key != "b" || len(gotAttrs) != 3 {
		t.Errorf("attrs: program's array %v, result %v", attrBacking, gotAttrs)
	}
}

func TestMalformedArgsKeepTheirMeaning(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&buf, nil))
	// A trailing key without a value is logged as !BADKEY; the trace IDs
	// must not become its value.
	logVia(l, tracedContext(t), slog.LevelInfo, "odd", "user", 42, "dangling")
	r := jsonLines(t, &buf)[0]
	if r["!BADKEY"] != "dangling" || r["trace_id"] != testTraceID || r["user"] != 42.0 {
		t.Errorf("record %v", r)
	}
}

func TestHooksAreBound(t *testing.T) {
	if logHook == nil || logAttrsHook == nil {
		t.Fatal("init did not set the log/slog hooks")
	}
}

func BenchmarkLogHookUntraced(b *testing.B) {
	l := slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		logArgs(l, ctx, slog.LevelInfo, "m", "user", 42)
	}
}

func BenchmarkLogHookTraced(b *testing.B) {
	l := slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))
	ctx := tracedContext(b)
	b.ReportAllocs()
	for b.Loop() {
		logArgs(l, ctx, slog.LevelInfo, "m", "user", 42)
	}
}

func BenchmarkLogAttrsHookTraced(b *testing.B) {
	l := slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))
	ctx := tracedContext(b)
	b.ReportAllocs()
	for b.Loop() {
		logAttrs(l, ctx, slog.LevelInfo, "m", slog.Int("user", 42))
	}
}
