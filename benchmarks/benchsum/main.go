// Command benchsum summarises `go test -bench` output: for every benchmark
// and metric, the median, minimum and maximum over the runs (-count), as
// Markdown tables, one per benchmark. benchmarks/bench.sh uses it to turn
// repeated runs into the figures of benchmarks/README.md.
//
//	benchsum [-match regexp] [file ...]
//
// With no file it reads standard input. -match keeps the metrics whose
// unit matches.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

func main() {
	match := flag.String("match", "", "keep only the metrics whose unit matches this regular expression")
	flag.Parse()
	re, err := regexp.Compile(*match)
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchsum: -match: %v\n", err)
		os.Exit(2)
	}
	var inputs []io.Reader
	for _, name := range flag.Args() {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "benchsum: %v\n", err)
			os.Exit(1)
		}
		defer f.Close()
		inputs = append(inputs, f)
	}
	if len(inputs) == 0 {
		inputs = append(inputs, os.Stdin)
	}
	s := newSummary()
	for _, in := range inputs {
		if err := s.read(in); err != nil {
			fmt.Fprintf(os.Stderr, "benchsum: %v\n", err)
			os.Exit(1)
		}
	}
	s.write(os.Stdout, re)
}

// summary holds every value of every metric of every benchmark, in the
// order they were first seen.
type summary struct {
	names  []string                        // benchmarks
	units  map[string][]string             // benchmark -> metrics
	values map[string]map[string][]float64 // benchmark -> metric -> values
}

func newSummary() *summary {
	return &summary{units: map[string][]string{}, values: map[string]map[string][]float64{}}
}

// gomaxprocs is the -N suffix go test adds to benchmark names.
var gomaxprocs = regexp.MustCompile(`-\d+$`)

// read adds the result lines of one go test output: a name starting with
// Benchmark, the iteration count, then value-unit pairs. Other lines (logs,
// PASS, the header) are skipped.
func (s *summary) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := gomaxprocs.ReplaceAllString(f[0], "")
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return fmt.Errorf("%s: value %q of %s is not a number", name, f[i], f[i+1])
			}
			s.add(name, f[i+1], v)
		}
	}
	return sc.Err()
}

func (s *summary) add(name, unit string, v float64) {
	if _, ok := s.values[name]; !ok {
		s.names = append(s.names, name)
		s.values[name] = map[string][]float64{}
	}
	if _, ok := s.values[name][unit]; !ok {
		s.units[name] = append(s.units[name], unit)
	}
	s.values[name][unit] = append(s.values[name][unit], v)
}

// write prints one table per benchmark, metrics sorted by name.
func (s *summary) write(w io.Writer, keep *regexp.Regexp) {
	for _, name := range s.names {
		units := slices.Clone(s.units[name])
		slices.Sort(units)
		units = slices.DeleteFunc(units, func(u string) bool { return !keep.MatchString(u) })
		if len(units) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s\n\n| metric | median | min–max | runs |\n|---|---|---|---|\n", name)
		for _, u := range units {
			med, lo, hi := stats(s.values[name][u])
			fmt.Fprintf(w, "| %s | %s | %s–%s | %d |\n", u, format(med), format(lo), format(hi), len(s.values[name][u]))
		}
		fmt.Fprintln(w)
	}
}

// stats returns the median, minimum and maximum of vs (not empty).
func stats(vs []float64) (median, lo, hi float64) {
	sorted := slices.Clone(vs)
	slices.Sort(sorted)
	n := len(sorted)
	median = sorted[n/2]
	if n%2 == 0 {
		median = (sorted[n/2-1] + sorted[n/2]) / 2
	}
	return median, sorted[0], sorted[n-1]
}

// format prints integers as such (counts) and other values with three or
// four significant digits, without exponent for the magnitudes benchmarks
// report.
func format(v float64) string {
	switch a := max(v, -v); {
	case v == math.Trunc(v) && a < 1e15:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
}
