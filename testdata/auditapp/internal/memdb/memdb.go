// Package memdb is a database/sql driver that answers every query with
// the same small table, so that auditapp needs no database and no module
// download: the audit only needs its calls to database/sql.
package memdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"io"
	"strings"
)

func init() { sql.Register("memdb", drv{}) }

type drv struct{}

func (drv) Open(string) (driver.Conn, error) { return conn{}, nil }

type conn struct{}

func (conn) Prepare(query string) (driver.Stmt, error) { return stmt{}, nil }
func (conn) Close() error                              { return nil }
func (conn) Begin() (driver.Tx, error)                 { return tx{}, nil }

// QueryContext answers every query with two rows: of (id, price) when it
// selects both, else of one number.
func (conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return &rows{cols: 1 + strings.Count(query[:strings.Index(query+" FROM", " FROM")], ",")}, nil
}

func (conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return driver.RowsAffected(1), nil
}

type stmt struct{}

func (stmt) Close() error                                    { return nil }
func (stmt) NumInput() int                                   { return -1 }
func (stmt) Exec(args []driver.Value) (driver.Result, error) { return driver.RowsAffected(1), nil }
func (stmt) Query(args []driver.Value) (driver.Rows, error)  { return &rows{cols: 1}, nil }

type tx struct{}

func (tx) Commit() error   { return nil }
func (tx) Rollback() error { return nil }

type rows struct{ n, cols int }

func (r *rows) Columns() []string { return []string{"id", "price"}[:r.cols] }
func (*rows) Close() error        { return nil }
func (r *rows) Next(dest []driver.Value) error {
	if r.n == 2 {
		return io.EOF
	}
	r.n++
	for i := range dest {
		dest[i] = int64(r.n * (1 + 9*i))
	}
	return nil
}
