// Package api has a handler outside package main that starts a goroutine
// without passing it a context.
package api

import (
	"io"
	"net/http"
	"sync"
)

// Handler returns a handler that fetches base+"/downstream?from=api" in a
// goroutine it gives no context.
func Handler(base string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp, err := http.Get(base + "/downstream?from=api"); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
		wg.Wait()
		io.WriteString(w, "api done\n")
	})
}
