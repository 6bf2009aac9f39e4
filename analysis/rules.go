package analysis

import "strings"

// RuntimeModule is the module path of the ssaweave runtime, whose packages
// implement the hooks.
const RuntimeModule = "github.com/ssaweave/ssaweave/rt"

// RuntimePackage is the runtime package every woven program links: it
// owns the tracer provider and flushes it at exit. It is the runtime
// module's root package.
const RuntimePackage = RuntimeModule

// MainPackage, as a rule's Package, stands for each main package of the
// program rather than for an import path.
const MainPackage = "main"

// EditKind says how a rule rewrites its target. The values are those of
// ssaweave.EditKind, which this package cannot import (ssaweave builds
// plans from this package); ssaweave checks that they agree.
type EditKind string

// The edit kinds, with the meaning ssaweave.EditKind documents.
const (
	EditNone   EditKind = ""       // the rule rewrites nothing
	EditBefore EditKind = "before" // call the hook with the arguments on entry
	EditAround EditKind = "around" // the hook wraps the original body
	EditDefer  EditKind = "defer"  // defer a call to the hook on entry
	EditFilter EditKind = "filter" // the hook replaces the arguments on entry
	EditSpan   EditKind = "span"   // the hook starts a span on entry, ended by a deferred call
	EditGo     EditKind = "go"     // the hook gives a go statement's goroutine the trace context in scope
	EditCall   EditKind = "call"   // the hook gives a call of a context-free API the trace context in scope
)

// Role says what a rule is for, and so when it is woven.
type Role int

const (
	// Telemetry rules produce spans. One is woven wherever its target is
	// reachable from a main (or init) of the program.
	Telemetry Role = iota + 1

	// FlushOnExit rules flush telemetry on a path that bypasses main's
	// return. One is woven where its target is reachable from a program in
	// which some Telemetry rule is woven.
	FlushOnExit

	// AtMainReturn rules flush telemetry when main returns. One is woven
	// into each main package in which some Telemetry rule is woven.
	AtMainReturn

	// HandlesSignals rules decide whether the runtime installs its own
	// SIGINT/SIGTERM handler: if any target is reachable, the program
	// handles signals itself and the runtime must not. They rewrite
	// nothing.
	HandlesSignals

	// Correlates rules enrich what the program already produces with the
	// trace (log records get trace and span IDs) but make no spans of
	// their own. Like FlushOnExit, one is woven where its target is
	// reachable from a program in which some Telemetry rule is woven: a
	// program without spans has nothing to correlate, and must not link
	// the SDK for it.
	Correlates

	// InstallsProvider rules decide whether the hook variables of the
	// program's own packages (function spans, goroutine and call-site
	// contexts) are bound even when the runtime records nothing: if any
	// target is reachable, the program may install a TracerProvider of its
	// own at any moment, so the hooks must stay bound to follow it. When
	// none is, a program run with tracing off leaves them unbound and a
	// woven function costs a nil check. They rewrite nothing.
	InstallsProvider
)

// String returns the role's name as documented.
func (r Role) String() string {
	switch r {
	case Telemetry:
		return "telemetry"
	case FlushOnExit:
		return "flush-on-exit"
	case AtMainReturn:
		return "at-main-return"
	case HandlesSignals:
		return "handles-signals"
	case Correlates:
		return "correlates"
	case InstallsProvider:
		return "installs-provider"
	}
	return "unknown"
}

