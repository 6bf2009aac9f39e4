package main

import (
	"encoding/json"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssaweave/ssaweave/internal/e2e"
)

// Values the requests to testdata/sqlapp pass as query arguments: none may
// appear in a database span.
const (
	sqlSecretName    = "secret-widget-7731"
	sqlAbandonedName = "ghost-item-5521"
)

// sqlCreateTable is the statement of sqlapp's POST /init, as written in
// its source.
const sqlCreateTable = "CREATE TABLE IF NOT EXISTS items (\n\t\tid INTEGER PRIMARY KEY,\n\t\tname TEXT NOT NULL,\n\t\tprice INTEGER NOT NULL)"

// sqlRequests are the requests sent to testdata/sqlapp, in order, with the
// database spans each must have as children of its server span: "name" or
// "name: db.query.text", sorted. The spans otelsql makes when
// database/sql takes a connection from the pool (sql.connector.connect
// for a new one, sql.conn.reset_session for a used one) depend on the
// pool's state and are checked apart.
var sqlRequests = []struct {
	method, path string
	status       int
	spans        []string
}{
	{"POST", "/init", 200, []string{"sql.conn.exec: " + sqlCreateTable}},
	{"POST", "/items?name=" + sqlSecretName + "&price=4242", 200, []string{"sql.conn.exec: INSERT INTO items(name, price) VALUES (?, ?)"}},
	{"POST", "/items?name=gadget&price=100", 200, []string{"sql.conn.exec: INSERT INTO items(name, price) VALUES (?, ?)"}},
	{"GET", "/items/1", 200, []string{"sql.conn.query: SELECT name, price FROM items WHERE id = ?", "sql.rows"}},
	{"GET", "/items?min=50", 200, []string{"sql.conn.query: SELECT id, name, price FROM items WHERE price >= ? ORDER BY id", "sql.rows"}},
	{"POST", "/discount?percent=10", 200, []string{"sql.conn.begin_tx", "sql.conn.exec: UPDATE items SET price = price * (100 - ?) / 100", "sql.tx.commit"}},
	{"POST", "/abandoned?name=" + sqlAbandonedName, 200, []string{"sql.conn.begin_tx", "sql.conn.exec: INSERT INTO items(name, price) VALUES (?, ?)", "sql.tx.rollback"}},
	{"GET", "/names?id=1&id=2", 200, []string{"sql.conn.prepare: SELECT name FROM items WHERE id = ?", "sql.rows", "sql.rows", "sql.stmt.query: SELECT name FROM items WHERE id = ?", "sql.stmt.query: SELECT name FROM items WHERE id = ?"}},
	{"GET", "/broken", 500, []string{"sql.conn.query: SELEC name FROM items"}},
}

// sqlLabel is "name" or "name: db.query.text".
func sqlLabel(s e2e.Span) string {
	if q, ok := s.Attributes["db.query.text"]; ok {
		return s.Name + ": " + q
	}
	return s.Name
}

// sqlRequestTrace is the trace of one request: its server span and the
// database spans under it, sorted by label.
type sqlRequestTrace struct {
	server e2e.Span
	db     []e2e.Span
}

