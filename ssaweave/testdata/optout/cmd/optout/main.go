// Command optout sends HTTP requests only through an ignored file and
// opens databases only through an excluded package: neither the HTTP
// client nor database/sql is woven, only a function span of its own.
package main

import (
	"context"

	"example.com/optout/fetch"
	"example.com/optout/legacy"
)

func main() {
	code, _ := fetch.Fetch("http://127.0.0.1:1/")
	println(fetch.Status(code))
	fetch.Report(context.Background())
	legacy.Ping(context.Background(), "dsn")
}
