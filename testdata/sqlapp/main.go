// Command sqlapp is an HTTP service backed by an in-memory SQLite database
// (modernc.org/sqlite, pure Go) through database/sql. It uses every kind of
// database/sql operation, each with the request's context: statements with
// placeholders (ExecContext), QueryRowContext and QueryContext with rows
// iteration, transactions that commit and that roll back, a prepared
// statement, and a query that fails.
//
// Built plainly it has no instrumentation; built with the "manual" tag it
// instruments itself by hand with otelsql and otelhttp (manual.go), which
// is what ssaweave's woven spans are compared with.
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
)

// dsn is a named in-memory database shared by the connections of the pool:
// it lives as long as one of them is open.
const dsn = "file:sqlapp?mode=memory&cache=shared"

type app struct{ db *sql.DB }

func main() {
	db, handler, cleanup := setup()
	// The in-memory database disappears with its last connection: keep
	// the pool from closing idle ones.
	db.SetConnMaxIdleTime(0)
	db.SetMaxIdleConns(4)
	a := &app{db: db}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /init", a.createTable)
	mux.HandleFunc("POST /items", a.create)
	mux.HandleFunc("GET /items/{id}", a.get)
	mux.HandleFunc("GET /items", a.list)
	mux.HandleFunc("POST /discount", a.discount)
	mux.HandleFunc("POST /abandoned", a.abandoned)
	mux.HandleFunc("GET /names", a.names)
	mux.HandleFunc("GET /broken", a.broken)

	// SIGTERM shuts the server down gracefully, and main returns.
	srv := &http.Server{Addr: os.Getenv("ADDR"), Handler: handler(mux)}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	closed := make(chan struct{})
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
		close(closed)
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	<-closed
	db.Close()
	cleanup()
}

func fail(w http.ResponseWriter, err error) {
	http.Error(w, err.Error(), http.StatusInternalServerError)
}

// createTable creates the table.
func (a *app) createTable(w http.ResponseWriter, r *http.Request) {
	_, err := a.db.ExecContext(r.Context(), `CREATE TABLE IF NOT EXISTS items (
		id INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		price INTEGER NOT NULL)`)
	if err != nil {
		fail(w, err)
	}
}

// create inserts an item from the query parameters name and price.
func (a *app) create(w http.ResponseWriter, r *http.Request) {
	price, err := strconv.Atoi(r.FormValue("price"))
	if err != nil {
		http.Error(w, "bad price", http.StatusBadRequest)
		return
	}
	res, err := a.db.ExecContext(r.Context(), "INSERT INTO items(name, price) VALUES (?, ?)", r.FormValue("name"), price)
	if err != nil {
		fail(w, err)
		return
	}
	id, _ := res.LastInsertId()
	fmt.Fprintln(w, id)
}

// get returns one item.
func (a *app) get(w http.ResponseWriter, r *http.Request) {
	var name string
	var price int
	err := a.db.QueryRowContext(r.Context(), "SELECT name, price FROM items WHERE id = ?", r.PathValue("id")).Scan(&name, &price)
	if errors.Is(err, sql.ErrNoRows) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		fail(w, err)
		return
	}
	fmt.Fprintln(w, name, price)
}

// list returns the items that cost at least min.
func (a *app) list(w http.ResponseWriter, r *http.Request) {
	rows, err := a.db.QueryContext(r.Context(), "SELECT id, name, price FROM items WHERE price >= ? ORDER BY id", r.FormValue("min"))
	if err != nil {
		fail(w, err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var id, price int
		var name string
		if err := rows.Scan(&id, &name, &price); err != nil {
			fail(w, err)
			return
		}
		fmt.Fprintln(w, id, name, price)
	}
	if err := rows.Err(); err != nil {
		fail(w, err)
	}
}

// discount lowers every price by percent in a transaction that commits.
func (a *app) discount(w http.ResponseWriter, r *http.Request) {
	percent, err := strconv.Atoi(r.FormValue("percent"))
	if err != nil {
		http.Error(w, "bad percent", http.StatusBadRequest)
		return
	}
	err = inTx(r.Context(), a.db, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(r.Context(), "UPDATE items SET price = price * (100 - ?) / 100", percent)
		return err
	})
	if err != nil {
		fail(w, err)
	}
}

// errAbandoned makes inTx roll back.
var errAbandoned = errors.New("abandoned")

// abandoned inserts an item in a transaction that it then rolls back.
func (a *app) abandoned(w http.ResponseWriter, r *http.Request) {
	err := inTx(r.Context(), a.db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(r.Context(), "INSERT INTO items(name, price) VALUES (?, ?)", r.FormValue("name"), 1); err != nil {
			return err
		}
		return errAbandoned
	})
	if !errors.Is(err, errAbandoned) {
		fail(w, err)
	}
}

// inTx runs f in a transaction, committed if f returns nil and rolled back
// otherwise.
func inTx(ctx context.Context, db *sql.DB, f func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// names looks the ids in the query up with one prepared statement.
func (a *app) names(w http.ResponseWriter, r *http.Request) {
	stmt, err := a.db.PrepareContext(r.Context(), "SELECT name FROM items WHERE id = ?")
	if err != nil {
		fail(w, err)
		return
	}
	defer stmt.Close()
	for _, id := range r.URL.Query()["id"] {
		var name string
		if err := stmt.QueryRowContext(r.Context(), id).Scan(&name); err != nil {
			fail(w, err)
			return
		}
		fmt.Fprintln(w, name)
	}
}

// broken runs a query with a syntax error.
func (a *app) broken(w http.ResponseWriter, r *http.Request) {
	rows, err := a.db.QueryContext(r.Context(), "SELEC name FROM items")
	if err != nil {
		fail(w, err)
		return
	}
	rows.Close()
}
