package main

import (
	"database/sql"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkGetOrder serves GET /orders/1 through the routes, without a
// pricing service.
func BenchmarkGetOrder(b *testing.B) {
	db, err := sql.Open("memdb", "")
	if err != nil {
		b.Fatal(err)
	}
	h := (&server{db: db}).routes()
	req := httptest.NewRequest("GET", "/orders/1", nil)
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
