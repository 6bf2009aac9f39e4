// Package store is the kind of code a //ssaweave:span directive marks: its
// functions take a context.Context and return an error.
package store

import (
	"context"
	"errors"
)

// User is what the store holds.
type User struct{ Name string }

// Store is an in-memory store.
type Store struct{ users map[string]User }

// Get has named results and a bare return.
func (s *Store) Get(ctx context.Context, id string) (u User, err error) {
	if err = ctx.Err(); err != nil {
		return
	}
	u, ok := s.users[id]
	if !ok {
		err = errors.New("no user " + id)
	}
	return
}

// Put has a single unnamed error result and a one-line body.
func (s *Store) Put(ctx context.Context, u User) error { s.users[u.Name] = u; return ctx.Err() }

// Empty has an empty body.
func Empty(ctx context.Context) {
}
