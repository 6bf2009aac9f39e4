package nethttp

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
	_ "unsafe" // for go:linkname

	"github.com/ssaweave/ssaweave/rt"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// clientHookName names the client hook in panic reports.
const clientHookName = "net/http.send"

// sendHook is called by a woven net/http on entry to send, the unexported
// function through which every http.Client (http.Get and the other
// package-level helpers included) hands each request, redirects included,
// to its RoundTripper. It returns the arguments send goes on with. The
// backend declares the variable in net/http; when net/http is not woven it
// is never read.
//
//go:linkname sendHook net/http.ssaweaveHook_send
var sendHook func(ireq *http.Request, rt http.RoundTripper, deadline time.Time) (*http.Request, http.RoundTripper, time.Time)

func init() {
	sendHook = send
}

// clientTransport is otelhttp's client instrumentation, built once, on
// first use, and shared by every request of the process. Building one
// resolves options and creates metric instruments (19 allocations and
// about 1.4µs, under the global MeterProvider's lock), which must not
// happen per request; keeping one per RoundTripper would need a cache that
// holds every RoundTripper the program ever used, and RoundTrippers need
// not even be comparable. Its base is [dispatch], which finds each
// request's own RoundTripper in the request's context (see [clientCall]).
// Built lazily so that a program that only serves HTTP creates no client
// instruments. Tracer and propagator are rt's dynamic ones, so spans follow
// whatever provider is global at the time of each request.
var clientTransport = sync.OnceValue(func() *otelhttp.Transport {
	return otelhttp.NewTransport(dispatch{},
		otelhttp.WithTracerProvider(rt.TracerProvider()),
		otelhttp.WithPropagators(rt.Propagator()),
	)
})

// send is the hook. It returns a copy of the request whose context carries
// a [clientCall], and the [instrumented] RoundTripper in place of base, so
// that send hands the request to otelhttp, which starts a client span (a
// child of the span in the request's context, if any), injects the trace
// context into the outgoing headers and passes the request on to base.
// The arguments come back unchanged when nothing can record spans, when
// base is nil (send then fails as it would without ssaweave), when base
// already is otelhttp's Transport (the program instruments this client
// itself, and a second span would duplicate the first), and when the hook
// panics. The deadline is left to send: it still sets the request's
// deadline and reports Client.Timeout errors as it would.
func send(ireq *http.Request, base http.RoundTripper, deadline time.Time) (req *http.Request, rtr http.RoundTripper, dl time.Time) {
	// The results are the arguments until the very end: if anything
	// panics, Recover stops it and send goes on uninstrumented.
	req, rtr, dl = ireq, base, deadline
	defer rt.Recover(clientHookName)
	if ireq == nil || base == nil || !rt.Active() {
		return
	}
	if _, ok := base.(*otelhttp.Transport); ok {
		return
	}
	transport := clientTransport()
	c := &clientCall{Context: ireq.Context(), base: base}
	req, rtr = ireq.WithContext(c), instrumented{transport}
	return
}

// How far a request has got through the client instrumentation; this tells
// a panic of the instrumentation from one of the program's RoundTripper.
const (
	beforeBase phase = iota // otelhttp has not called the RoundTripper yet
	inBase                  // the RoundTripper is running (or panicked)
	afterBase               // the RoundTripper returned
)

// clientCall is the context of one request that the hook instrumented: its
// parent is the request's own context and it carries the request's real
// RoundTripper to [dispatch]. Being its own context type, it costs one
// allocation for what context.WithValue plus a state struct would take
// two; context.WithDeadline and WithCancel still find the parent's
// cancellation through it, as they look that up with Value.
type clientCall struct {
	context.Context
	base  http.RoundTripper
	phase phase
	// resp and err are what base returned, kept until RoundTrip returns in
	// case otelhttp fails afterwards.
	resp *http.Response
	err  error
}

// callKey is the context key under which a call finds itself.
type callKey struct{}

// Value implements context.Context.
func (c *clientCall) Value(key any) any {
	if key == (callKey{}) {
		return c
	}
	return c.Context.Value(key)
}

// callOf returns the call in ctx, or nil.
func callOf(ctx context.Context) *clientCall {
	c, _ := ctx.Value(callKey{}).(*clientCall)
	return c
}

// instrumented is the RoundTripper the hook substitutes: it sends each
// request through the shared otelhttp Transport. A panic of the
// instrumentation is recovered and reported; the request then goes to the
// real RoundTripper directly if it had not reached it yet, and the real
// RoundTripper's response is returned if it had. Panics of the program's
// own RoundTripper are left alone.
type instrumented struct{ transport *otelhttp.Transport }

// RoundTrip implements http.RoundTripper.
func (in instrumented) RoundTrip(r *http.Request) (resp *http.Response, err error) {
	c := callOf(r.Context())
	if c == nil {
		// Only the hook hands this type to send, always with a call;
		// stay correct even so.
		return http.DefaultTransport.RoundTrip(r)
	}
	c.phase = beforeBase
	defer func() {
		if c.phase == inBase {
			// The program's RoundTripper panicked (or called
			// runtime.Goexit): not calling recover lets it go on.
			return
		}
		if v := recover(); v != nil {
			rt.ReportPanic(clientHookName, v)
			if c.phase == beforeBase {
				resp, err = c.base.RoundTrip(r)
			} else {
				resp, err = c.resp, c.err
			}
		}
		c.resp, c.err = nil, nil
	}()
	return in.transport.RoundTrip(r)
}

// dispatch is the base of the shared otelhttp Transport: it passes each
// request, which otelhttp has cloned with the span in its context and the
// trace context in its headers, to the RoundTripper the request's send was
// given.
type dispatch struct{}

// RoundTrip implements http.RoundTripper.
func (dispatch) RoundTrip(r *http.Request) (*http.Response, error) {
	c := callOf(r.Context())
	if c == nil {
		return http.DefaultTransport.RoundTrip(r)
	}
	c.phase = inBase
	resp, err := c.base.RoundTrip(r)
	c.phase = afterBase
	if err == nil {
		// otelhttp makes the same checks as send, but would name this
		// type in its messages instead of the program's RoundTripper.
		switch {
		case resp == nil:
			err = fmt.Errorf("http: RoundTripper implementation (%T) returned a nil *Response with a nil error", c.base)
		case resp.Body == nil && resp.ContentLength > 0 && r.Method != http.MethodHead:
			resp, err = nil, fmt.Errorf("http: RoundTripper implementation (%T) returned a *Response with content length %d but a nil Body", c.base, resp.ContentLength)
		}
	}
	c.resp, c.err = resp, err
	return resp, err
}
