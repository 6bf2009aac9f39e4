// Command callsites calls APIs that take no context in every kind of
// statement; each call is marked with a "// case: name" comment.
package main

import (
	"context"
	"database/sql"
	"net/http"
)

var db *sql.DB

func handler(w http.ResponseWriter, r *http.Request) {
	resp, err := http.Get("http://example.com/") // case: assignment
	if err == nil {
		resp.Body.Close()
	}
	ctx := r.Context()
	if _, err := db.Exec("DELETE FROM t"); err != nil { // case: if leaves
		return
	}
	for range 3 {
		db.Ping()                                                   // case: loop
		if _, err := http.Head("http://example.com/"); err != nil { // case: loop leaves
			continue
		}
		for i := range 2 {
			if _, err := db.Query("SELECT ?", i); err != nil { // case: break leaves
				break
			}
		}
		for rows, err := db.Query("SELECT 1"); err == nil; { // case: loop header
			rows.Close()
			break
		}
		switch {
		case ctx.Err() != nil:
			http.DefaultClient.Get("http://example.com/") // case: method in switch
		}
	}
	go http.Get("http://example.com/")    // not a call site: a go statement
	defer http.Get("http://example.com/") // not a call site: deferred
	func() {
		http.Post("http://example.com/", "text/plain", nil) // case: literal
	}()
	save := func() error {
		_, err := db.Exec("INSERT INTO t VALUES (1)") // case: escaping literal
		return err
	}
	go save()
	tx := query(ctx)
	_ = tx
}

func query(ctx context.Context) *sql.Row {
	return db.QueryRow("SELECT 1") // case: return
}

func background() {
	db.Ping() // case: no context
}

func jumps(ctx context.Context) {
	i := 0
again:
	db.Ping() // case: goto
	if i++; i < 2 {
		goto again
	}
}

func main() {
	http.HandleFunc("/", handler)
	background()
	jumps(context.Background())
	http.ListenAndServe("127.0.0.1:0", nil)
}
