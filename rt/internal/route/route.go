// Package route carries the route template a router matched (gin, chi) to
// the server span that the net/http server hook made for the request, and
// names that span as the HTTP semantic conventions say: "{method} {route}".
//
// The channel is the otelhttp [otelhttp.Labeler] that otelhttp's server
// handler puts in every request context: it exists already (no allocation
// per request), it is found from any context derived from the request's,
// and it belongs to the server span's level whatever spans middleware
// started in between, so a router hook cannot tag the wrong span. otelhttp
// documents it for exactly this (handlers adding attributes such as
// http.route to the server's metrics); the server hook additionally reads
// it back when the handler returns and puts the route on its span.
package route

import (
	"context"
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// Labeler returns the otelhttp server Labeler of ctx, or nil when the
// request is not served inside otelhttp's server handler (a router hook then
// has nothing to report to).
func Labeler(ctx context.Context) *otelhttp.Labeler {
	if l, ok := otelhttp.LabelerFromContext(ctx); ok {
		return l
	}
	return nil
}

// Record reports route as the request's http.route. Routers that nest (a
// chi sub-router, gin's HandleContext) may report more than once: the last
// report wins, and a report equal to the last one is dropped so that the
// server's metrics get the attribute once.
func Record(l *otelhttp.Labeler, route string) {
	if l == nil || route == "" {
		return
	}
	if last(l.Get()) == route {
		return
	}
	l.Add(semconv.HTTPRoute(route))
}

// Of returns the http.route last recorded in the Labeler of ctx, or "".
func Of(ctx context.Context) string {
	if l := Labeler(ctx); l != nil {
		return last(l.Get())
	}
	return ""
}

// last returns the value of the last http.route in attrs, or "".
func last(attrs []attribute.KeyValue) string {
	for i := len(attrs) - 1; i >= 0; i-- {
		if attrs[i].Key == semconv.HTTPRouteKey {
			return attrs[i].Value.AsString()
		}
	}
	return ""
}

// SpanName returns the name the HTTP semantic conventions give a server
// span: "{method} {route}", or "{method}" alone without a route, where a
// method the conventions do not know is "HTTP". It is otelhttp's own rule
// (which otelhttp applies to ServeMux patterns only), so spans named here
// and spans named by otelhttp agree.
func SpanName(method, route string) string {
	method = strings.ToUpper(method)
	switch method {
	case http.MethodConnect, http.MethodDelete, http.MethodGet, http.MethodHead,
		http.MethodOptions, http.MethodPatch, http.MethodPost, http.MethodPut,
		http.MethodTrace:
	default:
		method = "HTTP"
	}
	if route == "" {
		return method
	}
	return method + " " + route
}
