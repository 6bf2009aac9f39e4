package ssaweave

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes one line per site, in plan order, with the columns
// status, rule, position, function and reason aligned; the witness path
// follows the reason:
//
//	woven   net/http.server  $GOROOT/src/net/http/server.go:3302:1  (net/http.serverHandler).ServeHTTP  reachable from main (rta): example.com/hello.main → net/http.ListenAndServe → ...
func (p *Plan) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range p.Sites {
		reason := s.Reason
		if len(s.Path) > 0 {
			reason += ": " + strings.Join(s.Path, " → ")
		}
		// The reason is the last cell: not tab-terminated, so long
		// paths do not widen the other columns.
		// The status column is as wide as the widest status, so that
		// plans read alike whether or not they prune anything.
		status := fmt.Sprintf("%-*s", len(StatusPruned), s.Status)
		if _, err := io.WriteString(tw, status+"\t"+s.Rule+"\t"+s.Pos+"\t"+s.Function+"\t"+reason+"\n"); err != nil {
			return err
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range p.Notes {
		if _, err := fmt.Fprintf(w, "note: %s\n", n); err != nil {
			return err
		}
	}
	return nil
}

// WriteJSON writes the plan as indented JSON followed by a newline: the
// stable, machine-readable form, whose schema SCHEMA.md documents. It is
// byte-identical for identical plans.
func (p *Plan) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
