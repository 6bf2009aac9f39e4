package callgraph

import (
	"go/types"

	xcallgraph "golang.org/x/tools/go/callgraph"
	"golang.org/x/tools/go/ssa"
)

// VTA propagates the types (and functions) a value may hold along the
// program's data flow: assignments, fields, parameters, results. Some
// values come from where it sees no flow, and a call on such a "hidden"
// value resolves to too few callees, or none:
//
//   - memory read through unsafe.Pointer: sync/atomic.Value loads its
//     `any` as two words, reflect builds the `any` of Value.Interface from
//     a type word and a data word, modernc.org's transpiled C calls Go
//     functions it keeps as uintptr;
//   - results of functions without a Go body (assembly, //go:linkname
//     declarations such as the system calls that return errors);
//   - parameters of functions called from outside the call graph:
//     functions handed to bodyless functions (the runtime calls a timer's
//     callback) and functions reflection calls (reflect.Value.Call, the
//     methods text/template looks up);
//   - variables that reflection writes: errors.As(err, &target).
//
// Each hidden value has one of the program's types, which RTA accounts
// for, so the remedy borrows RTA's answer where VTA cannot know better:
//
//   - the results of functions that return hidden values ("launderers":
//     atomic.Value.Load, reflect's valueInterface) and of bodyless
//     functions get, at each call, every type of the program that RTA
//     found may be in an interface or reflected (its runtime types) and
//     that has the result's interface type. VTA then propagates them as
//     it does the types it sees: fmt's handleMethods, which calls String
//     on what reflect hands it, calls every String method of the program,
//     and nothing else is affected;
//   - a dynamic call whose value comes, within its function, from hidden
//     memory, a parameter of a function called from outside, a bodyless
//     function, or a variable whose address the function hands out as an
//     interface or unsafe.Pointer, keeps RTA's callees;
//   - a function handed to a bodyless function becomes a callee of the
//     function that hands it over.

// hidden is what VTA's own propagation misses in one program.
type hidden struct {
	// funcs are the functions that may run: those reachable in RTA's
	// graph, and those handed to bodyless functions with what RTA
	// reaches from them.
	funcs map[*ssa.Function]bool
	// seeds are the calls whose results may hold values of every
	// runtime type (see seed).
	seeds []seed
	// fallback are the dynamic calls whose value may be hidden within
	// their function: they keep RTA's callees.
	fallback []ssa.CallInstruction
	// escapes are functions handed to bodyless functions, which may call
	// them at any time afterwards.
	escapes []escape
}

// seed is a call whose result index (0 for a single result) may hold a
// hidden value of interface type.
type seed struct {
	site  ssa.CallInstruction
	index int
}

// escape is a function callee that a call to a bodyless function in
// caller hands over.
type escape struct {
	caller, callee *ssa.Function
}

// findHidden computes, for the program whose RTA graph is rg (and RTA's
// call graph rcg, reflection edges included), what VTA's propagation
// cannot see.
func findHidden(rg *Graph, rcg *xcallgraph.Graph) *hidden {
	h := &hidden{funcs: make(map[*ssa.Function]bool)}
	entered := make(map[*ssa.Function]bool) // called from outside the graph

	var queue []*ssa.Function
	visit := func(fn *ssa.Function) {
		if !h.funcs[fn] {
			h.funcs[fn] = true
			queue = append(queue, fn)
		}
	}
	for fn := range rg.parent {
		visit(fn)
		// Reflection edges: RTA adds them without a call site.
		if n := rcg.Nodes[fn]; n != nil {
			for _, e := range n.Out {
				if e.Site == nil {
					entered[e.Callee.Func] = true
				}
			}
		}
	}
	for len(queue) > 0 {
		fn := queue[0]
		queue = queue[1:]
		// What RTA reaches from a function handed over runs too.
		if n := rcg.Nodes[fn]; n != nil {
			for _, e := range n.Out {
				visit(e.Callee.Func)
			}
		}
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				call, ok := instr.(ssa.CallInstruction)
				if !ok {
					continue
				}
				callee := call.Common().StaticCallee()
				if callee == nil || callee.Blocks != nil {
					continue
				}
				// Bodyless: it may call what it is handed, at
				// any later time.
				for _, arg := range call.Common().Args {
					for _, f := range funcsIn(arg) {
						h.escapes = append(h.escapes, escape{fn, f})
						entered[f] = true
						visit(f)
					}
				}
			}
		}
	}

	launders := make(map[*ssa.Function][]int)
	for fn := range h.funcs {
		if idx := laundered(fn); len(idx) > 0 {
			launders[fn] = idx
		}
	}
	for fn := range h.funcs {
		n := rcg.Nodes[fn]
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				call, ok := instr.(ssa.CallInstruction)
				if !ok {
					continue
				}
				cc := call.Common()
				if _, ok := call.(ssa.Value); ok {
					// Results of launderers and bodyless
					// functions, whichever callee RTA gives the
					// call.
					seeded := make(map[int]bool)
					add := func(callee *ssa.Function) {
						var idx []int
						if callee.Blocks == nil {
							idx = interfaceResults(callee.Signature)
						} else {
							idx = launders[callee]
						}
						for _, i := range idx {
							if !seeded[i] {
								seeded[i] = true
								h.seeds = append(h.seeds, seed{call, i})
							}
						}
					}
					if callee := cc.StaticCallee(); callee != nil {
						add(callee)
					} else if n != nil {
						for _, e := range n.Out {
							if e.Site == call {
								add(e.Callee.Func)
							}
						}
					}
				}
				if cc.StaticCallee() == nil {
					if _, ok := cc.Value.(*ssa.Builtin); !ok && hiddenValue(cc.Value, entered, make(map[ssa.Value]bool)) {
						h.fallback = append(h.fallback, call)
					}
				}
			}
		}
	}
	return h
}

