package sql

import (
	"context"
	stdsql "database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/XSAM/otelsql"
	"github.com/ssaweave/ssaweave/rt"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// useRecorder installs an in-memory span recorder as the global provider
// for the test, after rt's init installed its own: connectors wrapped
// before must follow.
func useRecorder(t *testing.T) *tracetest.SpanRecorder {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	t.Cleanup(func() { otel.SetTracerProvider(prev) })
	return rec
}

// A fake driver: enough of database/sql/driver for every operation the
// hook must trace, with the context-taking interfaces real drivers have.
// A query starting with "SELEC " fails as a syntax error would.

type fakeDriver struct{ closed *atomic.Bool }

func (d fakeDriver) Open(string) (driver.Conn, error) { return &fakeConn{}, nil }

// fakeConnector is the connector sql.Open would make for fakeDriver, and
// an io.Closer like some drivers' connectors.
type fakeConnector struct{ d fakeDriver }

func (c fakeConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open("") }
func (c fakeConnector) Driver() driver.Driver                        { return c.d }
func (c fakeConnector) Close() error {
	c.d.closed.Store(true)
	return nil
}

func newConnector() fakeConnector { return fakeConnector{fakeDriver{new(atomic.Bool)}} }

var errSyntax = errors.New(`near "SELEC": syntax error`)

type fakeConn struct{}

func (*fakeConn) Prepare(q string) (driver.Stmt, error) { return &fakeStmt{q}, nil }
func (*fakeConn) Close() error                          { return nil }
func (*fakeConn) ResetSession(context.Context) error    { return nil }
func (*fakeConn) Begin() (driver.Tx, error)             { return fakeTx{}, nil }
func (*fakeConn) BeginTx(context.Context, driver.TxOptions) (driver.Tx, error) {
	return fakeTx{}, nil
}
func (*fakeConn) PrepareContext(_ context.Context, q string) (driver.Stmt, error) {
	return &fakeStmt{q}, nil
}
func (*fakeConn) ExecContext(_ context.Context, q string, _ []driver.NamedValue) (driver.Result, error) {
	return driver.RowsAffected(1), nil
}
func (*fakeConn) QueryContext(_ context.Context, q string, _ []driver.NamedValue) (driver.Rows, error) {
	if strings.HasPrefix(q, "SELEC ") {
		return nil, errSyntax
	}
	return &fakeRows{n: 2}, nil
}

type fakeTx struct{}

func (fakeTx) Commit() error   { return nil }
func (fakeTx) Rollback() error { return nil }

type fakeStmt struct{ q string }

func (*fakeStmt) Close() error  { return nil }
func (*fakeStmt) NumInput() int { return -1 }
func (*fakeStmt) Exec([]driver.Value) (driver.Result, error) {
	return driver.RowsAffected(1), nil
}
func (*fakeStmt) Query([]driver.Value) (driver.Rows, error) { return &fakeRows{n: 1}, nil }

type fakeRows struct{ n int }

func (*fakeRows) Columns() []string { return []string{"name"} }
func (*fakeRows) Close() error      { return nil }
func (r *fakeRows) Next(dest []driver.Value) error {
	if r.n == 0 {
		return io.EOF
	}
	r.n--
	dest[0] = "row"
	return nil
}

// TestSpans opens a database through the hook, as a woven sql.OpenDB
// does, runs every kind of operation inside a parent span, and checks the
// spans otelsql made: names, kind, parent, db.system.name, the query text
// with its placeholders and never the arguments, and the error of the
// failing query.
func TestSpans(t *testing.T) {
	c := newConnector()
	db := stdsql.OpenDB(openDB(c))
	defer db.Close()
	// Installed after the database was opened: the spans must follow.
	rec := useRecorder(t)

	ctx, parent := otel.Tracer("test").Start(context.Background(), "request")
	const secret = "secret-argument-9931"
	if _, err := db.ExecContext(ctx, "INSERT INTO items(name, price) VALUES (?, ?)", secret, 4242); err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, "SELECT name FROM items WHERE name <> ?", secret)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	rows.Close()
	if n != 2 {
		t.Errorf("iterated %d rows, want 2", n)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx.ExecContext(ctx, "UPDATE items SET price = ? WHERE name = ?", 1, secret)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	tx, _ = db.BeginTx(ctx, nil)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	stmt, err := db.PrepareContext(ctx, "SELECT name FROM items WHERE price = ?")
	if err != nil {
		t.Fatal(err)
	}
	var name string
	if err := stmt.QueryRowContext(ctx, 4242).Scan(&name); err != nil {
		t.Fatal(err)
	}
	stmt.Close()
	if _, err := db.QueryContext(ctx, "SELEC name FROM items"); !errors.Is(err, errSyntax) {
		t.Fatalf("failing query: err = %v", err)
	}
	parent.End()

	spans := rec.Ended()
	var names []string
	for _, s := range spans {
		if s.Name() == "request" {
			continue
		}
		names = append(names, s.Name())
		if s.SpanKind() != trace.SpanKindClient {
			t.Errorf("%s: kind %v, want client", s.Name(), s.SpanKind())
		}
		if s.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("%s: parent %v, want the request span %v", s.Name(), s.Parent().SpanID(), parent.SpanContext().SpanID())
		}
		if s.InstrumentationScope().Name != "github.com/XSAM/otelsql" {
			t.Errorf("%s: scope %q, want otelsql's", s.Name(), s.InstrumentationScope().Name)
		}
		attrs := map[string]string{}
		for _, kv := range s.Attributes() {
			attrs[string(kv.Key)] = kv.Value.String()
			if strings.Contains(kv.Value.String(), secret) || strings.Contains(kv.Value.String(), "4242") {
				t.Errorf("%s: attribute %s = %q records an argument", s.Name(), kv.Key, kv.Value.String())
			}
		}
		for _, e := range s.Events() {
			for _, kv := range e.Attributes {
				if strings.Contains(kv.Value.String(), secret) {
					t.Errorf("%s: event %s attribute %s records an argument", s.Name(), e.Name, kv.Key)
				}
			}
		}
		// The fake driver is declared in this package: no known system.
		if got := attrs["db.system.name"]; got != "other_sql" {
			t.Errorf("%s: db.system.name = %q, want other_sql", s.Name(), got)
		}
		query, hasQuery := attrs["db.query.text"]
		switch s.Name() {
		case "sql.conn.exec":
			if query != "INSERT INTO items(name, price) VALUES (?, ?)" && query != "UPDATE items SET price = ? WHERE name = ?" {
				t.Errorf("sql.conn.exec: db.query.text = %q", query)
			}
		case "sql.conn.query":
			if query != "SELECT name FROM items WHERE name <> ?" && query != "SELEC name FROM items" {
				t.Errorf("sql.conn.query: db.query.text = %q", query)
			}
			failed := query == "SELEC name FROM items"
			if st := s.Status(); (st.Code == codes.Error) != failed {
				t.Errorf("query %q: status %v", query, st)
			}
			if failed && (len(s.Events()) != 1 || s.Events()[0].Name != "exception") {
				t.Errorf("failing query: events %v, want the recorded error", s.Events())
			}
		case "sql.conn.prepare", "sql.stmt.query":
			if query != "SELECT name FROM items WHERE price = ?" {
				t.Errorf("%s: db.query.text = %q", s.Name(), query)
			}
		default:
			if hasQuery {
				t.Errorf("%s: unexpected db.query.text %q", s.Name(), query)
			}
		}
		if s.Name() != "sql.conn.query" && s.Status().Code == codes.Error {
			t.Errorf("%s: status %v", s.Name(), s.Status())
		}
	}
	slices.Sort(names)
	want := []string{
		"sql.conn.begin_tx", "sql.conn.begin_tx",
		"sql.conn.exec", "sql.conn.exec",
		"sql.conn.prepare",
		"sql.conn.query", "sql.conn.query",
		"sql.conn.reset_session",
		"sql.connector.connect",
		"sql.rows", "sql.rows",
		"sql.stmt.query",
		"sql.tx.commit",
		"sql.tx.rollback",
	}
	// database/sql resets a session each time it takes a used connection
	// from the pool, and one connection is enough here: count those apart.
	resets := 0
	names = slices.DeleteFunc(names, func(n string) bool {
		if n == "sql.conn.reset_session" {
			resets++
			return true
		}
		return false
	})
	want = slices.DeleteFunc(want, func(n string) bool { return n == "sql.conn.reset_session" })
	if !slices.Equal(names, want) {
		t.Errorf("spans:\n got %q\nwant %q", names, want)
	}
	if resets == 0 {
		t.Errorf("no sql.conn.reset_session span: the driver's SessionResetter is not reached through otelsql")
	}
}

