//go:build manual

package main

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// serve instruments the engine by hand: otelhttp's handler around it, and
// a first middleware that gives the server span the gin route as
// http.route and the "{method} {route}" name.
func serve(addr string) error {
	setupSDK()
	route := func(c *gin.Context) {
		if r := c.FullPath(); r != "" {
			span := trace.SpanFromContext(c.Request.Context())
			span.SetAttributes(semconv.HTTPRoute(r))
			span.SetName(c.Request.Method + " " + r)
		}
		c.Next()
	}
	return http.ListenAndServe(addr, otelhttp.NewHandler(newEngine(route), "ginapp"))
}