// Rule is one integration: what to match and how to rewrite it. See the
// package documentation for the meaning of each field.
type Rule struct {
	Name        string
	Doc         string
	Role        Role
	Package     string   // import path of the target, or MainPackage
	Funcs       []string // "Func" or "Type.Method"; exactly one when Kind is set
	Kind        EditKind
	Hook        string // hook variable, or deferred function for EditDefer
	HookPackage string // runtime package implementing the hook

	// SpanKind is what the audit counts a span of this rule as: "server",
	// "client", "database", "redis", ... It is a word for people reading
	// an audit ("3 database spans"), not OpenTelemetry's SpanKind. Every
	// Telemetry rule must say, and no other rule may (they make no spans):
	// the rule is the one place that knows what it instruments, so the
	// audit reads this field instead of knowing rule names.
	SpanKind string

	// Entry marks a rule whose spans are entry-point (server) spans: their
	// parent comes from the incoming request, never from a caller or a
	// goroutine, so the code that leads to them is not a path to a sink.
	Entry bool

	// Sinks lists the functions whose calls make the rule's spans when
	// that is not the target itself: a rule that instruments a client
	// when it is constructed makes spans when the client is used. Empty
	// means the target makes them. Goroutine contexts and path spans
	// follow call paths to these.
	Sinks []FuncRef

	// InstrumentedBy lists functions of other instrumentation libraries
	// (the contrib ones, mostly) whose presence on a call path means the
	// program already instruments the rule's API itself. In a program
	// that reaches one of them the rule is not woven, so that the program
	// gets no duplicate spans; the plan names the function and its path.
	InstrumentedBy []FuncRef

	// ContextFree lists the functions of the rule's API that take no
	// context.Context (http.Get, (*sql.DB).Query): they call the API with
	// context.Background(), so the spans they make have no parent even
	// inside a request. The program's own calls of these are woven at the
	// call site (see CallSite): the span context of the context in scope
	// there parents the spans the call makes. A rule asks for call-site
	// weaving by listing functions here.
	ContextFree []FuncRef
}

// FuncRef names a function or method by import path and name ("Func" or
// "Type.Method", as in Rule.Funcs).
type FuncRef struct {
	Package string
	Func    string
}

// String returns the reference as Go would print the function:
// "path.Func" or "(path.Type).Method".
func (f FuncRef) String() string {
	if typ, m, ok := strings.Cut(f.Func, "."); ok {
		return "(" + f.Package + "." + typ + ")." + m
	}
	return f.Package + "." + f.Func
}

// The import paths of the contrib instrumentations the rules defer to.
const (
	otelhttpPath  = "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	otelgrpcPath  = "go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	otelsqlPath   = "github.com/XSAM/otelsql"
	redisotelPath = "github.com/redis/go-redis/extra/redisotel/v9"
	otelginPath   = "go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	otelslogPath  = "go.opentelemetry.io/contrib/bridges/otelslog"
	goRedisPath   = "github.com/redis/go-redis/v9"
	grpcPath      = "google.golang.org/grpc"
	ginPath       = "github.com/gin-gonic/gin"
	chiPath       = "github.com/go-chi/chi/v5"
)

