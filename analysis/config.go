package analysis

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ConfigFileName is the name of the configuration file ssaweave reads from
// the main module's root directory (docs/config.md documents it).
const ConfigFileName = "ssaweave.yaml"

// EnvConfig names an environment variable holding the path of the
// configuration file to use instead of ConfigFileName in the module root;
// "off" means no configuration file.
const EnvConfig = "SSAWEAVE_CONFIG"

// Settings is the user's configuration: which functions get spans and what
// is excluded from instrumentation, without touching the code.
type Settings struct {
	// File is the path the settings were read from; "" when there is no
	// configuration file.
	File string `yaml:"-"`
	// Data is the file's content, which plan cache keys include.
	Data []byte `yaml:"-"`

	// Spans select functions of the main module that get a function span,
	// as if they carried a //ssaweave:span directive.
	Spans []SpanSelector `yaml:"spans"`
	// Exclude lists what is never instrumented.
	Exclude ExcludeSettings `yaml:"exclude"`
	// Paths gives a function span to every function of the main module
	// on a call path from an entry point to a sink (see PathCandidates);
	// $SSAWEAVE_PATHS=1 and `ssaweave plan -paths` set it too.
	Paths bool `yaml:"paths"`
	// CallGraph chooses the call-graph algorithm that decides
	// reachability: one of CallGraphAlgorithms; "" leaves the choice to
	// $SSAWEAVE_CALLGRAPH or the default, auto.
	CallGraph string `yaml:"callgraph"`
	// CallGraphLine is the line of the callgraph key, for messages.
	CallGraphLine int `yaml:"-"`
	// Hot is the hot-path threshold as written: the share of a CPU
	// profile's samples ("5%", "0.5%") at or above which a function
	// span is not woven, or "off" (see ParseHot); "" leaves it to
	// $SSAWEAVE_HOT or the default.
	Hot string `yaml:"hot"`
	// HotLine is the line of the hot key, for messages.
	HotLine int `yaml:"-"`
}

// CallGraphAlgorithms are the values of the callgraph setting: RTA, VTA,
// or whichever of the two the program's size makes affordable.
var CallGraphAlgorithms = []string{"rta", "vta", "auto"}

// SpanSelector selects functions by package, receiver and name.
type SpanSelector struct {
	// Package is an import path pattern, as for go list: "..." matches
	// any string, so "example.com/app/..." is the package and everything
	// under it. Required.
	Package string `yaml:"package"`
	// Receiver selects methods by receiver type name: "Store" matches
	// methods declared on Store or *Store, "*Store" only pointer
	// receivers; "" selects plain functions and methods alike, "-" plain
	// functions only. Glob characters as in Func.
	Receiver string `yaml:"receiver"`
	// Func is a glob (path.Match syntax) on the function or method name;
	// "" means every name.
	Func string `yaml:"func"`
	// Name is the span name; "" means the default, package.Func or
	// package.Type.Method.
	Name string `yaml:"name"`

	// Line is the selector's line in the file, for messages.
	Line int `yaml:"-"`
}

// ExcludeSettings are the opt-outs of the configuration file.
type ExcludeSettings struct {
	// Packages are import path patterns (as in SpanSelector.Package)
	// whose functions are excluded roots: nothing is woven in them, and
	// whatever is reachable only through them is not woven either.
	Packages []string `yaml:"packages"`
	// Routes are net/http ServeMux patterns ("GET /health", "/metrics")
	// whose requests are not traced: the server makes no span for them
	// and nothing under them does, and their handlers are excluded roots.
	Routes []string `yaml:"routes"`

	PackageLines []int `yaml:"-"`
	RouteLines   []int `yaml:"-"`
}

