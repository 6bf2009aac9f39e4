// Package version identifies this ssaweave binary.
//
// Two strings matter: the human version (the module version, or "devel"),
// and the build identity, which changes whenever the binary's code changes.
// Plans and cache keys record the identity, so a rebuilt ssaweave never
// reuses objects woven by an older one.
package version

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
)

// Module returns the ssaweave module version this binary was built from,
// or "devel".
func Module() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

var identity = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err == nil {
		if id := goBuildID(exe); id != "" {
			sum := sha256.Sum256([]byte(id))
			return hex.EncodeToString(sum[:8])
		}
		// No build ID (unusual linker flags): hash the whole binary.
		if data, err := os.ReadFile(exe); err == nil {
			sum := sha256.Sum256(data)
			return hex.EncodeToString(sum[:8])
		}
	}
	return "unknown"
})

// Identity returns a short hash that changes whenever this binary's code
// changes: the hash of its Go build ID.
func Identity() string { return identity() }

// String returns the full version line: "ssaweave devel (build 1a2b..., go1.26.8)".
func String() string {
	return "ssaweave " + Module() + " (build " + Identity() + ", " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")"
}

// Tool returns the string recorded in plans: version and identity.
func Tool() string { return Module() + "+" + Identity() }

// BuildID returns the Go build ID of the executable file, or "" if it
// has none: it identifies what the go command built, at the cost of
// reading a note near the start of the file.
func BuildID(file string) string { return goBuildID(file) }

// goBuildID finds the Go build ID, which the linker writes near the start
// of every executable it produces: in an ELF note, or (other formats) in
// the text after a marker. Without it, Identity hashes the whole binary,
// which cost ~20 ms on every wrapper run.
func goBuildID(exe string) string {
	f, err := os.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	if id := elfBuildID(f); id != "" {
		return id
	}
	buf := make([]byte, 64<<10)
	n, _ := f.Read(buf)
	buf = buf[:n]
	marker := []byte("\xff Go build ID: \"")
	i := bytes.Index(buf, marker)
	if i < 0 {
		return ""
	}
	rest := buf[i+len(marker):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

// elfBuildID returns the Go build ID from the .note.go.buildid note of an
// ELF executable (name "Go", type 4, the ID as description), or "".
func elfBuildID(r io.ReaderAt) string {
	ef, err := elf.NewFile(r)
	if err != nil {
		return ""
	}
	s := ef.Section(".note.go.buildid")
	if s == nil {
		return ""
	}
	data, err := s.Data()
	if err != nil || len(data) < 16 {
		return ""
	}
	namesz, descsz, typ := ef.ByteOrder.Uint32(data), ef.ByteOrder.Uint32(data[4:]), ef.ByteOrder.Uint32(data[8:])
	if namesz != 4 || typ != 4 || string(data[12:16]) != "Go\x00\x00" || uint64(descsz) > uint64(len(data)-16) {
		return ""
	}
	return string(data[16 : 16+descsz])
}
