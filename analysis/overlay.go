package analysis

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Overlay takes the go command's -overlay flag out of flags and returns the
// file contents it substitutes, keyed by absolute path, with the remaining
// flags. go/packages parses files itself, so passing -overlay through to
// go list alone would type-check the files on disk rather than their
// replacements; go/packages' own Overlay option covers both. Relative
// paths in the overlay are relative to dir, as for the go command.
//
// An overlay that deletes a file (empty replacement) cannot be expressed to
// go/packages and is an error.
func Overlay(dir string, flags []string) (files map[string][]byte, rest []string, err error) {
	var path string
	for i := 0; i < len(flags); i++ {
		f := flags[i]
		name, val, hasVal := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(f, "-"), "-"), "=")
		if !strings.HasPrefix(f, "-") || name != "overlay" {
			rest = append(rest, f)
			continue
		}
		if !hasVal {
			if i+1 == len(flags) {
				return nil, nil, fmt.Errorf("ssaweave: flag %s needs a file", f)
			}
			i++
			val = flags[i]
		}
		path = val // the go command keeps the last one
	}
	if path == "" {
		return nil, rest, nil
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("ssaweave: reading -overlay: %w", err)
	}
	var ov struct{ Replace map[string]string }
	if err := json.Unmarshal(data, &ov); err != nil {
		return nil, nil, fmt.Errorf("ssaweave: parsing -overlay %s: %w", path, err)
	}
	files = make(map[string][]byte, len(ov.Replace))
	for from, to := range ov.Replace {
		if to == "" {
			return nil, nil, fmt.Errorf("ssaweave: -overlay %s deletes %s: deleting files through an overlay is not supported", path, from)
		}
		if !filepath.IsAbs(from) {
			from = filepath.Join(dir, from)
		}
		if !filepath.IsAbs(to) {
			to = filepath.Join(dir, to)
		}
		content, err := os.ReadFile(to)
		if err != nil {
			return nil, nil, fmt.Errorf("ssaweave: -overlay %s: %w", path, err)
		}
		files[filepath.Clean(from)] = content
	}
	return files, rest, nil
}
