// Command control takes the excluded paths of cmd/optout and also sends a
// request and opens a database itself: the client and database rules are
// woven, along its own paths.
package main

import (
	"context"
	"database/sql"
	"net/http"

	"example.com/optout/fetch"
	"example.com/optout/legacy"
)

func main() {
	ctx := context.Background()
	fetch.Fetch("http://127.0.0.1:1/")
	fetch.Head(ctx, "http://127.0.0.1:1/")
	legacy.Ping(ctx, "dsn")
	if req, err := http.NewRequestWithContext(ctx, "GET", "http://127.0.0.1:1/", nil); err == nil {
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	if db, err := sql.Open("control", "dsn"); err == nil {
		db.PingContext(ctx)
		db.Close()
	}
}
