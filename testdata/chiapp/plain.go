//go:build !manual

package main

import "net/http"

// serve is the program as written: no tracing code.
func serve(addr string) error {
	return http.ListenAndServe(addr, newRouter())
}
