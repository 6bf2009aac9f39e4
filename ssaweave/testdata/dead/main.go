// Command dead links net/http's server only from a function nothing calls:
// the server rule must be pruned.
package main

import (
	"fmt"
	"net/http"
)

func serve() error {
	return http.ListenAndServe("localhost:8080", nil)
}

func main() {
	fmt.Println("not serving")
}

var _ = serve
