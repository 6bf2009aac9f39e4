//go:build !manual

package main

import "net/http"

// instrument is the identity: the plain program has no tracing code.
func instrument(h http.Handler) http.Handler { return h }