// Rules is the rule set, one value per integration. The names of rules and
// hooks are a contract with the runtime module and with recorded plans.
var Rules = []Rule{
	{
		Name:        "net/http.server",
		Doc:         "Trace every request served by a net/http server, at the choke point all servers share.",
		Role:        Telemetry,
		SpanKind:    "server",
		Package:     "net/http",
		Funcs:       []string{"serverHandler.ServeHTTP"},
		Entry:       true,
		Kind:        EditAround,
		Hook:        "ssaweaveHook_serverHandler_ServeHTTP",
		HookPackage: RuntimeModule + "/nethttp",
		InstrumentedBy: []FuncRef{
			{otelhttpPath, "NewHandler"},
			{otelhttpPath, "NewMiddleware"},
			{otelginPath, "Middleware"},
		},
	},
	{
		Name:        "net/http.client",
		Doc:         "Trace every request sent by a net/http Client (http.Get, custom Clients and Transports) and inject the trace context into it.",
		Role:        Telemetry,
		SpanKind:    "client",
		Package:     "net/http",
		Funcs:       []string{"send"},
		Kind:        EditFilter,
		Hook:        "ssaweaveHook_send",
		HookPackage: RuntimeModule + "/nethttp",
		InstrumentedBy: []FuncRef{
			{otelhttpPath, "NewTransport"},
		},
		ContextFree: []FuncRef{
			{"net/http", "Get"}, {"net/http", "Head"}, {"net/http", "Post"}, {"net/http", "PostForm"},
			{"net/http", "Client.Get"}, {"net/http", "Client.Head"}, {"net/http", "Client.Post"}, {"net/http", "Client.PostForm"},
		},
	},
	{
		Name:        "database/sql",
		Doc:         "Trace queries, statements, transactions and rows of every database/sql database, whatever the driver.",
		Role:        Telemetry,
		SpanKind:    "database",
		Package:     "database/sql",
		Funcs:       []string{"OpenDB"},
		Kind:        EditFilter,
		Hook:        "ssaweaveHook_OpenDB",
		HookPackage: RuntimeModule + "/sql",
		// The methods without Context call these.
		Sinks: []FuncRef{
			{"database/sql", "DB.QueryContext"}, {"database/sql", "DB.QueryRowContext"},
			{"database/sql", "DB.ExecContext"}, {"database/sql", "DB.PrepareContext"},
			{"database/sql", "DB.BeginTx"}, {"database/sql", "DB.PingContext"},
			{"database/sql", "Conn.QueryContext"}, {"database/sql", "Conn.QueryRowContext"},
			{"database/sql", "Conn.ExecContext"}, {"database/sql", "Conn.PrepareContext"},
			{"database/sql", "Conn.BeginTx"},
			{"database/sql", "Tx.QueryContext"}, {"database/sql", "Tx.QueryRowContext"},
			{"database/sql", "Tx.ExecContext"}, {"database/sql", "Tx.PrepareContext"},
			{"database/sql", "Tx.Commit"}, {"database/sql", "Tx.Rollback"},
			{"database/sql", "Stmt.QueryContext"}, {"database/sql", "Stmt.QueryRowContext"},
			{"database/sql", "Stmt.ExecContext"},
		},
		InstrumentedBy: []FuncRef{
			{otelsqlPath, "Open"},
			{otelsqlPath, "OpenDB"},
			{otelsqlPath, "WrapDriver"},
			{otelsqlPath, "Register"},
		},
		ContextFree: []FuncRef{
			{"database/sql", "DB.Query"}, {"database/sql", "DB.QueryRow"}, {"database/sql", "DB.Exec"},
			{"database/sql", "DB.Prepare"}, {"database/sql", "DB.Begin"}, {"database/sql", "DB.Ping"},
			{"database/sql", "Tx.Query"}, {"database/sql", "Tx.QueryRow"}, {"database/sql", "Tx.Exec"},
			{"database/sql", "Tx.Prepare"},
			{"database/sql", "Stmt.Query"}, {"database/sql", "Stmt.QueryRow"}, {"database/sql", "Stmt.Exec"},
		},
	},
	{
		Name:        "log/slog.log",
		Doc:         "Add trace_id and span_id to slog records logged with a traced context.",
		Role:        Correlates,
		Package:     "log/slog",
		Funcs:       []string{"Logger.log"},
		Kind:        EditFilter,
		Hook:        "ssaweaveHook_Logger_log",
		HookPackage: RuntimeModule + "/slog",
		InstrumentedBy: []FuncRef{
			{otelslogPath, "NewHandler"},
			{otelslogPath, "NewLogger"},
		},
	},
	{
		Name:        "log/slog.logAttrs",
		Doc:         "Add trace_id and span_id to slog records logged as attributes with a traced context.",
		Role:        Correlates,
		Package:     "log/slog",
		Funcs:       []string{"Logger.logAttrs"},
		Kind:        EditFilter,
		Hook:        "ssaweaveHook_Logger_logAttrs",
		HookPackage: RuntimeModule + "/slog",
		InstrumentedBy: []FuncRef{
			{otelslogPath, "NewHandler"},
			{otelslogPath, "NewLogger"},
		},
	},
	{
		Name:        "grpc.server",
		Doc:         "Trace every RPC a gRPC server handles (otelgrpc stats handler).",
		Role:        Telemetry,
		SpanKind:    "server",
		Package:     grpcPath,
		Funcs:       []string{"NewServer"},
		Entry:       true,
		Kind:        EditFilter,
		Hook:        "ssaweaveHook_NewServer",
		HookPackage: RuntimeModule + "/grpc",
		InstrumentedBy: []FuncRef{
			{otelgrpcPath, "NewServerHandler"},
		},
	},
	{
		Name:        "grpc.client",
		Doc:         "Trace every RPC a gRPC client connection sends (otelgrpc stats handler); covers Dial and DialContext.",
		Role:        Telemetry,
		SpanKind:    "client",
		Package:     grpcPath,
		Funcs:       []string{"NewClient"},
		Kind:        EditFilter,
		Hook:        "ssaweaveHook_NewClient",
		HookPackage: RuntimeModule + "/grpc",
		Sinks: []FuncRef{
			{grpcPath, "ClientConn.Invoke"}, {grpcPath, "ClientConn.NewStream"},
		},
		InstrumentedBy: []FuncRef{
			{otelgrpcPath, "NewClientHandler"},
		},
	},
	{
		// Cluster and ring clients (and so NewUniversalClient and
		// NewFailoverClusterClient) make a *Client per node through
		// ClusterOptions.NewClient / RingOptions.NewClient, which default
		// to NewClient: this rule traces them, with the spans
		// redisotel.InstrumentTracing gives a cluster or ring (it too
		// instruments the nodes). A rule on NewClusterClient would trace
		// every command twice.
		Name:        "go-redis.client",
		Doc:         "Trace every command of a go-redis client, and of each node of cluster and ring clients (redisotel hooks).",
		Role:        Telemetry,
		SpanKind:    "redis",
		Package:     goRedisPath,
		Funcs:       []string{"NewClient"},
		Kind:        EditAround,
		Hook:        "ssaweaveHook_NewClient",
		HookPackage: RuntimeModule + "/redis",
		Sinks: []FuncRef{
			{goRedisPath, "Client.Process"}, {goRedisPath, "Pipeline.Exec"},
		},
		InstrumentedBy: []FuncRef{
			{redisotelPath, "InstrumentTracing"},
		},
	},
	{
		Name:        "go-redis.failover",
		Doc:         "Trace every command of a go-redis Sentinel failover client, which NewFailoverClient builds without NewClient (redisotel hooks).",
		Role:        Telemetry,
		SpanKind:    "redis",
		Package:     goRedisPath,
		Funcs:       []string{"NewFailoverClient"},
		Kind:        EditAround,
		Hook:        "ssaweaveHook_NewFailoverClient",
		HookPackage: RuntimeModule + "/redis",
		Sinks: []FuncRef{
			{goRedisPath, "Client.Process"}, {goRedisPath, "Pipeline.Exec"},
		},
		InstrumentedBy: []FuncRef{
			{redisotelPath, "InstrumentTracing"},
		},
	},
	{
		Name:        "gin.route",
		Doc:         "Name the server span of a gin request after its route template, and set http.route.",
		Role:        Correlates,
		Package:     ginPath,
		Funcs:       []string{"Engine.handleHTTPRequest"},
		Kind:        EditAround,
		Hook:        "ssaweaveHook_Engine_handleHTTPRequest",
		HookPackage: RuntimeModule + "/gin",
		InstrumentedBy: []FuncRef{
			{otelginPath, "Middleware"},
		},
	},
	{
		Name:        "chi.route",
		Doc:         "Name the server span of a chi request after its route pattern, and set http.route.",
		Role:        Correlates,
		Package:     chiPath,
		Funcs:       []string{"Mux.routeHTTP"},
		Kind:        EditAround,
		Hook:        "ssaweaveHook_Mux_routeHTTP",
		HookPackage: RuntimeModule + "/chi",
	},
	{
		Name:        "os.exit",
		Doc:         "Flush telemetry before os.Exit ends the process without running deferred calls.",
		Role:        FlushOnExit,
		Package:     "os",
		Funcs:       []string{"Exit"},
		Kind:        EditBefore,
		Hook:        "ssaweaveHook_Exit",
		HookPackage: RuntimePackage,
	},
	{
		Name:        "main.return",
		Doc:         "Flush telemetry when main.main returns.",
		Role:        AtMainReturn,
		Package:     MainPackage,
		Funcs:       []string{"main"},
		Kind:        EditDefer,
		Hook:        "ssaweave_atMainReturn",
		HookPackage: RuntimePackage,
	},
	{
		Name:        "signal.flush",
		Doc:         "Flush telemetry on SIGINT/SIGTERM, unless the program handles signals itself.",
		Role:        HandlesSignals,
		Package:     "os/signal",
		Funcs:       []string{"Notify", "NotifyContext"},
		Kind:        EditNone,
		HookPackage: RuntimePackage,
	},
	{
		Name:        "hooks.unbound",
		Doc:         "Leave the program's hook variables unbound while tracing is off, unless the program installs a TracerProvider of its own.",
		Role:        InstallsProvider,
		Package:     "go.opentelemetry.io/otel",
		Funcs:       []string{"SetTracerProvider"},
		Kind:        EditNone,
		HookPackage: RuntimePackage,
	},
}
