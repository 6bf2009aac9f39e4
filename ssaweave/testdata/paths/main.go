// Command paths has functions on paths from its handler to its sinks (a
// database and an HTTP client) and functions off them.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
)

var db *sql.DB

func main() {
	db, _ = sql.Open("none", "")
	http.HandleFunc("GET /orders/{id}", getOrder)
	http.ListenAndServe("127.0.0.1:8080", nil)
}

func getOrder(w http.ResponseWriter, r *http.Request) {
	total := loadOrder(r.Context(), r.PathValue("id"))
	fmt.Fprint(w, format(total+fetchPrice()))
}

func loadOrder(ctx context.Context, id string) (n int) {
	db.QueryRowContext(ctx, "SELECT total FROM orders WHERE id = ?", id).Scan(&n)
	return n
}

func fetchPrice() int {
	resp, err := http.Get("http://127.0.0.1:9090/price")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return 1
}

// format reaches no sink: no span.
func format(n int) string { return fmt.Sprint(n) }

// unused is not reachable: no span, not listed.
func unused() { fetchPrice() }
