// Command auditapp is a small order service for ssaweave audit's tests:
// routes on a ServeMux, database/sql queries (one in a loop), a call to a
// downstream service, a function span, a goroutine, and a benchmark. Its
// database is the in-process driver memdb.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"

	_ "example.com/auditapp/internal/memdb"
)

type server struct {
	db         *sql.DB
	downstream string // base URL of the pricing service
}

func main() {
	db, err := sql.Open("memdb", "")
	if err != nil {
		log.Fatal(err)
	}
	if _, err := db.ExecContext(context.Background(), "CREATE TABLE orders (id INTEGER)"); err != nil {
		log.Fatal(err)
	}
	s := &server{db: db, downstream: os.Getenv("PRICING")}
	log.Fatal(http.ListenAndServe(os.Getenv("ADDR"), s.routes()))
}

func (s *server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", s.getOrder)
	mux.HandleFunc("POST /orders", s.createOrder)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.Handle("GET /stats", stats{s.db})
	return mux
}

// getOrder makes 1 server span, 3 database spans (one per item, in a
// loop) and 1 client span.
func (s *server) getOrder(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var id int
	if err := s.db.QueryRowContext(ctx, "SELECT id FROM orders WHERE id = ?", r.PathValue("id")).Scan(&id); err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	items, err := s.items(ctx, id)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	total := 0
	for _, item := range items {
		var price int
		if err := s.db.QueryRowContext(ctx, "SELECT price FROM items WHERE id = ?", item).Scan(&price); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		total += price
	}
	fmt.Fprintln(w, id, total, s.currency(ctx))
}

// items returns the items of an order.
func (s *server) items(ctx context.Context, order int) ([]int, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, price FROM items WHERE order_id = ?", order)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var id, price int
		if err := rows.Scan(&id, &price); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// currency asks the pricing service for the currency, "" when there is
// none.
func (s *server) currency(ctx context.Context) string {
	if s.downstream == "" {
		return ""
	}
	req, err := http.NewRequestWithContext(ctx, "GET", s.downstream+"/currency", nil)
	if err != nil {
		return ""
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// createOrder stores an order and audits it in the background.
func (s *server) createOrder(w http.ResponseWriter, r *http.Request) {
	if err := s.insert(r.Context()); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	done := make(chan struct{})
	go func() {
		s.db.Exec("INSERT INTO audit VALUES (1)")
		close(done)
	}()
	<-done
	w.WriteHeader(http.StatusCreated)
}

// insert stores an order.
//
//ssaweave:span
func (s *server) insert(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, "INSERT INTO orders VALUES (1)")
	return err
}

// export is never called: its span is pruned.
//
//ssaweave:span
func export(ctx context.Context) error { return nil }

type stats struct{ db *sql.DB }

// ServeHTTP counts the orders.
func (st stats) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var n int
	st.db.QueryRowContext(r.Context(), "SELECT count(*) FROM orders").Scan(&n)
	fmt.Fprintln(w, n)
}
