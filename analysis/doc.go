// Package analysis loads a whole Go program and finds where the
// instrumentation rules apply.
//
// # Loading
//
// [Load] loads the packages named by the patterns and every dependency,
// standard library included, from source with full type information
// (golang.org/x/tools/go/packages), under the build configuration the go
// command would use (build flags and environment), then builds the SSA form
// of every function (golang.org/x/tools/go/ssa, with generic functions
// instantiated) so that a whole-program call graph can be computed. A
// program that does not type-check is an error naming each failing
// file:line:col with the compiler's message; patterns that name no main
// package are an error too, since only programs can be instrumented.
//
// # Rules
//
// A [Rule] is plain data: one value per integration, listed in [Rules]
// (rules.go). Adding an integration is adding one value there, plus the
// runtime hook package that implements it. A rule names
//
//   - Name: a stable identifier ("net/http.server"), recorded in plans;
//   - Doc: one sentence for humans;
//   - Role: what the rule is for, which decides when it is woven (see
//     [Role]): a Telemetry rule produces spans and is woven wherever its
//     target is reachable; the support roles (FlushOnExit, AtMainReturn,
//     HandlesSignals) only exist to get those spans out of the process and
//     are woven only into programs that have telemetry;
//   - Package and Funcs: the target, by import path and name: "Exit" for a
//     package-level function, "Type.Method" for a method declared on a
//     named type (value or pointer receiver, never promoted). The
//     [MainPackage] path stands for every main package of the program;
//   - Kind: how the target's declaration is rewritten (before, around,
//     defer: the edit kinds of the plan), or "" for a rule that rewrites
//     nothing and only informs a decision;
//   - Hook: the identifier of the hook variable the rewrite declares (or,
//     for a defer rewrite, of the function deferred). The runtime module
//     binds hook variables by name through //go:linkname, so names are part
//     of the contract with it and never change;
//   - HookPackage: the runtime package that implements the hook; the main
//     package links it when the rule is woven;
//   - SpanKind: for a Telemetry rule (and only for one), what the audit
//     counts its spans as ("server", "client", "database", "redis"), so
//     that the audit needs to know no rule by name.
//
// [MatchRules] resolves each rule against the loaded program by type, not by
// text: it looks the name up in the target package's scope, finds methods
// through the method set of the named type, and maps the resulting
// *types.Func to its *ssa.Function. A rule whose package is not part of the
// program matches nothing; a rule whose package is there but lacks the
// function is an error, because it means the standard library changed
// under the rule and weaving silently nothing would hide it.
package analysis
