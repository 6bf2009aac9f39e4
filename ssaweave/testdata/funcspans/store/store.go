// Package store is selected by the configuration file.
package store

import (
	"context"
	"errors"
)

// Store holds users.
type Store struct{ users map[string]string }

// New returns a store.
func New() *Store { return &Store{users: map[string]string{"1": "ada"}} }

// Get returns a user.
func (s *Store) Get(ctx context.Context, id string) (string, error) {
	if u, ok := s.users[id]; ok {
		return u, nil
	}
	return "", errors.New("no such user")
}

// Put is not called.
func (s *Store) Put(_ context.Context, id, name string) { s.users[id] = name }

// helper is a plain function: the selector takes methods only.
func helper() {}
