package ssaweave

import (
	"fmt"
	"go/token"
	"path/filepath"
)

// positions prints source positions so that plans do not depend on where
// the toolchain, the module cache or the project live: a plan made on one
// machine reads the same on another.
type positions struct {
	dirs     []string // the load directory, and its symlink-free form if different
	goroot   string
	modcache string
}

func newPositions(dir, goroot, modcache string) positions {
	p := positions{dirs: []string{dir}, goroot: goroot, modcache: modcache}
	if real, err := filepath.EvalSymlinks(dir); err == nil && real != dir {
		p.dirs = append(p.dirs, real)
	}
	return p
}

// file returns the file name as plans print it: relative to the load
// directory when inside it, "$GOROOT/src/..." for the toolchain,
// "module@version/..." for the module cache, else absolute. Slashes
// always.
func (p positions) file(name string) string {
	for _, d := range p.dirs {
		if rel, ok := within(d, name); ok {
			return rel
		}
	}
	if rel, ok := within(p.goroot, name); ok {
		return "$GOROOT/" + rel
	}
	if rel, ok := within(p.modcache, name); ok {
		return rel
	}
	return filepath.ToSlash(name)
}

// pos returns "file:line:col", with the file as file prints it.
func (p positions) pos(pos token.Position) string {
	return fmt.Sprintf("%s:%d:%d", p.file(pos.Filename), pos.Line, pos.Column)
}

// within returns name relative to dir, with slashes, if name is inside dir.
func within(dir, name string) (string, bool) {
	if dir == "" {
		return "", false
	}
	rel, err := filepath.Rel(dir, name)
	if err != nil || !filepath.IsLocal(rel) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}
