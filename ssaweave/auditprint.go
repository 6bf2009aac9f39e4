package ssaweave

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"
)

// WriteJSON writes the audit as indented JSON followed by a newline: the
// stable, machine-readable form, whose schema AUDIT.md documents.
func (a *Audit) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// importDirs matches the directories of import paths in function names.
var importDirs = regexp.MustCompile(`[A-Za-z0-9_.~\-]+/`)

// ShortName shortens a function name as go/ssa prints it to its packages'
// last path elements: "(*example.com/app/store.DB).Get" becomes
// "(*store.DB).Get".
func ShortName(fn string) string {
	return importDirs.ReplaceAllString(fn, "")
}

// elide shortens s to width runes (at least 8) by cutting its middle.
func elide(s string, width int) string {
	width = max(width, 8)
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	head := (width - 1) / 2
	tail := width - 1 - head
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}

// chain prints a call chain with short names, elided to width.
func chain(path []string, width int) string {
	short := make([]string, len(path))
	for i, p := range path {
		short[i] = ShortName(p)
	}
	return elide(strings.Join(short, " → "), width)
}

// percent prints a profile share, or "-".
func percent(s *Samples) string {
	if s == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*s.Share)
}

// WriteText writes the audit for a terminal width columns wide (0 means
// 100): the sites with their witness paths, the entry points with the
// spans of one request and the calls that make them, the totals, and the
// sizes and benchmarks when measured.
func (a *Audit) WriteText(w io.Writer, width int) error {
	if width <= 0 {
		width = 100
	}
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "Sites (%d: %d woven, %d pruned; call graph %s)\n", a.Totals.Sites, a.Totals.Woven, a.Totals.Pruned, a.Algorithm)
	// Columns are aligned by hand: the path line under each site would
	// end tabwriter's column blocks.
	rows := [][]string{{"STATUS", "RULE", "POSITION", "FUNCTION", "LOOPS", "CALLS", "PROFILE"}}
	for _, s := range a.Sites {
		rows = append(rows, []string{s.Status, s.Rule, s.Pos, elide(ShortName(s.Function), 40), fmt.Sprint(s.LoopDepth), fmt.Sprint(len(s.Calls)), percent(s.Samples)})
	}
	if a.Profile == nil {
		for i := range rows {
			rows[i] = rows[i][:len(rows[i])-1]
		}
	}
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	// Narrow the function column (the only one that can be shortened
	// without losing what it says) to fit the terminal.
	const fnCol = 3
	used := 0
	for i, w := range widths {
		if i != fnCol {
			used += w + 2
		}
	}
	if fit := max(16, width-used-2); widths[fnCol] > fit {
		widths[fnCol] = fit
		for _, r := range rows {
			r[fnCol] = elide(r[fnCol], fit)
		}
	}
	for k, r := range rows {
		line := ""
		for i, c := range r {
			if i < len(r)-1 {
				c += strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2)
			}
			line += c
		}
		fmt.Fprintln(ew, line)
		if k == 0 {
			continue
		}
		s := a.Sites[k-1]
		if s.Status != StatusWoven || len(s.Path) == 0 {
			fmt.Fprintf(ew, "  %s\n", elide(s.Reason, width-2))
		}
		if len(s.Path) > 0 {
			fmt.Fprintf(ew, "  via %s\n", chain(s.Path, width-6))
		}
	}

	main := ""
	for _, e := range a.Entries {
		if e.Main != main {
			main = e.Main
			fmt.Fprintf(ew, "\nEntry points of %s: spans per request\n", main)
		}
		fmt.Fprintf(ew, "  %s  %s  %d: %s\n", e.Name, e.Pos, e.Total, e.SpanSummary())
		if e.Note != "" {
			fmt.Fprint(ew, wrap("note: "+e.Note, width, "    "))
		}
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		for _, c := range e.Calls {
			loop := ""
			if c.LoopDepth > 0 {
				loop = fmt.Sprintf("loop depth %d", c.LoopDepth)
			}
			prof := ""
			if c.Samples != nil {
				prof = percent(c.Samples)
			}
			fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t%s\n", c.Pos, c.Kind, elide(ShortName(c.Callee), 36), loop, prof)
		}
		tw.Flush()
	}

	t := a.Totals
	verb := "make"
	if t.SpanCalls == 1 {
		verb = "makes"
	}
	fmt.Fprint(ew, "\n"+wrap(fmt.Sprintf("Totals: %s (%d woven, %d pruned); %s; %s %s spans (%d in a loop)",
		plural(t.Sites, "site"), t.Woven, t.Pruned, plural(t.Entries, "entry point"), plural(t.SpanCalls, "call"), verb, t.InLoops), width, ""))
	if t.MaxSpansEntry != "" {
		fmt.Fprint(ew, wrap(fmt.Sprintf("At most %s per request or run, in %s", plural(t.MaxSpans, "span"), t.MaxSpansEntry), width, ""))
	}
	if a.Profile != nil {
		fmt.Fprintf(ew, "Profile: %s (%d %s)\n", a.Profile.File, a.Profile.Total, a.Profile.SampleType)
	}
	for _, s := range a.Sizes {
		fmt.Fprintf(ew, "Binary size of %s: plain %s, woven %s (%s)\n", s.Main, bytesText(s.Plain), bytesText(s.Woven), growth(s.Plain, s.Woven))
	}
	if a.Bench != nil {
		a.Bench.writeText(ew)
	}
	for _, n := range a.Notes {
		fmt.Fprint(ew, wrap("note: "+n, width, ""))
	}
	return ew.err
}

