package ssaweave

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ssaweave/ssaweave/internal/cache"
	"github.com/ssaweave/ssaweave/internal/gotool"
	"golang.org/x/mod/modfile"
)

// Stamps: remembering a plan's key without running go list.
//
// CacheKey lists the packages with go list, which cost most of a no-op
// woven build (40-60 ms of a 70 ms plain build on testdata/bench). What go
// list answers is a function of the toolchain and its environment (go
// env, which still runs), the options (flags, patterns, directory, the
// plan-relevant environment), and the files of the modules that can
// change: the main module(s), workspace modules, and modules replaced by
// a local directory. The standard library is fixed by the toolchain and a
// module in the module cache by its version, which those go.mod (and
// go.sum, go.work) files select.
//
// So the stamps file, named by a pre-key over everything but the files
// (preKey), holds the key together with a stamp of every such file:
// every directory of those modules (a new, removed or renamed entry
// changes its modification time, which catches new files, new packages
// for ./... patterns and new build-constrained files), every .go file in
// them (content, for build constraints and imports, and the files the key
// hashes), their go.mod and go.sum files, go.work, the -modfile,
// vendor/modules.txt and the PGO profiles. A stamp is the size,
// modification and change times and inode; when they differ, the content
// (a file's hash, a directory's entry names) decides, so that touching a
// file without changing it stays a hit, and the stamp is refreshed.
// Entries changed within stampSlack of the stamp are "racy", as in git:
// a later change within the same timestamp tick would keep the times, so
// they are always compared by content until they are older.
//
// Stamps are taken in two passes around go list, and the record is kept
// only if both agree, so that it never describes files that changed while
// go list read them. Any doubt (a package outside the walked directories,
// a listing error, files changed meanwhile) leaves no record: the next
// build runs go list again, which is slower, never wrong.

// stampsVersion changes whenever the stamps file format, or what it must
// cover, changes.
const stampsVersion = "ssaweave stamps 1"

// stampSlack is how recent a stamp's times may be before its entry is
// racy. It exceeds the timestamp granularity of common file systems (2 s
// for FAT, 1 s for ext3 and HFS+).
const stampSlack = 3 * time.Second

// stampNow is the clock stamps are compared with; tests move it.
var stampNow = time.Now

