package rt

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"runtime/pprof"

	"go.opentelemetry.io/otel/trace"
)

// The profiler labels that carry a span context to goroutines. They name
// the trace and span in CPU and goroutine profiles too, so samples of a
// goroutine a request started can be told apart by trace.
const (
	LabelTraceID    = "otel.trace_id"
	LabelSpanID     = "otel.span_id"
	LabelTraceFlags = "otel.trace_flags"
)

func init() {
	labelsOK = checkLabelLayout()
	if !labelsOK {
		// No panic and no failure: goroutines started without a context
		// then start their own traces, as without ssaweave.
		warnOnce("the runtime/pprof label layout of this Go version is not the one ssaweave knows: goroutines started without a context will not inherit the trace context (the rest of the instrumentation is unaffected)")
	}
}

// noRestore is what GoContext returns when it changed nothing.
func noRestore() {}

// GoContext is bound to the hook of every woven go statement, which calls
// it right before the statement with the context.Context or *http.Request
// in scope there, and calls the function it returns right after. The
// goroutines started in between inherit the span context of ctx: its trace
// ID, span ID and trace flags, and nothing else. The context itself is not
// kept, so no request, value, deadline or cancellation outlives the call,
// whatever the goroutine does: what a goroutine holds is a few short
// strings, freed with the goroutine (and its own goroutines, which inherit
// them in turn).
//
// The carrier is the goroutine's profiler label set, which the runtime
// copies to each new goroutine: GoContext adds the labels LabelTraceID,
// LabelSpanID and LabelTraceFlags to the labels the calling goroutine
// already has, and restore puts the previous set back. A hook that starts
// a span with a context that has no span (a goroutine that was given none
// calls with context.Background()) takes the inherited span context as the
// parent; see [GoroutineSpanContext].
//
// With no valid span context in ctx, GoContext changes nothing. restore is
// never nil.
func GoContext(ctx any) (restore func()) {
	restore = noRestore
	defer Recover("GoContext")
	if !labelsOK {
		return restore
	}
	sc := spanContextOf(ctx)
	if !sc.IsValid() {
		return restore
	}
	prev := runtime_getProfLabel()
	var old []profLabel
	if prev != nil {
		old = (*profLabels)(prev).list
	}
	kv := make([]string, 0, 2*len(old)+6)
	for _, l := range old {
		switch l.key {
		case LabelTraceID, LabelSpanID, LabelTraceFlags:
		default:
			kv = append(kv, l.key, l.value)
		}
	}
	// Both IDs in one string: one allocation.
	tid, sid := sc.TraceID(), sc.SpanID()
	var buf [2 * (len(tid) + len(sid))]byte
	hex.Encode(buf[:], tid[:])
	hex.Encode(buf[2*len(tid):], sid[:])
	ids := string(buf[:])
	kv = append(kv, LabelTraceID, ids[:2*len(tid)], LabelSpanID, ids[2*len(tid):], LabelTraceFlags, flagsLabel(sc.TraceFlags()))
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels(kv...)))
	return func() { runtime_setProfLabel(prev) }
}

// spanContextOf returns the span context of a context.Context or of an
// *http.Request's context; the zero SpanContext for anything else, nil
// included.
func spanContextOf(ctx any) trace.SpanContext {
	switch c := ctx.(type) {
	case *http.Request:
		if c != nil {
			return trace.SpanContextFromContext(c.Context())
		}
	case context.Context:
		return trace.SpanContextFromContext(c)
	}
	return trace.SpanContext{}
}

// flagsLabel formats trace flags as two hex digits, without allocating for
// the two values in use.
func flagsLabel(f trace.TraceFlags) string {
	switch f {
	case 0:
		return "00"
	case trace.FlagsSampled:
		return "01"
	}
	return f.String()
}

// GoroutineSpanContext returns the span context the current goroutine
// inherited through [GoContext] (from the goroutine that started it, or an
// ancestor), or an invalid one. Hooks that start spans through [Tracer]
// use it already; others (log correlation) can.
func GoroutineSpanContext() trace.SpanContext {
	labels := goroutineLabels()
	if len(labels) == 0 {
		return trace.SpanContext{}
	}
	var cfg trace.SpanContextConfig
	found := 0
	for _, l := range labels {
		var err error
		switch l.key {
		case LabelTraceID:
			cfg.TraceID, err = trace.TraceIDFromHex(l.value)
		case LabelSpanID:
			cfg.SpanID, err = trace.SpanIDFromHex(l.value)
		case LabelTraceFlags:
			cfg.TraceFlags, err = parseFlags(l.value)
		default:
			continue
		}
		if err != nil {
			return trace.SpanContext{}
		}
		found++
	}
	if found != 3 {
		return trace.SpanContext{}
	}
	return trace.NewSpanContext(cfg)
}

// parseFlags parses two hex digits.
func parseFlags(s string) (trace.TraceFlags, error) {
	if len(s) != 2 {
		return 0, errBadFlags
	}
	var f byte
	for i := range 2 {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			f = f<<4 | (c - '0')
		case 'a' <= c && c <= 'f':
			f = f<<4 | (c - 'a' + 10)
		default:
			return 0, errBadFlags
		}
	}
	return trace.TraceFlags(f), nil
}

// errBadFlags is the error of parseFlags.
var errBadFlags = errors.New("rt: bad trace flags label")

// withGoroutineParent returns ctx with the span context the goroutine
// inherited as its span, when ctx has no span of its own and the span to
// be started is not a server span (a server span's parent comes from the
// request it serves, or it starts a trace). It is what makes the spans a
// goroutine's hooks start children of the span that was current where the
// goroutine was started.
func withGoroutineParent(ctx context.Context, opts []trace.SpanStartOption) context.Context {
	if ctx == nil || !labelsOK || runtime_getProfLabel() == nil {
		return ctx
	}
	if trace.SpanContextFromContext(ctx).IsValid() {
		return ctx
	}
	sc := GoroutineSpanContext()
	if !sc.IsValid() {
		return ctx
	}
	if cfg := trace.NewSpanStartConfig(opts...); cfg.SpanKind() == trace.SpanKindServer {
		return ctx
	}
	return trace.ContextWithSpanContext(ctx, sc)
}