// interfaceResults returns the indices of the results of sig whose type is
// an interface.
func interfaceResults(sig *types.Signature) []int {
	var idx []int
	for i := range sig.Results().Len() {
		if types.IsInterface(sig.Results().At(i).Type()) {
			idx = append(idx, i)
		}
	}
	return idx
}

// laundered returns the indices of fn's interface results that may return
// a value read from memory as words (see hiddenMemory).
func laundered(fn *ssa.Function) []int {
	idx := interfaceResults(fn.Signature)
	if len(idx) == 0 {
		return nil
	}
	var out []int
	for _, i := range idx {
	returns:
		for _, b := range fn.Blocks {
			if ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return); ok && i < len(ret.Results) {
				if hiddenValue(ret.Results[i], nil, make(map[ssa.Value]bool)) {
					out = append(out, i)
					break returns
				}
			}
		}
	}
	return out
}

// hiddenValue reports whether v, followed back within its function
// through conversions, φ-nodes and loads, may come from where VTA sees no
// flow: memory reached through unsafe.Pointer or handed out for others
// to write, a bodyless function's result, or a parameter of a function in
// entered.
func hiddenValue(v ssa.Value, entered map[*ssa.Function]bool, seen map[ssa.Value]bool) bool {
	if seen[v] {
		return false
	}
	seen[v] = true
	switch v := v.(type) {
	case *ssa.Parameter:
		return entered[v.Parent()]
	case *ssa.UnOp:
		return v.Op.String() == "*" && hiddenAddr(v.X, entered, seen)
	case *ssa.Phi:
		for _, e := range v.Edges {
			if hiddenValue(e, entered, seen) {
				return true
			}
		}
	case *ssa.TypeAssert:
		return hiddenValue(v.X, entered, seen)
	case *ssa.ChangeInterface:
		return hiddenValue(v.X, entered, seen)
	case *ssa.ChangeType:
		return hiddenValue(v.X, entered, seen)
	case *ssa.MakeInterface:
		return hiddenValue(v.X, entered, seen)
	case *ssa.Convert:
		return hiddenValue(v.X, entered, seen)
	case *ssa.Extract:
		switch t := v.Tuple.(type) {
		case *ssa.TypeAssert:
			return v.Index == 0 && hiddenValue(t.X, entered, seen)
		case *ssa.Call:
			return entered != nil && bodyless(t)
		}
	case *ssa.Call:
		return entered != nil && bodyless(v)
	}
	return false
}

// bodyless reports whether call calls a function without a Go body.
func bodyless(call *ssa.Call) bool {
	callee := call.Call.StaticCallee()
	return callee != nil && callee.Blocks == nil
}

// hiddenAddr reports whether memory at addr may be written or read as
// words: it is reached through unsafe.Pointer, or it is a variable (or
// part of one) whose address the function converts to unsafe.Pointer or
// hands out as an interface, to reflection as errors.As does.
func hiddenAddr(addr ssa.Value, entered map[*ssa.Function]bool, seen map[ssa.Value]bool) bool {
	switch a := addr.(type) {
	case *ssa.Convert:
		return isUnsafePointer(a.X.Type())
	case *ssa.FieldAddr:
		return hiddenAddr(a.X, entered, seen)
	case *ssa.IndexAddr:
		return hiddenAddr(a.X, entered, seen)
	case *ssa.Alloc:
		return handedOut(a)
	case *ssa.Parameter, *ssa.UnOp, *ssa.Phi:
		// A pointer from elsewhere: what it points to is hidden only
		// if the pointer itself is.
		return hiddenValue(a, entered, seen)
	}
	return false
}

// handedOut reports whether the address addr, or the address of a part
// of it, is converted to unsafe.Pointer, to an interface, or given to a
// bodyless function.
func handedOut(addr ssa.Value) bool {
	refs := addr.Referrers()
	if refs == nil {
		return false
	}
	for _, r := range *refs {
		switch r := r.(type) {
		case *ssa.Convert:
			if isUnsafePointer(r.Type()) {
				return true
			}
		case *ssa.MakeInterface:
			return true
		case *ssa.FieldAddr:
			if handedOut(r) {
				return true
			}
		case *ssa.IndexAddr:
			if handedOut(r) {
				return true
			}
		case *ssa.Call:
			if bodyless(r) {
				return true
			}
		}
	}
	return false
}

func isUnsafePointer(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Kind() == types.UnsafePointer
}

// funcsIn returns the functions v is, directly, as a closure or inside an
// interface value.
func funcsIn(v ssa.Value) []*ssa.Function {
	switch v := v.(type) {
	case *ssa.Function:
		return []*ssa.Function{v}
	case *ssa.MakeClosure:
		return []*ssa.Function{v.Fn.(*ssa.Function)}
	case *ssa.MakeInterface:
		return funcsIn(v.X)
	case *ssa.ChangeType:
		return funcsIn(v.X)
	}
	return nil
}
