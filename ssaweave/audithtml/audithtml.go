// Package audithtml renders an audit (ssaweave.Audit) as one
// self-contained HTML page: no external asset, a site table that sorts by
// any column (click its header), the source line of every site and call,
// and the call paths behind each entry point's spans.
package audithtml

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/ssaweave/ssaweave/ssaweave"
)

//go:embed audit.html
var page string

var tmpl = template.Must(template.New("audit").Funcs(template.FuncMap{
	"short": ssaweave.ShortName,
	"chain": func(path []string) []string {
		out := make([]string, len(path))
		for i, p := range path {
			out[i] = ssaweave.ShortName(p)
		}
		return out
	},
	"percent": func(s *ssaweave.Samples) string {
		if s == nil {
			return ""
		}
		return fmt.Sprintf("%.1f%%", 100*s.Share)
	},
	"share": func(s *ssaweave.Samples) string {
		if s == nil {
			return "-1"
		}
		return fmt.Sprintf("%g", s.Share)
	},
	"mib": func(n int64) string { return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20)) },
	"growth": func(s ssaweave.Size) string {
		if s.Plain == 0 {
			return ""
		}
		return fmt.Sprintf("%+.1f%%", 100*float64(s.Woven-s.Plain)/float64(s.Plain))
	},
	"pct": func(f float64) string { return fmt.Sprintf("%+.2f%%", 100*f) },
	"interval": func(s ssaweave.BenchSummary) string {
		if s.Lo == nil || s.Hi == nil {
			return fmt.Sprintf("%.4g [too few runs for an interval]", s.Center)
		}
		return fmt.Sprintf("%.4g [%.4g, %.4g]", s.Center, *s.Lo, *s.Hi)
	},
	"join": strings.Join,
}).Parse(page))

// Write writes the page for a to w.
func Write(w io.Writer, a *ssaweave.Audit) error {
	return tmpl.Execute(w, a)
}
