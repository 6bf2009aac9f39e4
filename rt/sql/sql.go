// Package sql traces every database/sql database, whatever its driver.
//
// Every *sql.DB is made by database/sql.OpenDB: sql.Open calls it too, with
// the driver's own Connector or one that calls Driver.Open with the data
// source name. A woven database/sql passes the connector given to OpenDB
// through the hook bound here, which returns it wrapped in the
// instrumentation of github.com/XSAM/otelsql. The spans are therefore
// exactly those otelsql makes (sql.connector.connect, sql.conn.query,
// sql.conn.exec, sql.conn.prepare, sql.stmt.*, sql.conn.begin_tx,
// sql.tx.commit, sql.tx.rollback, sql.rows, sql.conn.reset_session; client
// kind, db.query.text, errors recorded with status Error), with its
// defaults, plus db.system.name, derived from the driver's package.
//
// The package is linked into a program by a blank import in the file the
// backend generates; it has no API.
package sql

import (
	"context"
	"database/sql/driver"
	"io"
	"reflect"
	"strings"
	_ "unsafe" // for go:linkname

	"github.com/XSAM/otelsql"
	"github.com/ssaweave/ssaweave/rt"
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// hookName names the hook in panic reports.
const hookName = "database/sql.OpenDB"

// openDBHook is called on entry to a woven database/sql.OpenDB, which
// opens the database with the connector it returns. The backend declares
// the variable in database/sql and pushes it to the linker; this
// declaration binds to the same symbol. When database/sql is not woven it
// is never read.
//
//go:linkname openDBHook database/sql.ssaweaveHook_OpenDB
var openDBHook func(c driver.Connector) driver.Connector

func init() {
	openDBHook = openDB
}

// openDB is the hook: it returns c wrapped in otelsql's instrumentation,
// or c itself when c is nil, is already instrumented (by the program's own
// use of otelsql, or by this hook), or when wrapping it panics.
func openDB(c driver.Connector) (out driver.Connector) {
	out = c
	// On a panic Recover stops it and the named result is still c: the
	// database is opened uninstrumented, as it would be without ssaweave.
	defer rt.Recover(hookName)
	if c == nil || instrumented(c) || instrumented(c.Driver()) {
		return c
	}
	return wrap(c)
}

// wrap returns c instrumented by otelsql, as otelsql.Open or
// otelsql.OpenDB would instrument it. otelsql's only way to wrap a
// Connector, otelsql.OpenDB, returns a *sql.DB, and calls sql.OpenDB,
// which would come back here; so the connector is wrapped through
// otelsql.WrapDriver instead, with a driver that connects through c.
//
// A connector made by sql.Open for a driver without DriverContext (many
// SQLite drivers, for example) connects with the driver's Open: for it,
// otelsql's driver opens the connections, as otelsql.Open does for such a
// driver, so that the spans (no sql.connector.connect) and metrics are the
// same. Any other connector, among them those sql.Open gets from a
// driver's OpenConnector, is wrapped in otelsql's connector, as
// otelsql.Open and otelsql.OpenDB do.
func wrap(c driver.Connector) driver.Connector {
	opts := options(dbSystem(c))
	if opensByName(c) {
		return &connector{traced: driverConnector{otelsql.WrapDriver(connDriver{c}, opts...)}, orig: c}
	}
	// connectorDriver implements DriverContext, so otelsql's driver does
	// too, and its OpenConnector wraps c in otelsql's connector; it never
	// fails.
	d := otelsql.WrapDriver(connectorDriver{connDriver{c}}, opts...)
	traced, err := d.(driver.DriverContext).OpenConnector("")
	if err != nil {
		return c
	}
	return &connector{traced: traced, orig: c}
}

// opensByName reports whether c is the connector sql.Open makes for a
// driver without DriverContext, which calls the driver's Open with the
// data source name and ignores the context.
func opensByName(c driver.Connector) bool {
	t := reflect.TypeOf(c)
	return t.PkgPath() == "database/sql" && t.Name() == "dsnConnector"
}

// options configures otelsql for a database of the given system. Only what
// otelsql's defaults leave out is set: the tracer provider, so that the
// spans follow the global provider even when the program installs its own
// after opening the database; db.system.name; and a span filter that skips
// span creation while no provider records anything (see rt.Active).
// Notably, no AttributesGetter and no SQL commenter: otelsql then records
// the query text as the program wrote it (with its placeholders) and never
// the arguments, and leaves the statements sent to the database unchanged.
func options(system attribute.KeyValue) []otelsql.Option {
	return []otelsql.Option{
		otelsql.WithTracerProvider(rt.TracerProvider()),
		otelsql.WithAttributes(system),
		otelsql.WithSpanOptions(otelsql.SpanOptions{
			SpanFilter: func(context.Context, otelsql.Method, string, []driver.NamedValue) bool {
				return rt.Active()
			},
		}),
	}
}

// connector is the instrumented connector a woven sql.OpenDB gets. It
// connects through otelsql, but is otherwise the program's own: Driver
// returns the original driver, so that code inspecting (*sql.DB).Driver,
// a type switch on the driver's type for example, sees what it would see
// without ssaweave. That also keeps a program using otelsql.Open at run time
// from being traced twice: otelsql.Open opens a *sql.DB to get its driver,
// wraps that, and opens the database again with otelsql's own connector,
// which the hook then passes through.
type connector struct {
	traced driver.Connector // connects to orig through otelsql
	orig   driver.Connector
}

// Connect implements driver.Connector.
func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	return c.traced.Connect(ctx)
}

