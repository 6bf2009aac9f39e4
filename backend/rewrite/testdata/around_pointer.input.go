package db

import (
	"errors"
	"strings"
)

// DB is a toy database.
type DB struct {
	rows map[string]string
}

// Query returns the row stored under key.
func (db *DB) Query(key string) (string, error) {
	row, ok := db.rows[strings.ToLower(key)]
	if !ok {
		return "", errors.New("no row")
	}
	return row, nil
}

// Exec stores a row.
func (db *DB) Exec(key, value string) {
	if db.rows == nil {
		db.rows = map[string]string{}
	}
	db.rows[strings.ToLower(key)] = value
}
