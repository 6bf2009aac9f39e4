package ssaweave

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ssaweave/ssaweave/internal/gotool"
	"github.com/ssaweave/ssaweave/internal/version"
)

// Up-to-date outputs: skipping a woven build that would change nothing.
//
// A woven `go build` that changes nothing still costs the go command's
// own check of the whole woven package graph: 145 ms for testdata/bench
// (412 packages, the SDK and exporters included) against 85 ms for the
// plain program (188 packages), because the go command hashes every
// source file of every package, the standard library's too, on each run.
// ssaweave knows more than the go command about what can change: the
// standard library is fixed by the toolchain, a module in the module
// cache by its version, and everything else is in the local modules (the
// main module, workspace modules, directory replacements), which stamps
// describe at the cost of a stat per file.
//
// So after a woven build that wrote one file (go build -o FILE, or go
// build of one main package) succeeds,
// the wrapper records an output record: a stamp of every file and
// directory of the local modules (all files, not only .go: embedded
// files, assembly, C, syso), of the module files, and a key over the
// woven command line, its environment, the go env, the identity of the
// go command, the compiler, the linker and the C compiler, and the output
// file's own stat and Go build ID. The next identical command whose
// stamps all hold (a stamp whose stat changed is compared by content, so
// touching a file keeps it) and whose output is the file recorded does
// not run the go command. Anything else runs it, as without a record.
//
// The stamps are taken in two passes, before the plan is made and after
// the go command succeeded, and the record is written only if both agree,
// so that it never describes a file that changed while the plan or the go
// command read it. What the go command itself
// does not track (system C headers and libraries) is not tracked here
// either; SSAWEAVE_UPTODATE=off turns the check off.

// EnvUpToDate names the environment variable that turns off the
// up-to-date check of woven builds when set to off.
const EnvUpToDate = "SSAWEAVE_UPTODATE"

// outputRecordVersion changes whenever what an output record covers
// changes.
const outputRecordVersion = "ssaweave output record 1"

// Limits of what an output record stamps: a larger tree is built as
// without a record. Files above maxSumSize are stamped by their stat
// only, so that any change to them counts as a change.
const (
	maxRecordEntries = 50000
	maxSumSize       = 1 << 20
	maxSumTotal      = 64 << 20
)

// Output is one woven go command that writes one file.
type Output struct {
	// Opts are the options of the plan the command builds; their
	// directory, flags and environment locate the local modules.
	Opts Options
	// Args is the woven go command line (after "go").
	Args []string
	// Env is the command's environment.
	Env []string
	// File is the absolute path of the file the command writes; "" until
	// the caller knows it (see SetFile).
	File string

	cacheDir string        // ssaweave's cache, which holds the record
	first    *treeSnapshot // the first pass of the record, taken by NewOutput
}

// NewOutput returns the up-to-date check of a go command that writes
// file, taking the first pass of its record now: call it before the plan
// is made, with the user's options (the plan's add only the runtime
// module, which lives in the cache), so that the record describes only
// files that neither the plan nor the build can have read in another
// version. The record lives in cacheDir, ssaweave's cache. The caller sets
// Opts, Args and Env once the command is known,
// and the file with SetFile if it was not known yet ("": go build names
// its output after the main package, which the plan finds).
func NewOutput(ctx context.Context, opts Options, file, cacheDir string) *Output {
	o := &Output{Opts: opts, cacheDir: cacheDir}
	if first, ok := o.snapshotTree(ctx); ok {
		o.first = first
	}
	if file != "" {
		o.SetFile(file)
	}
	return o
}

// SetFile sets the file the command writes, which the first pass then
// leaves out: the command rewrites it.
func (o *Output) SetFile(file string) {
	o.File = file
	if o.first != nil {
		o.first.setOutput(file)
	}
}

// UpToDate reports whether o.File is what running o would write now: an
// output record of an earlier run of o holds, with the same command,
// environment, toolchain and output file.
func (o *Output) UpToDate(ctx context.Context) bool {
	in, err := o.inputs(ctx)
	if err != nil {
		return false
	}
	id, ok := outputIdentity(o.File)
	if !ok {
		return false
	}
	key, ok := checkStamps(o.recordFile())
	return ok && key == recordKey(in, id)
}

