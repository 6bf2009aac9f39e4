package rt

import (
	"context"
	"net/http"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// TestLabelLayout fails when runtime/pprof's label set no longer has the
// layout profLabels mirrors (a new Go release changed it): goroutines would
// then silently inherit nothing. Update profLabels and checkLabelLayout for
// the new layout.
func TestLabelLayout(t *testing.T) {
	if !labelsOK {
		t.Fatalf("checkLabelLayout failed on %s: the runtime/pprof label layout changed", runtime.Version())
	}
	// Read any label set back, as pprof itself sees it.
	ctx := pprof.WithLabels(context.Background(), pprof.Labels("zeta", "1", "alpha", "2", "mid", ""))
	ctx = pprof.WithLabels(ctx, pprof.Labels("alpha", "3", "beta", "4"))
	var want []profLabel
	pprof.ForLabels(ctx, func(k, v string) bool {
		want = append(want, profLabel{k, v})
		return true
	})
	done := make(chan []profLabel)
	go func() {
		pprof.SetGoroutineLabels(ctx)
		done <- slices.Clone(goroutineLabels())
	}()
	if got := <-done; !slices.Equal(got, want) {
		t.Errorf("labels read back = %v, want %v", got, want)
	}
	if got := goroutineLabels(); got != nil {
		t.Errorf("the test goroutine has labels %v", got)
	}
}

// tracing installs a recording provider as the global one for the test and
// returns the recorder and a span started under it.
func tracing(t *testing.T) (*tracetest.SpanRecorder, context.Context, trace.Span) {
	t.Helper()
	keepGlobals(t)
	rec := tracetest.NewSpanRecorder()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	ctx, span := Tracer("test").Start(context.Background(), "request", trace.WithSpanKind(trace.SpanKindServer))
	return rec, ctx, span
}

// startSpan starts and ends a span named name with kind, from
// context.Background(), as a hook in a goroutine that was given no context
// does, and returns its context.
func startSpan(name string, kind trace.SpanKind) trace.SpanContext {
	_, span := Tracer("test").Start(context.Background(), name, trace.WithSpanKind(kind))
	span.End()
	return span.SpanContext()
}

// parents maps the names of the ended spans to their parents' span IDs.
func parents(rec *tracetest.SpanRecorder) map[string]trace.SpanContext {
	m := map[string]trace.SpanContext{}
	for _, s := range rec.Ended() {
		m[s.Name()] = s.Parent()
	}
	return m
}

func TestGoContextInheritance(t *testing.T) {
	rec, ctx, request := tracing(t)

	// The caller has labels of its own: they stay, for it and the child.
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("user", "u1")))
	defer pprof.SetGoroutineLabels(context.Background())
	before := runtime_getProfLabel()

	var wg sync.WaitGroup
	var childLabels []profLabel
	wg.Add(1)
	restore := GoContext(ctx)
	go func() {
		defer wg.Done()
		childLabels = slices.Clone(goroutineLabels())
		startSpan("child", trace.SpanKindClient)
		wg.Add(1)
		go func() { // a grandchild, started without GoContext
			defer wg.Done()
			startSpan("grandchild", trace.SpanKindInternal)
			startSpan("server in grandchild", trace.SpanKindServer)
		}()
		// A parent in the context wins over the inherited one.
		pctx, own := Tracer("test").Start(context.Background(), "own parent")
		_, span := Tracer("test").Start(pctx, "under own parent")
		span.End()
		own.End()
	}()
	restore()
	if after := runtime_getProfLabel(); after != before {
		t.Errorf("restore left the goroutine's labels changed")
	}
	wg.Add(1)
	go func() { // started after restore: inherits nothing
		defer wg.Done()
		startSpan("after restore", trace.SpanKindClient)
	}()
	wg.Wait()
	request.End()

	got := parents(rec)
	rid := request.SpanContext()
	for _, name := range []string{"child", "grandchild", "own parent"} {
		if p := got[name]; p.SpanID() != rid.SpanID() || p.TraceID() != rid.TraceID() || p.IsRemote() {
			t.Errorf("%s: parent %v, want the request span %v, local", name, p, rid)
		}
	}
	if p := got["under own parent"]; p.SpanID() == rid.SpanID() {
		t.Errorf("a span with a parent in its context was parented to the goroutine's")
	}
	for _, name := range []string{"server in grandchild", "after restore"} {
		if p := got[name]; p.IsValid() {
			t.Errorf("%s: parent %v, want none", name, p)
		}
	}
	want := []profLabel{
		{LabelSpanID, rid.SpanID().String()},
		{LabelTraceFlags, "01"},
		{LabelTraceID, rid.TraceID().String()},
		{"user", "u1"},
	}
	if !slices.Equal(childLabels, want) {
		t.Errorf("child labels = %v, want %v", childLabels, want)
	}
}

