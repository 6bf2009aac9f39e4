package toolexec

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ssaweave/ssaweave/backend/rtsrc"
)

// TestHooksKey checks what the hooks key of toolexec-only builds follows:
// the runtime module's directory and the module versions of the private
// go.mod, but not the user's module path, so that programs with the same
// dependencies share their compiles.
func TestHooksKey(t *testing.T) {
	dir := t.TempDir()
	key := func(gomod string) string {
		t.Helper()
		path := filepath.Join(dir, "go.mod")
		if err := os.WriteFile(path, []byte(gomod), 0o600); err != nil {
			t.Fatal(err)
		}
		k, err := hooksKey(rtsrc.Setup{ModFile: path})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	const gomod = "module example.com/%s\n\ngo 1.26.0\n\nrequire go.opentelemetry.io/otel %s\n\nreplace github.com/ssaweave/ssaweave/rt => %s\n"
	base := key(fmt.Sprintf(gomod, "a", "v1.47.0", "/cache/rt/abc"))
	if got := key(fmt.Sprintf(gomod, "b", "v1.47.0", "/cache/rt/abc")); got != base {
		t.Errorf("another module path changed the key")
	}
	if got := key(fmt.Sprintf(gomod, "a", "v1.48.0", "/cache/rt/abc")); got == base {
		t.Errorf("another OpenTelemetry version kept the key")
	}
	if got := key(fmt.Sprintf(gomod, "a", "v1.47.0", "/other-cache/rt/abc")); got == base {
		t.Errorf("the runtime module in another cache kept the key")
	}
}
