// Package users is the demo service's tiny domain: a fixed user table.
package users

import (
	"encoding/json"
	"net/http"
)

// User is one user.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

var table = map[string]User{
	"42": {ID: "42", Name: "Ada"},
	"7":  {ID: "7", Name: "Grace"},
}

// Get serves GET /users/{id}.
func Get(w http.ResponseWriter, r *http.Request) {
	u, ok := table[r.PathValue("id")]
	if !ok {
		http.Error(w, "no such user", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(u)
}