// runSQLApp starts a build of testdata/sqlapp with the console exporter,
// sends sqlRequests, shuts it down with SIGTERM (it shuts down gracefully
// and main returns) and returns the trace of each request, in order, and
// the program's output.
func runSQLApp(t *testing.T, bin string) ([]sqlRequestTrace, string) {
	t.Helper()
	srv := e2e.Start(t, bin, e2e.Env("OTEL_TRACES_EXPORTER=console", "OTEL_SERVICE_NAME=sqlapp"))
	for _, r := range sqlRequests {
		if code := srv.Do(t, r.method, r.path, nil); code != r.status {
			t.Fatalf("%s %s = %d, want %d\nstderr:\n%s", r.method, r.path, code, r.status, srv.Stderr())
		}
	}
	if err := srv.Stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("sqlapp did not shut down cleanly: %v\nstderr:\n%s", err, srv.Stderr())
	}
	out := srv.Stdout()
	spans := e2e.ConsoleSpans(t, out)

	// Group the spans by trace, then give each request, in order, the
	// first trace whose server span is for its method and path.
	byTrace := map[string]*sqlRequestTrace{}
	var order []string
	for _, s := range spans {
		tr := byTrace[s.TraceID]
		if tr == nil {
			tr = &sqlRequestTrace{}
			byTrace[s.TraceID] = tr
			order = append(order, s.TraceID)
		}
		if s.Kind == "server" {
			if tr.server.SpanID != "" {
				t.Errorf("trace %s has two server spans", s.TraceID)
			}
			tr.server = s
			continue
		}
		tr.db = append(tr.db, s)
	}
	var traces []sqlRequestTrace
	for _, r := range sqlRequests {
		path, _, _ := strings.Cut(r.path, "?")
		i := slices.IndexFunc(order, func(id string) bool {
			a := byTrace[id].server.Attributes
			return a["http.request.method"] == r.method && a["url.path"] == path
		})
		if i < 0 {
			t.Fatalf("no server span for %s %s\noutput:\n%s", r.method, r.path, out)
		}
		tr := byTrace[order[i]]
		order = slices.Delete(order, i, i+1)
		slices.SortFunc(tr.db, func(a, b e2e.Span) int { return strings.Compare(sqlLabel(a), sqlLabel(b)) })
		traces = append(traces, *tr)
	}
	for _, id := range order {
		t.Errorf("trace %s belongs to no request: server span %+v, %d other spans (%v)", id, byTrace[id].server, len(byTrace[id].db), byTrace[id].db)
	}
	return traces, out
}

// checkSQLTraces checks the database spans of each request: children of
// the request's server span, of client kind, made by otelsql, with
// db.system.name=sqlite, the query text with its placeholders and none of
// the argument values, and the error of the failing query.
func checkSQLTraces(t *testing.T, traces []sqlRequestTrace, out string) {
	t.Helper()
	// Attributes and events (an exception's message too): the whole JSON
	// line of every otelsql span.
	for _, line := range e2e.Lines(out) {
		if !strings.Contains(line, `"github.com/XSAM/otelsql"`) {
			continue
		}
		for _, secret := range []string{sqlSecretName, sqlAbandonedName} {
			if strings.Contains(line, secret) {
				t.Errorf("a database span records the argument %q: %s", secret, line)
			}
		}
	}
	connects := 0
	for i, r := range sqlRequests {
		tr := traces[i]
		if tr.server.ParentSpanID != "" {
			t.Errorf("%s %s: server span has parent %s, want a root", r.method, r.path, tr.server.ParentSpanID)
		}
		var labels []string
		for _, s := range tr.db {
			switch s.Name {
			case "sql.connector.connect":
				connects++
				continue
			case "sql.conn.reset_session":
				continue
			}
			labels = append(labels, sqlLabel(s))
		}
		if !slices.Equal(labels, r.spans) {
			t.Errorf("%s %s: database spans\n got %q\nwant %q", r.method, r.path, labels, r.spans)
		}
		for _, s := range tr.db {
			where := r.method + " " + r.path + ": " + s.Name
			if s.ParentSpanID != tr.server.SpanID {
				t.Errorf("%s: parent %s, want the server span %s", where, s.ParentSpanID, tr.server.SpanID)
			}
			if s.Kind != "client" {
				t.Errorf("%s: kind %s, want client", where, s.Kind)
			}
			if s.Scope != "github.com/XSAM/otelsql" {
				t.Errorf("%s: scope %q, want otelsql's", where, s.Scope)
			}
			if got := s.Attributes["db.system.name"]; got != "sqlite" {
				t.Errorf("%s: db.system.name = %q, want sqlite", where, got)
			}
			failed := r.path == "/broken" && s.Name == "sql.conn.query"
			if (s.Status == "error") != failed {
				t.Errorf("%s: status %s", where, s.Status)
			}
			if failed && !slices.Equal(s.Events, []string{"exception"}) {
				t.Errorf("%s: events %q, want the error recorded as an exception", where, s.Events)
			}
		}
	}
	// modernc.org/sqlite has no DriverContext: sql.Open, and so otelsql.Open,
	// connects through the driver's Open, which otelsql does not trace.
	if connects != 0 {
		t.Errorf("%d sql.connector.connect spans, want none, as otelsql.Open makes for this driver", connects)
	}
}

