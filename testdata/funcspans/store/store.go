// Package store keeps users; ssaweave.yaml gives its methods spans.
package store

import (
	"context"
	"fmt"
)

// Store holds users by id.
type Store struct{ users map[string]string }

// New returns a store with one user.
func New() *Store { return &Store{users: map[string]string{"42": "ada"}} }

// Get returns the user with the given id.
func (s *Store) Get(_ context.Context, id string) (string, error) {
	if u, ok := s.users[id]; ok {
		return u, nil
	}
	return "", fmt.Errorf("user %s not found", id)
}