// preKey returns the name of the stamps file for in: a hash of everything
// CacheKey depends on except the listing and the files.
func (in *keyInputs) preKey() string {
	h := sha256.New()
	field := fieldWriter(h)
	field("stamps", stampsVersion)
	in.header(field)
	for _, name := range gotool.EnvVars {
		field(name, in.env[name])
	}
	field("pgo", in.pgo)
	for _, f := range sortedKeys(in.overlay) {
		sum := sha256.Sum256(in.overlay[f])
		field("overlay", f, hex.EncodeToString(sum[:]))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// stampsFile returns the stamps file of in in the cache directory.
func (in *keyInputs) stampsFile(cacheDir string) string {
	return filepath.Join(cacheDir, "stamps", in.preKey()+".txt")
}

// listedKey computes CacheKey by listing the packages, between the two
// passes of stamps. record stores the stamps with the key in a stamps
// file; call it once the plan is stored.
func (in *keyInputs) listedKey(ctx context.Context) (key string, record func(file string), err error) {
	snap := in.snapshot()
	key, info, err := in.key(ctx)
	if err != nil {
		return "", nil, err
	}
	return key, func(file string) { snap.record(file, key, info, in.overlay) }, nil
}

// fileStat is the part of a file's metadata that changes with its content.
type fileStat struct {
	size, mtime, ctime int64 // ctime 0 where unknown
	ino                uint64
	dir                bool
}

func statOf(fi fs.FileInfo) fileStat {
	ctime, ino := sysStat(fi)
	return fileStat{size: fi.Size(), mtime: fi.ModTime().UnixNano(), ctime: ctime, ino: ino, dir: fi.IsDir()}
}

// recent reports whether the entry changed within stampSlack of t (or
// after it, with a clock ahead).
func (s fileStat) recent(t time.Time) bool {
	limit := t.Add(-stampSlack).UnixNano()
	return s.mtime >= limit || s.ctime >= limit
}

// stamp is one entry of a stamps file: a directory (with the hash of its
// entry names), a file (with the hash of its content), or a file that
// must not exist.
type stamp struct {
	kind byte // 'd', 'f', 'm'
	racy bool
	stat fileStat
	sum  string
	path string
}

// snapshot is the first pass of stamps, taken before go list.
type snapshot struct {
	start time.Time
	ok    bool
	dirs  map[string]stamp
	files map[string]stamp
}

// snapshot stamps the directories and .go files of the modules that can
// change (by the go command's environment, before listing), and their
// module files.
func (in *keyInputs) snapshot() *snapshot {
	s := &snapshot{start: stampNow(), dirs: map[string]stamp{}, files: map[string]stamp{}}
	roots, files, ok := in.localModules()
	if !ok {
		return s
	}
	for _, r := range roots {
		if err := s.walk(r, true); err != nil {
			return s
		}
	}
	for _, f := range files {
		s.files[f] = stampFile(f, false)
	}
	s.ok = true
	return s
}

// localModules returns the root directories of the modules whose files
// can change, and the module files that select the build list: go.mod
// (the -modfile too) and go.sum of each, go.work and go.work.sum, and
// vendor/modules.txt, which switches the go command to vendor mode.
func (in *keyInputs) localModules() (roots, files []string, ok bool) {
	gomod, gowork := in.env["GOMOD"], in.env["GOWORK"]
	// replaces adds the directories that the replace directives of the
	// go.mod or go.work file at path (relative to base) name.
	replaces := func(path, base string, work bool) bool {
		data, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		var rs []*modfile.Replace
		if work {
			wf, err := modfile.ParseWork(path, data, nil)
			if err != nil {
				return false
			}
			for _, u := range wf.Use {
				roots = append(roots, absIn(base, u.Path))
			}
			rs = wf.Replace
		} else {
			f, err := modfile.Parse(path, data, nil)
			if err != nil {
				return false
			}
			rs = f.Replace
		}
		for _, r := range rs {
			if modfile.IsDirectoryPath(r.New.Path) {
				roots = append(roots, absIn(base, r.New.Path))
			}
		}
		return true
	}
	var root string
	switch {
	case gowork != "" && gowork != "off":
		root = filepath.Dir(gowork)
		files = append(files, gowork, gowork+".sum")
		if !replaces(gowork, root, true) {
			return nil, nil, false
		}
		// The workspace modules' own replace directives apply too.
		for _, r := range slices.Clone(roots) {
			if _, err := os.Stat(filepath.Join(r, "go.mod")); err == nil && !replaces(filepath.Join(r, "go.mod"), r, false) {
				return nil, nil, false
			}
		}
	case gomod != "" && gomod != os.DevNull:
		root = filepath.Dir(gomod)
		roots = append(roots, root)
		// Replacements come from the -modfile when there is one; its
		// relative directories are relative to the module root.
		mf, _ := lastFlag("modfile", in.opts.BuildFlags, strings.Fields(in.env["GOFLAGS"]))
		if mf != "" {
			mf = absIn(in.dir, mf)
			files = append(files, mf, strings.TrimSuffix(mf, ".mod")+".sum")
		} else {
			mf = gomod
		}
		if !replaces(mf, root, false) {
			return nil, nil, false
		}
	default:
		return nil, nil, false // GOPATH mode, or outside a module: always list
	}
	files = append(files, filepath.Join(root, "vendor", "modules.txt"))
	for _, r := range roots {
		files = append(files, filepath.Join(r, "go.mod"), filepath.Join(r, "go.sum"))
	}
	return roots, files, true
}

// absIn returns path made absolute against base, cleaned.
func absIn(base, path string) string {
	if !filepath.IsAbs(path) {
		path = filepath.Join(base, path)
	}
	return filepath.Clean(path)
}

// lastFlag returns the value of the last -name flag of the command line
// flags, else of goflags (GOFLAGS, which the command line overrides), and
// whether either has one.
func lastFlag(name string, flags, goflags []string) (string, bool) {
	for _, list := range [][]string{flags, goflags} {
		val, found := "", false
		for i := 0; i < len(list); i++ {
			n, v, hasVal := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(list[i], "-"), "-"), "=")
			if !strings.HasPrefix(list[i], "-") || n != name {
				continue
			}
			if !hasVal && i+1 < len(list) {
				i++
				v = list[i]
			}
			val, found = v, true
		}
		if found {
			return val, true
		}
	}
	return "", false
}

