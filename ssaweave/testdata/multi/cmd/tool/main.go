// Command tool only fetches: nothing is woven into it, even though it is
// built with the server.
package main

import (
	"net/http"
	"os"
)

func main() {
	if _, err := http.Get("http://localhost:8080/"); err != nil {
		os.Exit(1)
	}
}
