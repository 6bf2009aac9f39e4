// Command deadhttp links net/http and database/sql but neither sends nor
// serves a request nor opens a database: its server, client and SQL code
// sit on paths that nothing calls, so ssaweave weaves nothing and links
// nothing. One of them is dead only to a call graph that follows values:
// a notifier that posts to a webhook becomes an interface value (it is
// printed) but is never the one notify is called on, which RTA cannot
// tell and VTA can.
package main

import (
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// notifier sends a message somewhere.
type notifier interface{ notify(msg string) error }

// webhook posts messages to a URL.
type webhook struct{ url string }

func (w webhook) notify(msg string) error {
	resp, err := http.Post(w.url, "text/plain", strings.NewReader(msg))
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func (w webhook) String() string { return "webhook " + w.url }

// console prints messages.
type console struct{}

func (console) notify(msg string) error {
	_, err := fmt.Println(msg)
	return err
}

func main() {
	var n notifier = console{}
	fmt.Println("also available:", webhook{url: os.Getenv("WEBHOOK")})
	for _, arg := range os.Args[1:] {
		n.notify(http.CanonicalHeaderKey(arg))
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

// store is dead code as well.
func store(dsn, key string) error {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec("insert into keys values (?)", key)
	return err
}
