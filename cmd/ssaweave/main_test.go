package main

import (
	"os"
	"testing"

	"github.com/ssaweave/ssaweave/internal/e2e"
)

func TestMain(m *testing.M) {
	code := m.Run()
	e2e.Cleanup()
	os.Exit(code)
}