// ReadSettings reads the configuration for a program loaded from dir: the
// file named by $SSAWEAVE_CONFIG in env (or the process environment), else
// ssaweave.yaml in moduleRoot if it exists. No file means empty settings.
// Errors name the file and line and say what to do.
func ReadSettings(moduleRoot string, env []string) (*Settings, error) {
	file := lookupEnv(env, EnvConfig)
	none := &Settings{Paths: lookupEnv(env, EnvPaths) == "1"}
	switch file {
	case "off":
		return none, nil
	case "":
		if moduleRoot == "" {
			return none, nil
		}
		file = filepath.Join(moduleRoot, ConfigFileName)
		if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
			return none, nil
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("ssaweave: reading the configuration: %v", err)
	}
	s, err := ParseSettings(file, data)
	if err != nil {
		return nil, err
	}
	s.Paths = s.Paths || lookupEnv(env, EnvPaths) == "1"
	return s, nil
}

// EnvPaths names the environment variable that turns path spans on, as
// `paths: true` in the configuration file does.
const EnvPaths = "SSAWEAVE_PATHS"

// lookupEnv returns the last value of key in env, else in the process
// environment.
func lookupEnv(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return os.Getenv(key)
}

// ParseSettings parses a configuration file's content. Unknown keys, bad
// patterns and bad routes are errors at their line.
func ParseSettings(file string, data []byte) (*Settings, error) {
	s := &Settings{File: file, Data: data}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return s, nil // an empty file
	} else if err != nil {
		return nil, yamlError(file, err)
	}
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	if err := strict.Decode(s); err != nil {
		return nil, yamlError(file, err)
	}
	s.File, s.Data = file, data
	lines := nodeLines(&doc)
	for i := range s.Spans {
		sel := &s.Spans[i]
		sel.Line = lines["spans"][i]
		at := fmt.Sprintf("%s:%d", file, sel.Line)
		if sel.Package == "" {
			return nil, fmt.Errorf("%s: spans[%d] has no package: name the import path (or a pattern such as example.com/app/...) whose functions get spans", at, i)
		}
		for _, g := range []string{sel.Receiver, sel.Func} {
			if _, err := path.Match(g, ""); err != nil {
				return nil, fmt.Errorf("%s: spans[%d]: bad pattern %q: %v", at, i, g, err)
			}
		}
	}
	s.CallGraphLine = scalarLine(&doc, "callgraph")
	if s.CallGraph != "" && !slices.Contains(CallGraphAlgorithms, s.CallGraph) {
		return nil, fmt.Errorf("%s:%d: callgraph: %q is not a call-graph algorithm: use rta, vta or auto", file, s.CallGraphLine, s.CallGraph)
	}
	s.HotLine = scalarLine(&doc, "hot")
	if s.Hot != "" {
		if _, err := ParseHot(s.Hot); err != nil {
			return nil, fmt.Errorf("%s:%d: hot: %v", file, s.HotLine, err)
		}
	}
	s.Exclude.PackageLines = lines["exclude.packages"]
	s.Exclude.RouteLines = lines["exclude.routes"]
	for i, r := range s.Exclude.Routes {
		if err := checkRoute(r); err != nil {
			return nil, fmt.Errorf("%s:%d: exclude.routes[%d]: %v", file, s.Exclude.RouteLines[i], i, err)
		}
	}
	return s, nil
}

// ParseHot parses a hot-path threshold (the hot key, $SSAWEAVE_HOT): a
// percentage of a CPU profile's samples, above 0 and at most 100, written
// with its % sign ("5%", "0.5%"), or "off". It returns the percentage,
// 0 for off. The sign is required so that "hot: 5" cannot be read as
// 5% by one reader and as a fraction by another.
func ParseHot(v string) (float64, error) {
	if v == "off" {
		return 0, nil
	}
	num, ok := strings.CutSuffix(strings.TrimSpace(v), "%")
	if !ok {
		return 0, fmt.Errorf("%q is not a percentage: give the share of the profile's samples with its %% sign, such as 5%%, or off", v)
	}
	pct, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(pct) || pct <= 0 || pct > 100 {
		return 0, fmt.Errorf("%q is not a percentage above 0%% and at most 100%%: give one such as 5%%, or off", v)
	}
	return pct, nil
}

