//go:build otelgin

package main

import (
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
)

// serve instruments the engine with the contrib otelgin middleware.
func serve(addr string) error {
	setupSDK()
	return http.ListenAndServe(addr, newEngine(otelgin.Middleware("")))
}
