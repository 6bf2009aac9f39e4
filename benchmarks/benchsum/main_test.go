package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestSummary checks that runs of one benchmark are grouped across the
// GOMAXPROCS suffix, that non-result lines are skipped, and the median and
// range of each metric.
func TestSummary(t *testing.T) {
	in := `goos: linux
BenchmarkBuild/server-2   	       1	 5000 ns/op	  2.0 plain-first-s	 10 wrapper/plain-noop-x
--- BENCH: BenchmarkBuild/server-2
    build_test.go:1: a log line 1 2
BenchmarkBuild/server-4   	       1	 7000 ns/op	  4.0 plain-first-s	 30 wrapper/plain-noop-x
BenchmarkBuild/server-2   	       1	 6000 ns/op	  3.0 plain-first-s	 20 wrapper/plain-noop-x
BenchmarkHTTP-2 1 100 ns/op 12345.6 plain-rps 1.25 woven-off/plain-rps-x
PASS
`
	s := newSummary()
	if err := s.read(strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	s.write(&out, regexp.MustCompile(`-(s|x|rps)$`))
	want := `BenchmarkBuild/server

| metric | median | min–max | runs |
|---|---|---|---|
| plain-first-s | 3 | 2–4 | 3 |
| wrapper/plain-noop-x | 20 | 10–30 | 3 |

BenchmarkHTTP

| metric | median | min–max | runs |
|---|---|---|---|
| plain-rps | 12346 | 12346–12346 | 1 |
| woven-off/plain-rps-x | 1.250 | 1.250–1.250 | 1 |

`
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

// TestStats checks the median of even and odd counts.
func TestStats(t *testing.T) {
	for _, c := range []struct {
		in          []float64
		med, lo, hi float64
	}{
		{[]float64{3, 1, 2}, 2, 1, 3},
		{[]float64{4, 1, 3, 2}, 2.5, 1, 4},
		{[]float64{7}, 7, 7, 7},
	} {
		if med, lo, hi := stats(c.in); med != c.med || lo != c.lo || hi != c.hi {
			t.Errorf("stats(%v) = %v %v %v, want %v %v %v", c.in, med, lo, hi, c.med, c.lo, c.hi)
		}
	}
}

// TestBadValue checks that a result line whose value is not a number is an
// error naming the benchmark, not a silent skip.
func TestBadValue(t *testing.T) {
	err := newSummary().read(strings.NewReader("BenchmarkX-2 1 abc ns/op\n"))
	if err == nil || !strings.Contains(err.Error(), "BenchmarkX") {
		t.Errorf("err = %v, want an error naming BenchmarkX", err)
	}
}