// bytesText prints a size in MiB or KiB.
func bytesText(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
}

// growth prints the growth from plain to woven.
func growth(plain, woven int64) string {
	d := woven - plain
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	if plain == 0 {
		return sign + bytesText(d)
	}
	return fmt.Sprintf("%s%s, %+.1f%%", sign, bytesText(d), 100*float64(woven-plain)/float64(plain))
}

// writeText prints the benchmark comparison as benchstat does: center ±
// half the interval, per build, the delta and its p-value.
func (b *Bench) writeText(w io.Writer) {
	fmt.Fprintf(w, "\nBenchmarks: woven vs plain, %d runs each, interleaved; medians ± %.0f%% confidence intervals\n", b.Count, 100*b.Confidence)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "benchmark\tunit\tplain\twoven\tdelta\tp\t")
	for _, r := range b.Rows {
		delta := "~"
		if r.Significant {
			delta = fmt.Sprintf("%+.2f%%", 100*r.Delta)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\tp=%.3f n=%d+%d\t\n", r.Name, r.Unit, r.Plain.text(r.Unit), r.Woven.text(r.Unit), delta, r.P, r.Plain.N, r.Woven.N)
		for _, warn := range r.Warnings {
			fmt.Fprintf(tw, "  warning: %s\t\t\t\t\t\t\n", warn)
		}
	}
	tw.Flush()
}

// text prints a summary of values in unit as center ± half its
// interval's width, in percent.
func (s BenchSummary) text(unit string) string {
	center := FormatBenchValue(s.Center, unit)
	switch {
	case s.Lo == nil || s.Hi == nil:
		return center + " ±∞"
	case s.Center == 0:
		return center
	}
	pm := max(*s.Hi-s.Center, s.Center-*s.Lo) / s.Center * 100
	return fmt.Sprintf("%s ±%.0f%%", center, pm)
}

// FormatBenchValue prints a benchmark value: a duration for sec/op
// ("6.631µs"), else a number.
func FormatBenchValue(v float64, unit string) string {
	if unit == "sec/op" {
		return time.Duration(v * 1e9).String()
	}
	return fmt.Sprintf("%.4g", v)
}

// errWriter remembers the first write error, so that printing code can
// check once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	_, e.err = e.w.Write(p)
	return len(p), nil
}

// plural prints n and noun, with an s unless n is 1 ("entry point" →
// "entry points").
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// wrap breaks text into lines of at most width runes at spaces (a longer
// word stays whole), each starting with indent, and ends with a newline.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(text) {
		if line != indent && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width {
			b.WriteString(line + "\n")
			line = indent + "  "
		}
		if line != indent && line != indent+"  " {
			line += " "
		}
		line += word
	}
	b.WriteString(line + "\n")
	return b.String()
}
