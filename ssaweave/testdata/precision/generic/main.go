// Command generic calls through generic code: a generic function whose
// instantiation with an HTTP client is called, so that the client is
// reachable through the instantiation, and a generic map function that
// calls its function argument, given a pure function while a closure that
// queries a database exists unused.
package main

import (
	"database/sql"
	"fmt"
	"net/http"
	"os"
)

// Getter gets a URL.
type Getter interface {
	Get(url string) (*http.Response, error)
}

// fetchAll gets every url with g.
func fetchAll[G Getter](g G, urls []string) int {
	n := 0
	for _, u := range urls {
		if resp, err := g.Get(u); err == nil {
			resp.Body.Close()
			n++
		}
	}
	return n
}

// mapAll returns f applied to each element of xs.
func mapAll[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

// lookup counts key's rows in a database.
//
//ssaweave:span
func lookup(key string) int {
	db, err := sql.Open("none", "")
	if err != nil {
		return 0
	}
	defer db.Close()
	var n int
	db.QueryRow("select n from t where k = ?", key).Scan(&n)
	return n
}

// length is key's length.
//
//ssaweave:span
func length(key string) int { return len(key) }

func main() {
	fmt.Println(fetchAll(http.DefaultClient, os.Args[1:]))
	fromDB := func(key string) int { return lookup(key) }
	fmt.Println("database lookup available:", fromDB != nil)
	fmt.Println(mapAll(os.Args[1:], func(s string) int { return length(s) }))
}
