package ssaweave

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/google/pprof/profile"
)

// This file finds and reads the profile of a build, for the plan (hot
// paths, hot.go) and the audit (auditprofile.go) alike: one reader, so
// that the plan prunes by the very numbers the audit shows.

// pgoProfile is a pprof profile indexed by source line and by function
// start line: the sum of the values of the samples whose stack passes
// through each.
type pgoProfile struct {
	info ProfileInfo
	// cpu says the values are CPU samples (samples/count or
	// cpu/nanoseconds), the sample types go build -pgo accepts.
	cpu     bool
	total   int64
	byLine  map[string]map[string]int64 // "base:line" → file name in the profile → value
	byStart map[string]map[string]int64 // "base:startline" of functions on the stack → ...
}

// readPGO reads a pprof profile (the format go test -cpuprofile writes and
// go build -pgo reads) and indexes it. Each sample counts once per line
// and once per function, however often they recur on its stack
// (recursion), so that a share is the share of samples in which the line
// or function is on the stack, never more than 100%. An empty file is a
// profile without samples, as for the go command.
func readPGO(file string) (*pgoProfile, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("ssaweave: profile: %w", err)
	}
	idx := &pgoProfile{
		info:    ProfileInfo{File: file, SampleType: "samples/count"},
		cpu:     true,
		byLine:  map[string]map[string]int64{},
		byStart: map[string]map[string]int64{},
	}
	if len(data) == 0 {
		return idx, nil
	}
	p, err := profile.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("ssaweave: %s is not a pprof profile: %v", file, err)
	}
	if len(p.SampleType) == 0 {
		return nil, fmt.Errorf("ssaweave: profile %s has no sample type", file)
	}
	// The value cmd/go's PGO reads: samples/count or cpu/nanoseconds,
	// whichever comes first (the second is the first scaled). Other
	// profiles (heap, block) are read on their first type, for the
	// audit; the plan refuses them, as go build -pgo does.
	vi, cpu := 0, false
	for i, st := range p.SampleType {
		if st.Type == "samples" && st.Unit == "count" || st.Type == "cpu" && st.Unit == "nanoseconds" {
			vi, cpu = i, true
			break
		}
	}
	idx.cpu = cpu
	add := func(m map[string]map[string]int64, file string, line int64, v int64, seen map[string]bool) {
		k := fmt.Sprintf("%s:%d", path.Base(file), line)
		if seen[k+"\x00"+file] {
			return
		}
		seen[k+"\x00"+file] = true
		if m[k] == nil {
			m[k] = map[string]int64{}
		}
		m[k][file] += v
	}
	for _, s := range p.Sample {
		if vi >= len(s.Value) {
			continue
		}
		v := s.Value[vi]
		idx.total += v
		lines, starts := map[string]bool{}, map[string]bool{}
		for _, loc := range s.Location {
			// Inlined calls are lines of one location: each counts.
			for _, l := range loc.Line {
				if l.Function == nil {
					continue
				}
				add(idx.byLine, l.Function.Filename, l.Line, v, lines)
				add(idx.byStart, l.Function.Filename, l.Function.StartLine, v, starts)
			}
		}
	}
	st := p.SampleType[vi]
	idx.info.SampleType, idx.info.Total = st.Type+"/"+st.Unit, idx.total
	return idx, nil
}

// weight returns the samples at pos (a plan position: file:line:col),
// looked up in m; nil when the profile has none there.
func (idx *pgoProfile) weight(m map[string]map[string]int64, pos string) *Samples {
	file, line, _ := splitPos(pos)
	// Plans print toolchain files as $GOROOT/src/..., the module cache's
	// as module@version/..., the program's relative to the directory it
	// is planned from; profiles hold absolute paths of wherever the
	// profiled binary was built, or with -trimpath module paths: compare
	// the trailing part.
	suffix := strings.TrimPrefix(file, "$GOROOT/src/")
	var v int64
	for name, n := range m[fmt.Sprintf("%s:%d", path.Base(file), line)] {
		if name == suffix || strings.HasSuffix(name, "/"+suffix) || strings.HasSuffix(suffix, "/"+name) {
			v += n
		}
	}
	if v == 0 || idx.total == 0 {
		return nil
	}
	return &Samples{Value: v, Share: float64(v) / float64(idx.total)}
}

// onStack returns the samples in which the function declared at pos (the
// position of its func keyword, which profiles record as the function's
// start line) is on the stack, by itself or anything it calls: its
// cumulative weight. nil when none.
func (idx *pgoProfile) onStack(pos string) *Samples {
	return idx.weight(idx.byStart, pos)
}

// atLine returns the samples in which the line of pos is on the stack.
func (idx *pgoProfile) atLine(pos string) *Samples {
	return idx.weight(idx.byLine, pos)
}

// pgoSetting returns the -pgo setting of a build as the go command takes
// it: the last -pgo of flags (the command line), else of goflags ($GOFLAGS,
// which the command line overrides), else "auto", the default.
func pgoSetting(flags []string, goflags string) string {
	if setting, ok := lastFlag("pgo", flags, strings.Fields(goflags)); ok {
		return setting
	}
	return "auto"
}

// pgoFile returns the profile the go command uses for the main package in
// mainDir under setting, "" for none: with "off" none, with "auto"
// default.pgo in mainDir when it exists, else the file the setting names
// (relative to dir, where the go command runs), which must exist.
func pgoFile(setting, dir, mainDir string) (string, error) {
	switch setting {
	case "off":
		return "", nil
	case "auto":
		if mainDir == "" {
			return "", nil
		}
		f := filepath.Join(mainDir, "default.pgo")
		if _, err := os.Stat(f); err != nil {
			return "", nil
		}
		return f, nil
	}
	f := setting
	if !filepath.IsAbs(f) {
		f = filepath.Join(dir, f)
	}
	if _, err := os.Stat(f); err != nil {
		return "", fmt.Errorf("ssaweave: -pgo=%s: %w", setting, err)
	}
	return f, nil
}
