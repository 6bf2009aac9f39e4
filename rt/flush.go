package rt

import (
	"context"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// flusher is what rt needs of a provider the program installed itself: the
// SDK's TracerProvider and most wrappers around it have this method.
type flusher interface {
	ForceFlush(context.Context) error
}

// shutdown flushes the program's own provider and flushes and shuts down
// rt's, for a process that is about to end. The work runs at most once;
// every caller (main returning, os.Exit, both at once from different
// goroutines) waits for it, but never longer than the flush bound: the
// work runs on its own goroutine precisely so that an exporter that ignores
// its context cannot hold the program past the bound.
func (s *setup) shutdown() {
	deadline := time.Now().Add(s.flushTimeout)
	s.shutdownOnce.Do(func() {
		s.shutdownDone = make(chan struct{})
		go func() {
			defer close(s.shutdownDone)
			defer Recover("shutdown")
			ctx, cancel := context.WithDeadline(context.Background(), deadline)
			defer cancel()
			s.spans.flushStarts()
			s.flushProgramProvider(ctx)
			if s.provider != nil {
				// Export errors were already reported by the SDK through
				// otel.Handle, and are counted for the report below.
				_ = s.provider.Shutdown(ctx)
				s.spans.flushEnds(ctx)
			}
		}()
	})
	finished := waitUntil(s.shutdownDone, deadline, "shutting down")
	s.spans.report(finished, s.flushTimeout)
}

// flush exports every finished span without shutting anything down, for a
// process that may go on (a signal that the program turns out to handle
// too). It waits at most the flush bound.
func (s *setup) flush() {
	deadline := time.Now().Add(s.flushTimeout)
	waitUntil(s.flushAsync(deadline), deadline, "flushing")
}

// flushAsync starts flushing the program's provider and rt's on a new
// goroutine and returns a channel closed when both are done.
func (s *setup) flushAsync(deadline time.Time) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer Recover("flush")
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		defer cancel()
		s.spans.flushStarts()
		s.flushProgramProvider(ctx)
		if s.provider != nil {
			_ = s.provider.ForceFlush(ctx)
			s.spans.flushEnds(ctx)
		}
	}()
	return done
}

// flushProgramProvider flushes the global provider when the program
// installed one of its own that can be flushed. rt only flushes it: the
// program owns it and may still be using it.
func (s *setup) flushProgramProvider(ctx context.Context) {
	tp := otel.GetTracerProvider()
	if sdk, ok := tp.(*sdktrace.TracerProvider); ok && sdk == s.provider {
		return
	}
	if f, ok := tp.(flusher); ok {
		_ = f.ForceFlush(ctx)
	}
}

// waitUntil waits for done, giving up at deadline with a warning. It
// reports whether done was closed in time.
func waitUntil(done <-chan struct{}, deadline time.Time, what string) bool {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		warnOnce("gave up %s spans after the flush timeout: the exporter did not finish in time (the bound is OTEL_BSP_EXPORT_TIMEOUT, 5s by default)", what)
		return false
	}
}
