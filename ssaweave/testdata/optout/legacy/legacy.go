// Package legacy is excluded by ssaweave.yaml: nothing reachable only
// through it is woven.
package legacy

import (
	"context"
	"database/sql"
)

// Ping is the only way cmd/optout opens a database.
func Ping(ctx context.Context, dsn string) error {
	db, err := sql.Open("legacy", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.PingContext(ctx)
}
