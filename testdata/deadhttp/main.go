// Command deadhttp links net/http but neither sends nor serves a request:
// its server and its client sit on paths that nothing calls, so ssaweave
// weaves nothing and links nothing.
package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	for _, arg := range os.Args[1:] {
		fmt.Println(http.CanonicalHeaderKey(arg))
	}
}

// serve is dead code: nothing calls it.
func serve() {
	http.ListenAndServe(":8080", nil)
}

// fetch is dead code too.
func fetch(url string) (*http.Response, error) {
	return http.Get(url)
}
