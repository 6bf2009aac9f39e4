// Package store is the body of the per-call benchmarks: one lookup written
// three times, identical but for tracing. Find has a //ssaweave:span
// directive, so ssaweave weaves a function span into it; FindPlain is never
// woven (the baseline); FindManual makes the same span as the woven Find
// by hand with the OpenTelemetry API, as a program instrumented by hand
// would.
package store

import (
	"context"
	"errors"

	"reflect"
	"runtime"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// ErrNotFound is returned for an unknown id.
var ErrNotFound = errors.New("not found")

// users is a fixed table.
var users = map[string]string{"42": "Ada", "7": "Grace"}

// Find returns the name of the user with the given id.
//
//ssaweave:span store.Find
func Find(ctx context.Context, id string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if name, ok := users[id]; ok {
		return name, nil
	}
	return "", ErrNotFound
}

// FindPlain is Find without a span.
func FindPlain(ctx context.Context, id string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if name, ok := users[id]; ok {
		return name, nil
	}
	return "", ErrNotFound
}

// tracer is the tracer of the hand-written span, taken once from the
// global provider, as instrumented libraries do.
var tracer = otel.Tracer("example.com/bench/internal/store")

// manualStart are the start options of FindManual's span, built once: the
// kind and the code attributes ssaweave gives a function span
// (code.function.name, code.file.path, code.line.number), so that the
// hand-written span is the same span as the woven one.
var manualStart []trace.SpanStartOption

func init() {
	f := runtime.FuncForPC(reflect.ValueOf(FindManual).Pointer())
	file, line := f.FileLine(f.Entry())
	manualStart = []trace.SpanStartOption{
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(
			semconv.CodeFunctionName(f.Name()),
			semconv.CodeFilePath(file),
			semconv.CodeLineNumber(line),
		),
	}
}

// FindManual is Find with its span written by hand: the span ssaweave
// weaves into Find (name, kind, code attributes, and the error recorded as
// an exception event, the Error status and error.type), started from the
// context and ended on return.
func FindManual(ctx context.Context, id string) (name string, err error) {
	ctx, span := tracer.Start(ctx, "store.Find", manualStart...)
	defer func() {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
			span.SetAttributes(semconv.ErrorType(err))
		}
		span.End()
	}()
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if name, ok := users[id]; ok {
		return name, nil
	}
	return "", ErrNotFound
}