// walk stamps dir, its .go files and its subdirectories, skipping what
// the go command ignores in patterns (names starting with . or _,
// testdata) and what belongs to other modules (a directory with a go.mod
// is stamped, so that adding or removing its go.mod is seen, but not
// entered; the root's vendor directory, whose modules.txt is stamped
// instead). A package of the build in a skipped directory leaves no
// record (see record).
func (s *snapshot) walk(dir string, root bool) error {
	st, entries, err := stampDir(dir)
	if err != nil {
		return err
	}
	s.dirs[dir] = st
	if !root && otherModule(entries) {
		return nil
	}
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(dir, name)
		switch {
		case e.IsDir():
			if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || (root && name == "vendor") {
				continue
			}
			if err := s.walk(path, false); err != nil {
				return err
			}
		case strings.HasSuffix(name, ".go"):
			s.files[path] = stampFile(path, false)
		}
	}
	return nil
}

// stampDir stamps the directory dir and returns its entries.
func stampDir(dir string) (stamp, []fs.DirEntry, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return stamp{}, nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return stamp{}, nil, err
	}
	return stamp{kind: 'd', stat: statOf(fi), sum: namesSum(entries), path: dir}, entries, nil
}

// otherModule reports whether a directory below a module's root, with
// entries, is the root of another module, whose files are not the walked
// module's.
func otherModule(entries []fs.DirEntry) bool {
	return slices.ContainsFunc(entries, func(e fs.DirEntry) bool { return e.Name() == "go.mod" })
}

// namesSum hashes the names and kinds of a directory's entries (os.ReadDir
// sorts them).
func namesSum(entries []fs.DirEntry) string {
	h := sha256.New()
	for _, e := range entries {
		fmt.Fprintf(h, "%s %v\n", e.Name(), e.IsDir())
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// stampFile stamps file, hashing its content if withSum; a file that does
// not exist (or is a dangling link) gets an entry that requires that.
func stampFile(file string, withSum bool) stamp {
	fi, err := os.Stat(file)
	if err != nil {
		return stamp{kind: 'm', path: file}
	}
	e := stamp{kind: 'f', stat: statOf(fi), path: file}
	if withSum {
		data, err := os.ReadFile(file)
		if err != nil {
			return stamp{kind: 'm', path: file}
		}
		sum := sha256.Sum256(data)
		e.sum = hex.EncodeToString(sum[:])
	}
	return e
}

// record takes the second pass of stamps, after go list and the key, and
// stores them with key in file if they agree with the first and cover
// every changeable package of the listing. It is best effort: a record
// that cannot be written only means that the next build lists again.
func (s *snapshot) record(file, key string, info *listInfo, overlay map[string][]byte) {
	if !s.ok || info.errors {
		return
	}
	for _, d := range info.dirs {
		if _, ok := s.dirs[d]; !ok {
			return // vendor/, testdata, a module outside the roots: always list
		}
	}
	for _, f := range info.embeds {
		if _, ok := s.dirs[filepath.Dir(f)]; !ok {
			return
		}
	}
	now := stampNow()
	var entries []stamp
	for _, d := range sortedKeys(s.dirs) {
		first := s.dirs[d]
		fi, err := os.Stat(d)
		if err != nil || statOf(fi) != first.stat {
			return
		}
		names, err := os.ReadDir(d)
		if err != nil || namesSum(names) != first.sum {
			return
		}
		first.racy = first.stat.recent(now)
		entries = append(entries, first)
	}
	// Files the key hashed that the first pass did not stamp (the go.mod
	// of a module outside the roots, profiles) must be older than the
	// first pass, so that go list cannot have seen another version.
	later := map[string]bool{}
	for _, f := range append(slices.Clone(info.goMods), info.pgo...) {
		if _, ok := s.files[f]; !ok {
			later[f] = true
		}
	}
	for _, f := range append(sortedKeys(s.files), sortedKeys(later)...) {
		e := stampFile(f, true)
		if first, ok := s.files[f]; ok {
			if e.kind != first.kind || e.stat != first.stat {
				return
			}
		} else if e.kind != 'f' || e.stat.recent(s.start) {
			return
		}
		if sum, ok := info.hashes[f]; ok && e.kind == 'f' && e.sum != sum {
			if _, overlaid := overlay[f]; !overlaid {
				return
			}
		}
		e.racy = e.kind == 'f' && e.stat.recent(now)
		entries = append(entries, e)
	}
	for _, e := range entries {
		if strings.ContainsAny(e.path, "\n\r") {
			return
		}
	}
	writeStamps(file, key, entries)
}

// writeStamps stores the stamps file atomically, so that concurrent
// builds read either the old record or the new one.
func writeStamps(file, key string, entries []stamp) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nkey %s\n", stampsVersion, key)
	defer func() {
		// The count at the end tells a whole file from a truncated one.
		fmt.Fprintf(&b, "end %d\n", len(entries))
		_ = cache.WriteFileAtomic(file, b.Bytes(), 0o600)
	}()
	for _, e := range entries {
		if e.kind == 'm' {
			fmt.Fprintf(&b, "m %s\n", e.path)
			continue
		}
		racy := 0
		if e.racy {
			racy = 1
		}
		dir := 0
		if e.stat.dir {
			dir = 1
		}
		fmt.Fprintf(&b, "%c %d %d %d %d %d %d %s %s\n", e.kind, racy, dir, e.stat.size, e.stat.mtime, e.stat.ctime, e.stat.ino, e.sum, e.path)
	}
}

// checkStamps reads the stamps file and returns its key if every entry
// still holds. Entries whose stat changed but whose content did not are
// refreshed in the file, as are racy entries that have since aged.
func checkStamps(file string) (string, bool) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	if !sc.Scan() || sc.Text() != stampsVersion || !sc.Scan() {
		return "", false
	}
	key, ok := strings.CutPrefix(sc.Text(), "key ")
	if !ok || key == "" {
		return "", false
	}
	now := stampNow()
	var entries []stamp
	refresh := false
	complete := false
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "end "); ok {
			complete = n == strconv.Itoa(len(entries)) && !sc.Scan()
			break
		}
		e, err := parseEntry(sc.Text())
		if err != nil {
			return "", false
		}
		changed, ok := e.holds(now)
		if !ok {
			return "", false
		}
		refresh = refresh || changed
		entries = append(entries, e)
	}
	if sc.Err() != nil || !complete {
		return "", false
	}
	if refresh {
		writeStamps(file, key, entries)
	}
	return key, true
}