func TestGoContextArguments(t *testing.T) {
	rec, ctx, request := tracing(t)
	req, err := http.NewRequestWithContext(ctx, "GET", "http://example.com/", nil)
	if err != nil {
		t.Fatal(err)
	}
	// An unsampled span context travels with its flags: the child is not
	// sampled either, rather than starting a sampled trace of its own.
	unsampled := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2},
	}))
	var nilReq *http.Request
	panics := HookPanics()
	for _, tc := range []struct {
		name    string
		ctx     any
		inherit trace.SpanContext
	}{
		{"request", req, request.SpanContext()},
		{"context", ctx, request.SpanContext()},
		{"unsampled", unsampled, trace.SpanContextFromContext(unsampled)},
		{"no span", context.Background(), trace.SpanContext{}},
		{"nil request", nilReq, trace.SpanContext{}},
		{"nil", nil, trace.SpanContext{}},
		{"other", 42, trace.SpanContext{}},
	} {
		done := make(chan trace.SpanContext)
		restore := GoContext(tc.ctx)
		if restore == nil {
			t.Fatalf("%s: restore is nil", tc.name)
		}
		go func() { done <- GoroutineSpanContext() }()
		restore()
		if got := <-done; !got.Equal(tc.inherit) {
			t.Errorf("%s: inherited %v, want %v", tc.name, got, tc.inherit)
		}
	}
	if n := HookPanics() - panics; n != 0 {
		t.Errorf("%d hook panics", n)
	}

	done := make(chan struct{})
	restore := GoContext(unsampled)
	go func() {
		defer close(done)
		startSpan("unsampled child", trace.SpanKindClient)
	}()
	restore()
	<-done
	request.End()
	if _, recorded := parents(rec)["unsampled child"]; recorded {
		t.Error("the child of an unsampled span was sampled")
	}
}

// TestGoContextReleasesContext checks what bounds memory: the context given
// to GoContext is not kept, even while the goroutines it started run, and
// goroutines that ended leave nothing behind.
func TestGoContextReleasesContext(t *testing.T) {
	_, ctx, request := tracing(t)
	defer request.End()

	// A context holding a large value, as a request's can.
	type bigKey struct{}
	collected := make(chan struct{})
	release := make(chan struct{})
	var running sync.WaitGroup
	func() {
		v := make([]byte, 1<<20)
		runtime.AddCleanup(&v[0], func(ch chan struct{}) { close(ch) }, collected)
		vctx := context.WithValue(ctx, bigKey{}, v)
		for range 10 {
			running.Add(1)
			restore := GoContext(vctx)
			go func() {
				defer running.Done()
				<-release
			}()
			restore()
		}
	}()
	deadline := time.Now().Add(2 * time.Second)
	gone := false
	for !gone && time.Now().Before(deadline) {
		runtime.GC()
		select {
		case <-collected:
			gone = true
		case <-time.After(10 * time.Millisecond):
		}
	}
	if !gone {
		t.Error("the context's value was not collected while the goroutines it started run")
	}
	close(release)
	running.Wait()

	// Heap after many goroutines: not more than a small bound above the
	// heap after a few, whatever their number. They run in batches of
	// 100, as a server's requests would: the runtime keeps the largest
	// number of goroutines that ever ran at once (it reuses their
	// descriptors), and that must not be what is measured.
	run := func(n int) {
		for range n / 100 {
			var wg sync.WaitGroup
			for range 100 {
				wg.Add(1)
				restore := GoContext(ctx)
				go func() {
					defer wg.Done()
					if !GoroutineSpanContext().IsValid() {
						t.Error("no inherited span context")
					}
				}()
				restore()
			}
			wg.Wait()
		}
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	run(1000)
	base := heap()
	const n = 100_000
	run(n)
	after := heap()
	const bound = 1 << 20 // a leak of 16 bytes per goroutine would exceed it
	if after > base+bound {
		t.Errorf("heap grew by %d bytes after %d goroutines (%d per goroutine), bound %d", after-base, n, (after-base)/n, bound)
	}
	t.Logf("heap: %d bytes after 1000 goroutines, %d after %d more", base, after, n)
}

// benchProvider installs an SDK provider for a benchmark.
func benchProvider(b *testing.B) {
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider())
	b.Cleanup(func() { otel.SetTracerProvider(prev) })
}

func BenchmarkGoContext(b *testing.B) {
	benchProvider(b)
	ctx, span := Tracer("bench").Start(context.Background(), "request")
	defer span.End()
	b.ReportAllocs()
	for b.Loop() {
		GoContext(ctx)()
	}
}

func BenchmarkInheritedSpanStart(b *testing.B) {
	benchProvider(b)
	ctx, span := Tracer("bench").Start(context.Background(), "request")
	defer span.End()
	restore := GoContext(ctx)
	defer restore()
	tracer := Tracer("bench")
	b.ReportAllocs()
	for b.Loop() {
		_, s := tracer.Start(context.Background(), "child", trace.WithSpanKind(trace.SpanKindClient))
		s.End()
	}
}
