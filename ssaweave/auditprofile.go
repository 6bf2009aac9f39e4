package ssaweave

import (
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/google/pprof/profile"
)

// profileIndex sums a profile's sample values by source line and by
// function start line.
type profileIndex struct {
	total   int64
	byLine  map[string]map[string]int64 // "base:line" → file name in the profile → value
	byStart map[string]map[string]int64 // "base:startline" of functions on the stack → ...
}

// readProfile reads a pprof profile (the format go test -cpuprofile and
// -pgo use) and indexes it. Each sample counts once per line and once per
// function, however often they recur on its stack (recursion).
func readProfile(file string) (*profileIndex, *ProfileInfo, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, nil, fmt.Errorf("ssaweave audit: profile: %w", err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		return nil, nil, fmt.Errorf("ssaweave audit: %s is not a pprof profile: %v", file, err)
	}
	if len(p.SampleType) == 0 {
		return nil, nil, fmt.Errorf("ssaweave audit: profile %s has no sample type", file)
	}
	// CPU profiles carry samples/count and cpu/nanoseconds: prefer the
	// count, the same for every sample; else the first type.
	vi := 0
	for i, st := range p.SampleType {
		if st.Type == "samples" {
			vi = i
		}
	}
	idx := &profileIndex{byLine: map[string]map[string]int64{}, byStart: map[string]map[string]int64{}}
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
	return idx, &ProfileInfo{File: file, SampleType: st.Type + "/" + st.Unit, Total: idx.total}, nil
}

// weight returns the samples at pos (a plan position: file:line:col),
// looked up in m; nil when the profile has none there.
func (idx *profileIndex) weight(m map[string]map[string]int64, pos string) *Samples {
	file, line, _ := splitPos(pos)
	// Plans print toolchain files as $GOROOT/src/..., the module cache's
	// as module@version/...; profiles hold absolute paths, or with
	// -trimpath module paths: compare the trailing part.
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

// weigh adds the profile's sample weights to the sites (by their
// function's start line) and to the calls (by their line).
func (a *Audit) weigh(file string) error {
	idx, info, err := readProfile(file)
	if err != nil {
		return err
	}
	a.Profile = info
	for i := range a.Sites {
		s := &a.Sites[i]
		if s.Rule == GoRule {
			s.Samples = idx.weight(idx.byLine, s.Pos)
		} else {
			s.Samples = idx.weight(idx.byStart, s.Pos)
		}
		for j := range s.Calls {
			s.Calls[j].Samples = idx.weight(idx.byLine, s.Calls[j].Pos)
		}
	}
	for i := range a.Entries {
		for j := range a.Entries[i].Calls {
			c := &a.Entries[i].Calls[j]
			c.Samples = idx.weight(idx.byLine, c.Pos)
		}
	}
	return nil
}