// Driver implements driver.Connector: it returns the program's driver.
func (c *connector) Driver() driver.Driver { return c.orig.Driver() }

// Close implements io.Closer, which (*sql.DB).Close looks for on the
// connector: it closes the original connector if that is an io.Closer.
func (c *connector) Close() error {
	if cl, ok := c.orig.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

// connDriver is a driver whose connections are c's. otelsql's driver
// wrapping it opens them with Open, which is only ever called with the
// connector made by sql.Open for a driver without DriverContext: that
// connector ignores the context.
type connDriver struct{ c driver.Connector }

// Open implements driver.Driver.
func (d connDriver) Open(string) (driver.Conn, error) { return d.c.Connect(context.Background()) }

// connectorDriver is a driver whose connector is c.
type connectorDriver struct{ connDriver }

// OpenConnector implements driver.DriverContext.
func (d connectorDriver) OpenConnector(string) (driver.Connector, error) { return d.c, nil }

// driverConnector connects through its driver's Open, as the connector
// sql.Open makes for a driver without DriverContext does.
type driverConnector struct{ d driver.Driver }

// Connect implements driver.Connector.
func (c driverConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open("") }

// Driver implements driver.Connector.
func (c driverConnector) Driver() driver.Driver { return c.d }

// instrumentingPackages are the packages whose connectors and drivers
// already trace database/sql: otelsql itself (used by the program, or
// wrapping a connector this hook handed to it), and the other OpenTelemetry
// wrapper in common use.
var instrumentingPackages = []string{
	"github.com/XSAM/otelsql",
	"github.com/uptrace/opentelemetry-go-extra/otelsql",
}

// instrumented reports whether v, a driver.Connector or driver.Driver, is
// this package's connector or comes from an instrumenting package. otelsql
// returns its driver for a driver without DriverContext as an unnamed
// struct embedding it, so the embedded interface values of unnamed structs
// are looked into too.
func instrumented(v any) bool {
	if _, ok := v.(*connector); ok {
		return true
	}
	return instrumentedValue(reflect.ValueOf(v), 3)
}

// instrumentedValue implements instrumented, looking at most depth levels
// of embedding deep.
func instrumentedValue(v reflect.Value, depth int) bool {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.Kind() == reflect.Interface {
			v = v.Elem()
			continue
		}
		// The pointer's element type names the package even when the
		// pointer is nil; only an unnamed struct needs its value.
		if v.Type().Elem().Name() != "" || v.IsNil() {
			return inPackages(v.Type().Elem().PkgPath(), instrumentingPackages)
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		return false
	}
	t := v.Type()
	if t.Name() != "" {
		return inPackages(t.PkgPath(), instrumentingPackages)
	}
	if t.Kind() != reflect.Struct || depth == 0 {
		return false
	}
	for i := range t.NumField() {
		if f := t.Field(i); f.Anonymous && instrumentedValue(v.Field(i), depth-1) {
			return true
		}
	}
	return false
}

// inPackages reports whether path is one of pkgs or inside one of them
// (a sub-package or a major version suffix).
func inPackages(path string, pkgs []string) bool {
	for _, p := range pkgs {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// systems maps the packages of the database/sql drivers in common use to
// the db.system.name they talk to. A driver is recognised by the package
// of its driver or connector type, prefix included, so the major versions
// and sub-packages of a driver module (github.com/jackc/pgx/v5/stdlib,
// github.com/microsoft/go-mssqldb/azuread) share one entry. Drivers that
// speak the protocol of another system are named by that protocol (lib/pq
// and pgx say postgresql for CockroachDB or Redshift too): the driver is
// all the hook knows.
var systems = []struct {
	pkg    string
	system attribute.KeyValue
}{
	{"modernc.org/sqlite", semconv.DBSystemNameSQLite},
	{"github.com/mattn/go-sqlite3", semconv.DBSystemNameSQLite},
	{"github.com/ncruces/go-sqlite3", semconv.DBSystemNameSQLite},
	{"github.com/glebarez/go-sqlite", semconv.DBSystemNameSQLite},
	{"github.com/lib/pq", semconv.DBSystemNamePostgreSQL},
	{"github.com/jackc/pgx", semconv.DBSystemNamePostgreSQL},
	{"github.com/go-sql-driver/mysql", semconv.DBSystemNameMySQL},
	{"github.com/ziutek/mymysql", semconv.DBSystemNameMySQL},
	{"github.com/microsoft/go-mssqldb", semconv.DBSystemNameMicrosoftSQLServer},
	{"github.com/denisenkom/go-mssqldb", semconv.DBSystemNameMicrosoftSQLServer},
	{"github.com/sijms/go-ora", semconv.DBSystemNameOracleDB},
	{"github.com/godror/godror", semconv.DBSystemNameOracleDB},
	{"github.com/mattn/go-oci8", semconv.DBSystemNameOracleDB},
	{"github.com/ClickHouse/clickhouse-go", semconv.DBSystemNameClickHouse},
	{"github.com/googleapis/go-sql-spanner", semconv.DBSystemNameGCPSpanner},
	{"github.com/trinodb/trino-go-client", semconv.DBSystemNameTrino},
	{"github.com/SAP/go-hdb", semconv.DBSystemNameSAPHANA},
	{"github.com/ibmdb/go_ibm_db", semconv.DBSystemNameIBMDB2},
	{"github.com/nakagami/firebirdsql", semconv.DBSystemNameFirebirdSQL},
}

// dbSystem returns the db.system.name of the database c connects to,
// from the package of its driver's type or, for a driver wrapped by
// another library, of the connector's type; other_sql when neither is
// known.
func dbSystem(c driver.Connector) attribute.KeyValue {
	for _, v := range []any{c.Driver(), c} {
		if s := systemOf(typePackage(reflect.TypeOf(v))); s != semconv.DBSystemNameOtherSQL {
			return s
		}
	}
	return semconv.DBSystemNameOtherSQL
}

// systemOf returns the db.system.name of the drivers declared in package
// path, other_sql if it is not a known driver.
func systemOf(path string) attribute.KeyValue {
	for _, s := range systems {
		if inPackages(path, []string{s.pkg}) {
			return s.system
		}
	}
	return semconv.DBSystemNameOtherSQL
}

// typePackage returns the package that declares t, or *t, **t...
func typePackage(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return ""
	}
	return t.PkgPath()
}