// yamlLine matches the position yaml.v3 puts in its messages.
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlFieldNotFound matches yaml.v3's message for an unknown key.
var yamlFieldNotFound = regexp.MustCompile(`^field (\S+) not found in type .*$`)

// yamlError rewrites a yaml.v3 error as file:line: message lines, the form
// editors and terminals link to.
func yamlError(file string, err error) error {
	var msgs []string
	if te, ok := err.(*yaml.TypeError); ok {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var out []string
	for _, m := range msgs {
		if sub := yamlLine.FindStringSubmatch(m); sub != nil {
			msg := sub[2]
			if f := yamlFieldNotFound.FindStringSubmatch(msg); f != nil {
				msg = "unknown key " + f[1] + " (docs/config.md lists the keys)"
			}
			out = append(out, file+":"+sub[1]+": "+msg)
		} else {
			out = append(out, file+": "+strings.TrimPrefix(m, "yaml: "))
		}
	}
	return errors.New(strings.Join(out, "\n"))
}

// nodeLines returns the line of each element of the sequences at spans,
// exclude.packages and exclude.routes.
func nodeLines(doc *yaml.Node) map[string][]int {
	out := map[string][]int{}
	if len(doc.Content) == 0 {
		return out
	}
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i].Value, n.Content[i+1]
			name := key
			if prefix != "" {
				name = prefix + "." + key
			}
			switch val.Kind {
			case yaml.SequenceNode:
				for _, el := range val.Content {
					out[name] = append(out[name], el.Line)
				}
			case yaml.MappingNode:
				walk(val, name)
			}
		}
	}
	walk(doc.Content[0], "")
	return out
}

// scalarLine returns the line of the top-level key in doc, or 0.
func scalarLine(doc *yaml.Node, key string) int {
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return 0
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i].Line
		}
	}
	return 0
}

// checkRoute reports whether net/http accepts r as a ServeMux pattern, by
// registering it: the mux itself is the authority on its syntax.
func checkRoute(r string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%q is not a net/http ServeMux pattern: %v", r, p)
		}
	}()
	http.NewServeMux().HandleFunc(r, func(http.ResponseWriter, *http.Request) {})
	return nil
}

// MatchPackage reports whether the import path matches pattern, where
// "..." matches any string (as in go list patterns) and a trailing "/..."
// also matches the path without it.
func MatchPackage(pattern, importPath string) bool {
	if !strings.Contains(pattern, "...") {
		return pattern == importPath
	}
	if prefix, ok := strings.CutSuffix(pattern, "/..."); ok && importPath == prefix {
		return true
	}
	re := "^" + strings.ReplaceAll(regexp.QuoteMeta(pattern), `\.\.\.`, `.*`) + "$"
	ok, _ := regexp.MatchString(re, importPath)
	return ok
}

// Matches reports whether sel selects the function called name, declared
// with receiver type recv ("" for a plain function) in package pkgPath.
// recv is the receiver type's name, with a leading "*" for a pointer
// receiver.
func (sel *SpanSelector) Matches(pkgPath, recv, name string) bool {
	if !MatchPackage(sel.Package, pkgPath) {
		return false
	}
	if sel.Func != "" {
		if ok, _ := path.Match(sel.Func, name); !ok {
			return false
		}
	}
	switch sel.Receiver {
	case "":
		return true
	case "-":
		return recv == ""
	}
	if recv == "" {
		return false
	}
	// A leading "*" means a pointer receiver, not a glob.
	want := sel.Receiver
	if w, ok := strings.CutPrefix(want, "*"); ok {
		if !strings.HasPrefix(recv, "*") {
			return false
		}
		want = w
	}
	ok, _ := path.Match(want, strings.TrimPrefix(recv, "*"))
	return ok
}