// sqlPlanSites returns the sites of `ssaweave plan -json` for sqlapp, made
// with the extra go flags, by rule name.
func sqlPlanSites(t *testing.T, dir string, args ...string) map[string]struct{ Status, Reason string } {
	t.Helper()
	out := e2e.Run(t, dir, e2e.Env(), e2e.SSAWeave(t), append(append([]string{"plan", "-json"}, args...), ".")...)
	var plan struct {
		Sites []struct{ Rule, Status, Reason string }
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatalf("plan -json: %v\n%s", err, out)
	}
	sites := map[string]struct{ Status, Reason string }{}
	for _, s := range plan.Sites {
		sites[s.Rule] = struct{ Status, Reason string }{s.Status, s.Reason}
	}
	return sites
}

// TestSQLWrapperBuild weaves testdata/sqlapp, an HTTP service on an
// in-memory SQLite database (modernc.org/sqlite), with `ssaweave go build`,
// sends it requests that use every kind of database/sql operation and
// checks the database spans (see checkSQLTraces). It then builds the same
// program instrumented by hand with otelsql and otelhttp (build tag
// manual), through ssaweave too: the plan must leave database/sql alone
// because the program calls otelsql itself, so nothing is woven and the
// binary is the hand-instrumented program. Its spans must be the woven
// build's, attribute for attribute: the same database spans under each
// request, and each operation traced once.
func TestSQLWrapperBuild(t *testing.T) {
	bin := e2e.SSAWeave(t)
	dir := e2e.CopyProgram(t, "sqlapp")
	tmp := t.TempDir()
	woven, manual := filepath.Join(tmp, "woven"), filepath.Join(tmp, "manual")

	start := time.Now()
	e2e.Run(t, dir, e2e.Env(), bin, "go", "build", "-o", woven, ".")
	t.Logf("woven build of sqlapp: %v", time.Since(start).Round(time.Second))
	if s := sqlPlanSites(t, dir)["database/sql"]; s.Status != "woven" {
		t.Fatalf("database/sql site: %+v, want woven", s)
	}
	start = time.Now()
	e2e.Run(t, dir, e2e.Env(), bin, "go", "build", "-tags", "manual", "-o", manual, ".")
	t.Logf("build of the manual variant: %v", time.Since(start).Round(time.Second))

	wovenTraces, out := runSQLApp(t, woven)
	checkSQLTraces(t, wovenTraces, out)

	t.Run("manual", func(t *testing.T) {
		sites := sqlPlanSites(t, dir, "-tags", "manual")
		if s := sites["database/sql"]; s.Status != "pruned" || !strings.Contains(s.Reason, "github.com/XSAM/otelsql.Open") {
			t.Errorf("database/sql site with otelsql in the program: %+v, want pruned because otelsql.Open is reachable", s)
		}
		for rule, s := range sites {
			if s.Status == "woven" {
				t.Errorf("rule %s woven into the hand-instrumented program: %s", rule, s.Reason)
			}
		}
		syms := e2e.Run(t, dir, e2e.Env(), "go", "tool", "nm", manual)
		if strings.Contains(syms, "ssaweave") {
			t.Errorf("the hand-instrumented program links ssaweave code")
		}

		manualTraces, out := runSQLApp(t, manual)
		// The same checks hold for the hand-instrumented program, with
		// each operation once: no duplicate spans.
		checkSQLTraces(t, manualTraces, out)
		for i, r := range sqlRequests {
			w, m := wovenTraces[i].db, manualTraces[i].db
			if len(w) != len(m) {
				t.Errorf("%s %s: %d database spans woven, %d by hand", r.method, r.path, len(w), len(m))
				continue
			}
			for j := range w {
				if w[j].Name != m[j].Name || !maps.Equal(w[j].Attributes, m[j].Attributes) {
					t.Errorf("%s %s: span %d differs\nwoven:   %s %v\nby hand: %s %v", r.method, r.path, j, w[j].Name, w[j].Attributes, m[j].Name, m[j].Attributes)
				}
				if w[j].Status != m[j].Status || !slices.Equal(w[j].Events, m[j].Events) {
					t.Errorf("%s %s: %s status/events woven %s %v, by hand %s %v", r.method, r.path, w[j].Name, w[j].Status, w[j].Events, m[j].Status, m[j].Events)
				}
			}
		}
	})
}
