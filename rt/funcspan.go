package rt

import (
	"context"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// funcSpanScope is the instrumentation scope of function spans: they are
// made by rt itself, not by a contrib instrumentation library.
const funcSpanScope = "github.com/ssaweave/ssaweave/rt"

// funcTracer starts function spans. It is rt's dynamic tracer, so the
// spans go to whatever provider is global when the function is called.
var funcTracer = Tracer(funcSpanScope, trace.WithSchemaURL(semconv.SchemaURL))

// funcSpanOptions are the start options of every function span, built once
// so that starting a span does not allocate them.
var funcSpanOptions = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindInternal)}

// FuncSpan starts the span of a function marked with //ssaweave:span. The
// build backend binds it to a hook variable of the function's package (see
// ssaweave.BindFuncSpan, whose type FuncSpan has exactly) and calls it on
// entry to the function:
//
//   - parent is the function's context.Context argument, its *http.Request
//     argument, or nil when it has neither. The span is an INTERNAL span,
//     a child of the span in the context (the request's context), or a
//     root span.
//   - ctx is the value the function goes on with: for a context, the
//     context carrying the new span; for a request, a shallow copy of it
//     carrying that context (r.WithContext); otherwise parent itself.
//   - end ends the span; the function defers it with a pointer to the
//     error it returns (nil when it returns none), which is recorded when
//     it is not nil: an exception event, error.type and the Error status
//     with the error's message.
//
// When no span is recorded (tracing is off, or the sampler dropped the
// span), FuncSpan returns parent unchanged and a nil end, and the
// function defers nothing: so the children of the function are parented
// to the function's own parent, which is what a backend shows anyway, and
// the function pays no allocation beyond what the SDK's sampling decision
// costs. The woven call checks end for nil.
//
// The span is named name, the name the //ssaweave:span directive gives (by
// default the function's name as the plan writes it). Its attributes
// follow the semantic conventions for code: code.function.name is the
// function's fully qualified name as the Go runtime writes it
// (example.com/store.(*Store).Get), code.file.path and code.line.number
// its declaration. They are read from the caller's frame, which the woven
// call positions at the function's declaration, once per function.
//
// A panic in FuncSpan or in end is reported (see [Recover]) and does not
// reach the program; FuncSpan then returns parent unchanged and a nil end.
func FuncSpan(parent any, name string) (ctx any, end func(err *error)) {
	// The results are set before anything can panic, so that a recovered
	// panic returns them.
	ctx = parent
	// Checked before deferring Recover, which would cost more than the
	// check: Active cannot panic (it compares the global provider with a
	// pointer, whose type is comparable).
	if !Active() {
		return parent, nil
	}
	defer Recover("FuncSpan")
	var (
		pctx  context.Context
		req   *http.Request
		isCtx bool
	)
	switch p := parent.(type) {
	case context.Context:
		pctx, isCtx = p, true
	case *http.Request:
		if p != nil {
			req, pctx = p, p.Context()
		}
	}
	if pctx == nil {
		pctx = context.Background()
	}
	sctx, span := funcTracer.Start(pctx, name, funcSpanOptions...)
	if !span.IsRecording() {
		return parent, nil
	}
	// Callers: skip runtime.Callers and FuncSpan; the next frame is the
	// woven function, which calls FuncSpan through a function value, so
	// FuncSpan is never inlined into it.
	var pc [1]uintptr
	if runtime.Callers(2, pc[:]) == 1 {
		span.SetAttributes(codeAttributes(pc[0])...)
	}
	end = func(err *error) {
		defer Recover("FuncSpan.end")
		// Deferred, so that the span ends even if the error's Error
		// method panics.
		defer span.End()
		if err != nil && *err != nil {
			e := *err
			span.RecordError(e)
			span.SetStatus(codes.Error, e.Error())
			span.SetAttributes(semconv.ErrorType(e))
		}
	}
	switch {
	case req != nil:
		return req.WithContext(sctx), end
	case isCtx:
		return sctx, end
	}
	// No parent: the function has no context to carry the span on.
	return parent, end
}

// codeAttrs caches the code attributes of each woven function by the
// program counter of its call to FuncSpan: there are as many entries as
// woven functions that ran. The map is copied on write, since it is read
// on every recorded call and written once per function; a sync.Map would
// allocate to box every uintptr key it is asked for.
var (
	codeAttrs   atomic.Pointer[map[uintptr][]attribute.KeyValue]
	codeAttrsMu sync.Mutex // serialises writers
)

// codeAttributes returns the code attributes of the function whose call
// to FuncSpan is at pc.
func codeAttributes(pc uintptr) []attribute.KeyValue {
	if m := codeAttrs.Load(); m != nil {
		if attrs, ok := (*m)[pc]; ok {
			return attrs
		}
	}
	frame, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	attrs := []attribute.KeyValue{
		semconv.CodeFunctionName(frame.Function),
		semconv.CodeFilePath(frame.File),
		semconv.CodeLineNumber(frame.Line),
	}
	codeAttrsMu.Lock()
	defer codeAttrsMu.Unlock()
	next := map[uintptr][]attribute.KeyValue{pc: attrs}
	if m := codeAttrs.Load(); m != nil {
		for k, v := range *m {
			next[k] = v
		}
	}
	codeAttrs.Store(&next)
	return attrs
}
