//go:build !manual && !otelgin

package main

import "net/http"

// serve is the program as written: no tracing code.
func serve(addr string) error {
	return http.ListenAndServe(addr, newEngine())
}