// Begin is called just before the go command runs. Once the command has
// succeeded, record takes the second pass and stores the record; it is
// best effort, as the plan's stamps are: without a record, the next
// identical command runs the go command.
func (o *Output) Begin(ctx context.Context) (record func()) {
	// A command that fails, or writes no record, must not leave an
	// earlier record standing for a file it may have rewritten.
	file := o.recordFile()
	_ = os.Remove(file)
	in, err := o.inputs(ctx)
	if err != nil || o.first == nil {
		return func() {}
	}
	snap := o.first
	return func() {
		id, ok := outputIdentity(o.File)
		if !ok {
			return
		}
		if entries, ok := snap.second(); ok {
			writeStamps(file, recordKey(in, id), entries)
		}
	}
}

// recordFile names o's record in the cache: by directory and output,
// since the record of another command line for the same output would
// only miss.
func (o *Output) recordFile() string {
	h := sha256.New()
	field := fieldWriter(h)
	field("dir", o.Opts.Dir)
	field("file", o.File)
	return filepath.Join(o.cacheDir, "outputs", hex.EncodeToString(h.Sum(nil)[:16])+".txt")
}

// inputs hashes what the output depends on besides the files: the
// command, its environment (but variables a shell changes from one
// command to the next), the go env, and the identity of the tools.
func (o *Output) inputs(ctx context.Context) (string, error) {
	// As the plan's key asks it (a memoized answer); what o.Env adds
	// (the plan's file, the toolexec front) is hashed below.
	env, err := gotool.Env(ctx, o.Opts.Dir, append(os.Environ(), o.Opts.Env...))
	if err != nil {
		return "", err
	}
	h := sha256.New()
	field := fieldWriter(h)
	field("version", outputRecordVersion)
	field("tool", version.Tool())
	field("args", o.Args...)
	field("env", recordEnv(o.Env)...)
	for _, name := range gotool.EnvVars {
		field(name, env[name])
	}
	// What `go env -w` set, the cgo flags among it.
	if data, err := os.ReadFile(env["GOENV"]); err == nil {
		field("goenv file", string(data))
	}
	// The go command and the tools it runs: a toolchain rebuilt in place
	// keeps its GOVERSION ("devel ...") but not its files.
	goExe, err := exec.LookPath("go")
	if err != nil {
		return "", err
	}
	tools := []string{goExe}
	for _, t := range []string{"compile", "link", "asm", "cgo"} {
		tools = append(tools, filepath.Join(env["GOTOOLDIR"], t))
	}
	if cc := strings.Fields(env["CC"]); len(cc) > 0 && env["CGO_ENABLED"] == "1" {
		if path, err := exec.LookPath(cc[0]); err == nil {
			tools = append(tools, path)
		}
	}
	for _, t := range tools {
		fi, err := os.Stat(t)
		if err != nil {
			return "", err
		}
		field("tool", t, fmt.Sprint(statOf(fi)))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// recordEnv returns env as the go command sees it (one value per name,
// sorted), without the variables a shell sets per command or directory,
// which do not change what the go command builds.
func recordEnv(env []string) []string {
	return slices.DeleteFunc(gotool.CanonicalEnv(env), func(kv string) bool {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "_", "PWD", "OLDPWD", "SHLVL", EnvPlanServer, EnvPlanServerIdle:
			return true
		}
		return false
	})
}

// outputIdentity identifies the output file: its stat and Go build ID.
func outputIdentity(file string) (string, bool) {
	fi, err := os.Stat(file)
	if err != nil || !fi.Mode().IsRegular() {
		return "", false
	}
	return fmt.Sprintf("%v %s", statOf(fi), version.BuildID(file)), true
}

// recordKey is the key an output record holds.
func recordKey(inputs, output string) string {
	h := sha256.New()
	field := fieldWriter(h)
	field("inputs", inputs)
	field("output", output)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// treeSnapshot is the first pass of an output record: the stat of every
// directory and file of the local modules, and of the module files.
type treeSnapshot struct {
	skip map[string]bool // caches: never stamped
	out  string          // the output file
	// outNames are the other entries of the output's directory, when it
	// is one of the stamped directories: creating the output there is
	// the one change the second pass allows in it.
	outNames []string
	entries  map[string][]fs.DirEntry // of each stamped directory
	dirs     map[string]stamp
	files    map[string]stamp
	count    int
}

// errTooLarge stops a walk of a tree too large to record.
var errTooLarge = errors.New("too many files to record")

// snapshotTree takes the first pass of o's record.
func (o *Output) snapshotTree(ctx context.Context) (*treeSnapshot, bool) {
	in, err := moduleInputs(ctx, o.Opts)
	if err != nil {
		return nil, false
	}
	roots, files, ok := in.localModules()
	if !ok {
		return nil, false
	}
	s := &treeSnapshot{
		// Caches change with every build and are no input to one; a
		// CI job may keep them inside the module.
		skip:    map[string]bool{filepath.Clean(o.cacheDir): true, in.env["GOMODCACHE"]: true, in.env["GOCACHE"]: true},
		entries: map[string][]fs.DirEntry{},
		dirs:    map[string]stamp{},
		files:   map[string]stamp{},
	}
	for _, r := range roots {
		if err := s.walk(r, true); err != nil {
			return nil, false
		}
	}
	for _, f := range files {
		if _, ok := s.files[f]; !ok && !s.skip[f] {
			s.files[f] = stampFile(f, false)
		}
	}
	return s, true
}

// walk stamps dir and everything under it but .git directories, other
// modules (a directory with a go.mod is stamped, not entered) and the
// root's vendor directory, which woven builds do not use. Unlike the
// plan's stamps it keeps testdata and names starting with . or _, which
// //go:embed can name.
func (s *treeSnapshot) walk(dir string, root bool) error {
	if s.skip[dir] {
		return nil
	}
	st, entries, err := stampDir(dir)
	if err != nil {
		return err
	}
	if s.count += len(entries) + 1; s.count > maxRecordEntries {
		return errTooLarge
	}
	s.dirs[dir] = st
	s.entries[dir] = entries
	if !root && otherModule(entries) {
		return nil
	}
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(dir, name)
		switch {
		case s.skip[path]:
		case e.IsDir():
			if name == ".git" || (root && name == "vendor") {
				continue
			}
			if err := s.walk(path, false); err != nil {
				return err
			}
		case e.Type().IsRegular():
			s.files[path] = stampFile(path, false)
		case e.Type()&fs.ModeSymlink != 0:
			// A link to a file is stamped as the file; the go command
			// does not follow links to directories.
			if st := stampFile(path, false); !st.stat.dir {
				s.files[path] = st
			}
		}
	}
	return nil
}

// second takes the second pass, after the go command: every entry must
// be as the first pass found it (a directory may have a new stat if its
// entries are the same names: the go command replacing an output there
// changes it), and files get their content hash, so that a later stat
// change with the same content keeps the record.
func (s *treeSnapshot) second() ([]stamp, bool) {
	now := stampNow()
	var entries []stamp
	for _, d := range sortedKeys(s.dirs) {
		first := s.dirs[d]
		fi, err := os.Stat(d)
		if err != nil {
			return nil, false
		}
		names, err := os.ReadDir(d)
		if err != nil {
			return nil, false
		}
		if sum := namesSum(names); sum != first.sum {
			if d != filepath.Dir(s.out) || !slices.Equal(otherNames(names, filepath.Base(s.out)), s.outNames) {
				return nil, false
			}
			first.sum = sum // the output is new
		}
		first.stat = statOf(fi)
		first.racy = first.stat.recent(now)
		entries = append(entries, first)
	}
	hashed := int64(0)
	for _, f := range sortedKeys(s.files) {
		first := s.files[f]
		e := stampFile(f, false)
		if e.kind != first.kind || e.stat != first.stat {
			return nil, false
		}
		if e.kind == 'f' && e.stat.size <= maxSumSize && hashed+e.stat.size <= maxSumTotal {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, false
			}
			hashed += int64(len(data))
			sum := sha256.Sum256(data)
			e.sum = hex.EncodeToString(sum[:])
		}
		// Read after the stat: a change since would show in the stat
		// next time, unless it came within the same tick, which racy
		// covers.
		e.racy = e.kind == 'f' && e.stat.recent(now)
		if strings.ContainsAny(f, "\n\r") {
			return nil, false
		}
		entries = append(entries, e)
	}
	return entries, true
}

// setOutput leaves the output file out of the snapshot.
func (s *treeSnapshot) setOutput(file string) {
	s.out = file
	delete(s.files, file)
	if entries, ok := s.entries[filepath.Dir(file)]; ok {
		s.outNames = otherNames(entries, filepath.Base(file))
	}
}

// otherNames lists the entries of a directory but name, with their kinds.
func otherNames(entries []fs.DirEntry, name string) []string {
	var names []string
	for _, e := range entries {
		if e.Name() != name {
			names = append(names, fmt.Sprintf("%s %v", e.Name(), e.IsDir()))
		}
	}
	return names
}
