//line /ssaweave/testdata/around_pointer.go:1:1
package db

//line /ssaweave/testdata/around_pointer.go:3:1
import (
	"errors"
	"strings"
)

//line /ssaweave/testdata/around_pointer.go:1:1
import _ "unsafe"

// DB is a toy database.
//
//line /ssaweave/testdata/around_pointer.go:9:1
type DB struct {
	rows map[string]string
}

// Query returns the row stored under key.
//
//line /ssaweave/testdata/around_pointer.go:14:1
func (db *DB) Query(key string) (string, error) { /*line /ssaweave/testdata/around_pointer.go:13:1*/
	if h := ssaweaveHook_DB_Query; h != nil { /*line /ssaweave/testdata/around_pointer.go:13:1*/
		return h(key, db.ssaweaveOrig_Query)
	} /*line /ssaweave/testdata/around_pointer.go:13:1*/
	return db.ssaweaveOrig_Query(key) /*line /ssaweave/testdata/around_pointer.go:13:1*/
}

// Exec stores a row.
//
//line /ssaweave/testdata/around_pointer.go:23:1
func (db *DB) Exec(key, value string) { /*line /ssaweave/testdata/around_pointer.go:22:1*/
	if h := ssaweaveHook_DB_Exec; h != nil { /*line /ssaweave/testdata/around_pointer.go:22:1*/
		h(key, value, db.ssaweaveOrig_Exec) /*line /ssaweave/testdata/around_pointer.go:22:1*/
		return
	} /*line /ssaweave/testdata/around_pointer.go:22:1*/
	db.ssaweaveOrig_Exec(key, value) /*line /ssaweave/testdata/around_pointer.go:22:1*/
}

//go:linkname ssaweaveHook_DB_Query
//line /ssaweave/testdata/around_pointer.go:14:1
var ssaweaveHook_DB_Query func(key string, next func(string) (string, error)) (string, error)

//line /ssaweave/testdata/around_pointer.go:14:1
func (db *DB) ssaweaveOrig_Query(key string) (string, error) {
	/*line /ssaweave/testdata/around_pointer.go:14:1*/
	row, ok := db.rows[strings.ToLower(key)]
	/*line /ssaweave/testdata/around_pointer.go:15:1*/
	if !ok {
		return "", errors.New("no row")
	}
	/*line /ssaweave/testdata/around_pointer.go:18:1*/
	return row, nil /*line /ssaweave/testdata/around_pointer.go:19:1*/
}

//go:linkname ssaweaveHook_DB_Exec
//line /ssaweave/testdata/around_pointer.go:23:1
var ssaweaveHook_DB_Exec func(key string, value string, next func(string, string))

//line /ssaweave/testdata/around_pointer.go:23:1
func (db *DB) ssaweaveOrig_Exec(key, value string) {
	/*line /ssaweave/testdata/around_pointer.go:23:1*/
	if db.rows == nil {
		db.rows = map[string]string{}
	}
	/*line /ssaweave/testdata/around_pointer.go:26:1*/
	db.rows[strings.ToLower(key)] = value /*line /ssaweave/testdata/around_pointer.go:27:1*/
}