// parseEntry parses one line of a stamps file.
func parseEntry(line string) (stamp, error) {
	if p, ok := strings.CutPrefix(line, "m "); ok {
		return stamp{kind: 'm', path: p}, nil
	}
	f := strings.SplitN(line, " ", 9)
	if len(f) != 9 || len(f[0]) != 1 || (f[0] != "d" && f[0] != "f") {
		return stamp{}, errors.New("bad stamp")
	}
	var n [6]int64
	for i := range n {
		v, err := strconv.ParseInt(f[i+1], 10, 64)
		if err != nil {
			return stamp{}, err
		}
		n[i] = v
	}
	return stamp{
		kind: f[0][0],
		racy: n[0] == 1,
		stat: fileStat{dir: n[1] == 1, size: n[2], mtime: n[3], ctime: n[4], ino: uint64(n[5])},
		sum:  f[7],
		path: f[8],
	}, nil
}

// holds checks e against the file system. changed reports that e was
// updated (new stat, same content; or no longer racy).
func (e *stamp) holds(now time.Time) (changed, ok bool) {
	fi, err := os.Stat(e.path)
	if e.kind == 'm' {
		return false, errors.Is(err, fs.ErrNotExist)
	}
	if err != nil {
		return false, false
	}
	st := statOf(fi)
	if st.dir != (e.kind == 'd') {
		return false, false
	}
	if st == e.stat && !e.racy {
		return false, true
	}
	var sum string
	if e.kind == 'd' {
		entries, err := os.ReadDir(e.path)
		if err != nil {
			return false, false
		}
		sum = namesSum(entries)
	} else {
		data, err := os.ReadFile(e.path)
		if err != nil {
			return false, false
		}
		s := sha256.Sum256(data)
		sum = hex.EncodeToString(s[:])
	}
	if sum != e.sum {
		return false, false
	}
	racy := st.recent(now)
	changed = st != e.stat || racy != e.racy
	e.stat, e.racy = st, racy
	return changed, true
}
