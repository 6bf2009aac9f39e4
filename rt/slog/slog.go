// Package slog correlates log/slog records with traces: a record logged
// with a context that carries a valid span context gets the attributes
// trace_id and span_id, the span's IDs in lowercase hex.
//
// The names are those of the OpenTelemetry specification for trace context
// in non-OTLP log formats ("Trace Context in non-OTLP Log Formats": trace_id,
// span_id, lowercase hex, as top-level fields of JSON logs), which is what
// log pipelines and backends look for to link a log line to its trace.
// trace_flags, optional there, is left out: the sampled flag says nothing
// about which trace a line belongs to.
//
// A woven log/slog calls the hooks bound here on entry to (*Logger).log and
// (*Logger).logAttrs, the two methods through which every Logger method and
// package-level function (Info, InfoContext, Log, LogAttrs, ...) builds its
// record. The hooks replace the arguments without adding a stack frame, so
// the record's source location (AddSource) is still the program's call.
//
// The package is linked into a program by a blank import in the file the
// backend generates; it has no API.
package slog

import (
	"context"
	"encoding/hex"
	"log/slog"
	_ "unsafe" // for go:linkname

	"github.com/ssaweave/ssaweave/rt"
	"go.opentelemetry.io/otel/trace"
)

// The attribute keys, as the OpenTelemetry specification names them.
const (
	traceIDKey = "trace_id"
	spanIDKey  = "span_id"
)

// Hook names in panic reports.
const (
	logHookName      = "log/slog.Logger.log"
	logAttrsHookName = "log/slog.Logger.logAttrs"
)

// logHook is called by a woven (*slog.Logger).log with its receiver and
// arguments, and returns the arguments the method goes on with. The
// backend declares the variable in log/slog; when log/slog is not woven it
// is never read.
//
//go:linkname logHook log/slog.ssaweaveHook_Logger_log
var logHook func(l *slog.Logger, ctx context.Context, level slog.Level, msg string, args ...any) (context.Context, slog.Level, string, []any)

// logAttrsHook is logHook's counterpart for (*slog.Logger).logAttrs.
//
//go:linkname logAttrsHook log/slog.ssaweaveHook_Logger_logAttrs
var logAttrsHook func(l *slog.Logger, ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) (context.Context, slog.Level, string, []slog.Attr)

func init() {
	logHook = logArgs
	logAttrsHook = logAttrs
}

// traced returns the span context of ctx if the record about to be logged
// with it should carry trace IDs: ctx has a valid span context and l is
// enabled for level. The checks are ordered so that an untraced context
// costs a context lookup, and a disabled level (l.Enabled, which log
// itself calls again next) is only asked about when there is something to
// add; neither allocates.
func traced(l *slog.Logger, ctx context.Context, level slog.Level) (trace.SpanContext, bool) {
	if ctx == nil || l == nil {
		// log replaces a nil context with context.Background, which
		// carries no span; a nil Logger fails in log as it would without
		// the hook.
		return trace.SpanContext{}, false
	}
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() || !l.Enabled(ctx, level) {
		return trace.SpanContext{}, false
	}
	return sc, true
}

// ids returns the trace and span IDs of sc in lowercase hex, both cut from
// one string so that they cost one allocation.
func ids(sc trace.SpanContext) (traceID, spanID string) {
	tid, sid := sc.TraceID(), sc.SpanID()
	var buf [2*len(tid) + 2*len(sid)]byte
	hex.Encode(buf[:2*len(tid)], tid[:])
	hex.Encode(buf[2*len(tid):], sid[:])
	s := string(buf[:])
	return s[:2*len(tid)], s[2*len(tid):]
}

// logArgs is the hook of (*slog.Logger).log. The trace IDs go first, as
// key-value pairs: placed after the program's arguments, they would be
// taken as the value of a trailing key that has none. args is never
// written to, as its array may be the program's (a call with args...).
func logArgs(l *slog.Logger, ctx context.Context, level slog.Level, msg string, args ...any) (rctx context.Context, rlevel slog.Level, rmsg string, rargs []any) {
	rctx, rlevel, rmsg, rargs = ctx, level, msg, args
	defer rt.Recover(logHookName)
	sc, ok := traced(l, ctx, level)
	if !ok {
		return
	}
	traceID, spanID := ids(sc)
	out := make([]any, 0, len(args)+4)
	out = append(out, traceIDKey, traceID, spanIDKey, spanID)
	rargs = append(out, args...)
	return
}

// logAttrs is the hook of (*slog.Logger).logAttrs: the same as logArgs,
// with attributes.
func logAttrs(l *slog.Logger, ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) (rctx context.Context, rlevel slog.Level, rmsg string, rattrs []slog.Attr) {
	rctx, rlevel, rmsg, rattrs = ctx, level, msg, attrs
	defer rt.Recover(logAttrsHookName)
	sc, ok := traced(l, ctx, level)
	if !ok {
		return
	}
	traceID, spanID := ids(sc)
	out := make([]slog.Attr, 0, len(attrs)+2)
	out = append(out, slog.String(traceIDKey, traceID), slog.String(spanIDKey, spanID))
	rattrs = append(out, attrs...)
	return
}