// sqlOpenConnector returns the connector database/sql made for db: the
// connector a woven sql.Open passes to sql.OpenDB, and so to the hook.
func sqlOpenConnector(t *testing.T, db *stdsql.DB) driver.Connector {
	t.Helper()
	f := reflect.ValueOf(db).Elem().FieldByName("connector")
	if !f.IsValid() {
		t.Fatal("sql.DB has no connector field any more")
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface().(driver.Connector)
}

// spanNames runs f and returns the names of the spans it ended, sorted.
func spanNames(t *testing.T, f func()) []string {
	rec := useRecorder(t)
	f()
	var names []string
	for _, s := range rec.Ended() {
		names = append(names, s.Name())
	}
	slices.Sort(names)
	return names
}

// registerFakes registers the fake drivers with database/sql, once per
// test binary (-count runs tests again).
var registerFakes = sync.OnceFunc(func() {
	stdsql.Register("ssaweave-fake", fakeDriver{new(atomic.Bool)})
	stdsql.Register("ssaweave-fake-ctx", ctxDriver{fakeDriver{new(atomic.Bool)}})
})

// TestSQLOpenLikeOtelsqlOpen checks that a database opened with sql.Open
// is traced as otelsql.Open traces it, for a driver with DriverContext and
// for one without, which database/sql and otelsql both connect through the
// driver's Open: no sql.connector.connect span there.
func TestSQLOpenLikeOtelsqlOpen(t *testing.T) {
	registerFakes()
	use := func(db *stdsql.DB) {
		defer db.Close()
		rows, err := db.QueryContext(context.Background(), "SELECT name FROM items")
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	for _, c := range []struct {
		driver      string
		wantConnect bool
	}{{"ssaweave-fake", false}, {"ssaweave-fake-ctx", true}} {
		woven := spanNames(t, func() {
			plain, err := stdsql.Open(c.driver, "dsn")
			if err != nil {
				t.Fatal(err)
			}
			// What a woven sql.Open does: OpenDB with the hook's connector.
			use(stdsql.OpenDB(openDB(sqlOpenConnector(t, plain))))
		})
		manual := spanNames(t, func() {
			db, err := otelsql.Open(c.driver, "dsn")
			if err != nil {
				t.Fatal(err)
			}
			use(db)
		})
		if !slices.Equal(woven, manual) {
			t.Errorf("%s: spans through the hook %q, with otelsql.Open %q", c.driver, woven, manual)
		}
		if slices.Contains(woven, "sql.connector.connect") != c.wantConnect {
			t.Errorf("%s: spans %q, want sql.connector.connect: %v", c.driver, woven, c.wantConnect)
		}
	}
}

// TestProgramSeesItsDriver checks that the instrumented connector is
// transparent: (*sql.DB).Driver is the program's driver, and Close closes
// the program's connector.
func TestProgramSeesItsDriver(t *testing.T) {
	c := newConnector()
	db := stdsql.OpenDB(openDB(c))
	if d, ok := db.Driver().(fakeDriver); !ok || d != c.d {
		t.Errorf("db.Driver() = %#v, want the program's driver", db.Driver())
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if !c.d.closed.Load() {
		t.Error("db.Close did not close the program's connector")
	}
}

// ctxDriver is fakeDriver with DriverContext, as most drivers have.
type ctxDriver struct{ fakeDriver }

func (d ctxDriver) OpenConnector(string) (driver.Connector, error) {
	return ctxConnector{fakeConnector{d.fakeDriver}, d}, nil
}

// ctxConnector is ctxDriver's connector.
type ctxConnector struct {
	fakeConnector
	d ctxDriver
}

func (c ctxConnector) Driver() driver.Driver { return c.d }

// TestPassThrough checks that connectors already traced are returned as
// they are, so that no operation gets two spans: otelsql's own
// connectors (otelsql.OpenDB and otelsql.Open call sql.OpenDB with one,
// which a woven database/sql passes to the hook), connectors of drivers
// wrapped with otelsql.WrapDriver or otelsql.Register (with and without
// DriverContext), and the hook's own.
func TestPassThrough(t *testing.T) {
	otelConnector, err := otelsql.WrapDriver(ctxDriver{fakeDriver{new(atomic.Bool)}}).(driver.DriverContext).OpenConnector("dsn")
	if err != nil {
		t.Fatal(err)
	}
	wrappedPlain := otelsql.WrapDriver(fakeDriver{new(atomic.Bool)})
	own := openDB(newConnector())
	for name, c := range map[string]driver.Connector{
		"otelsql connector":                             otelConnector,
		"driver wrapped by otelsql":                     driverConnector{otelsql.WrapDriver(ctxDriver{fakeDriver{new(atomic.Bool)}})},
		"driver without DriverContext, otelsql-wrapped": driverConnector{wrappedPlain},
		"connector wrapped by the hook":                 own,
	} {
		if got := openDB(c); got != c {
			t.Errorf("%s: the hook wrapped %T again as %T", name, c, got)
		}
	}

	// And at run time: one query through an otelsql connector passed to the
	// hook gives one span. (otelsql takes its tracer when it wraps, so the
	// recorder goes first.)
	rec := useRecorder(t)
	otelConnector, err = otelsql.WrapDriver(ctxDriver{fakeDriver{new(atomic.Bool)}}).(driver.DriverContext).OpenConnector("dsn")
	if err != nil {
		t.Fatal(err)
	}
	db := stdsql.OpenDB(openDB(otelConnector))
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), "DELETE FROM items"); err != nil {
		t.Fatal(err)
	}
	count := 0
	for _, s := range rec.Ended() {
		if s.Name() == "sql.conn.exec" {
			count++
		}
	}
	if count != 1 {
		t.Errorf("%d sql.conn.exec spans for one exec through otelsql and the hook, want 1", count)
	}
}

// panicConnector is a connector whose Driver method panics.
type panicConnector struct{ fakeConnector }

func (panicConnector) Driver() driver.Driver { panic("broken driver") }

// TestPanicKeepsConnector checks that a panic while wrapping is recovered,
// counted, and leaves the program's connector in place.
func TestPanicKeepsConnector(t *testing.T) {
	before := rt.HookPanics()
	c := panicConnector{newConnector()}
	if got := openDB(c); got != c {
		t.Errorf("after a panic the hook returned %T, want the original connector", got)
	}
	if rt.HookPanics() != before+1 {
		t.Errorf("hook panics = %d, want %d", rt.HookPanics(), before+1)
	}
	if got := openDB(nil); got != nil {
		t.Errorf("openDB(nil) = %v", got)
	}
}

// TestDBSystem checks the system names given to driver packages.
func TestDBSystem(t *testing.T) {
	for path, want := range map[string]string{
		"modernc.org/sqlite":                           "sqlite",
		"github.com/mattn/go-sqlite3":                  "sqlite",
		"github.com/ncruces/go-sqlite3/driver":         "sqlite",
		"github.com/lib/pq":                            "postgresql",
		"github.com/jackc/pgx/v5/stdlib":               "postgresql",
		"github.com/jackc/pgx/v4/stdlib":               "postgresql",
		"github.com/go-sql-driver/mysql":               "mysql",
		"github.com/microsoft/go-mssqldb":              "microsoft.sql_server",
		"github.com/microsoft/go-mssqldb/azuread":      "microsoft.sql_server",
		"github.com/denisenkom/go-mssqldb":             "microsoft.sql_server",
		"github.com/sijms/go-ora/v2":                   "oracle.db",
		"github.com/ClickHouse/clickhouse-go/v2":       "clickhouse",
		"github.com/SAP/go-hdb/driver":                 "sap.hana",
		"github.com/lib/pqx":                           "other_sql", // a prefix is not a package
		"example.com/mydriver":                         "other_sql",
		"github.com/ssaweave/ssaweave/rt/sql":          "other_sql",
		"github.com/go-sql-driver/mysql-compatibility": "other_sql",
	} {
		if got := systemOf(path).Value.AsString(); got != want {
			t.Errorf("%s: db.system.name = %q, want %q", path, got, want)
		}
	}
	// The driver's package wins; the connector's is looked at for drivers
	// of unknown packages.
	if got := dbSystem(newConnector()).Value.AsString(); got != "other_sql" {
		t.Errorf("fake driver: %q, want other_sql", got)
	}
}

// BenchmarkQuery measures one QueryContext with rows iteration on the fake
// driver: plain, through the hook with spans recorded by an SDK provider
// (always sampling, no exporter), and through the hook while the provider
// does not sample.
func BenchmarkQuery(b *testing.B) {
	run := func(b *testing.B, c driver.Connector) {
		db := stdsql.OpenDB(c)
		defer db.Close()
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			rows, err := db.QueryContext(ctx, "SELECT name FROM items WHERE price = ?", 1)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
			}
			rows.Close()
		}
	}
	b.Run("plain", func(b *testing.B) { run(b, newConnector()) })
	for _, sampler := range []sdktrace.Sampler{sdktrace.AlwaysSample(), sdktrace.NeverSample()} {
		b.Run("hook/"+strings.Fields(sampler.Description())[0], func(b *testing.B) {
			prev := otel.GetTracerProvider()
			otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler)))
			defer otel.SetTracerProvider(prev)
			run(b, openDB(newConnector()))
		})
	}
}
