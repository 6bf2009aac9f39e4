package callgraph

import (
	"go/token"
	"go/types"
	"slices"

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
//     functions reflection calls (reflect.Value.Call, the methods
//     text/template looks up) and functions handed to bodyless functions
//     (the runtime calls a timer's callback with the value handed with
//     it);
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
//     memory, a bodyless function, a variable whose address the function
//     hands out as an interface or unsafe.Pointer, or a parameter of a
//     function reflection calls, keeps RTA's callees;
//   - a function handed to a bodyless function becomes a callee of the
//     function that hands it over, and a call of one of its parameters
//     calls the functions handed along with it (time.AfterFunc's callback,
//     which the runtime gives back to time.goFunc), when they can be
//     traced back to the functions or closures the program passes; when
//     they cannot, RTA's callees.

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
	// handed are calls, in handed-over functions, of functions handed
	// along with them.
	handed []escape
}

// seed is a call whose result index (0 for a single result) may hold a
// hidden value of interface type.
type seed struct {
	site  ssa.CallInstruction
	index int
}

// escape is a call edge VTA cannot see: from caller (at site, or nil) to
// callee.
type escape struct {
	caller *ssa.Function
	site   ssa.CallInstruction
	callee *ssa.Function
}

// hiddenFinder holds what findHidden learns about the program.
type hiddenFinder struct {
	rcg       *xcallgraph.Graph
	reflected map[*ssa.Function]bool                  // called by reflection
	handers   map[*ssa.Function][]ssa.CallInstruction // functions handed to bodyless functions, and the calls that hand them
}

// findHidden computes, for the program whose RTA graph is rg (and RTA's
// call graph rcg, reflection edges included), what VTA's propagation
// cannot see.
func findHidden(rg *Graph, rcg *xcallgraph.Graph) *hidden {
	h := &hidden{funcs: make(map[*ssa.Function]bool)}
	hf := &hiddenFinder{rcg: rcg, reflected: make(map[*ssa.Function]bool), handers: make(map[*ssa.Function][]ssa.CallInstruction)}

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
					hf.reflected[e.Callee.Func] = true
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
				if !ok || !bodyless(call) {
					continue
				}
				// It may call what it is handed, at any later
				// time.
				for _, arg := range call.Common().Args {
					for _, f := range funcsIn(arg) {
						h.escapes = append(h.escapes, escape{caller: fn, callee: f})
						hf.handers[f] = append(hf.handers[f], call)
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
							if !seeded[i] && typesMatter(call.(ssa.Value), i) {
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
				if _, ok := cc.Value.(*ssa.Builtin); ok || cc.StaticCallee() != nil {
					continue
				}
				callees, fallback := hf.dynamic(call)
				if fallback {
					h.fallback = append(h.fallback, call)
				}
				for _, f := range callees {
					h.handed = append(h.handed, escape{caller: fn, site: call, callee: f})
				}
			}
		}
	}
	return h
}

// dynamic decides the dynamic call site: whether it keeps RTA's callees,
// and which functions handed to the runtime along with its function it
// may call.
func (hf *hiddenFinder) dynamic(site ssa.CallInstruction) (handed []*ssa.Function, fallback bool) {
	o := origins{}
	o.value(site.Common().Value)
	if o.hidden {
		return nil, true
	}
	for _, p := range o.params {
		fn := p.Parent()
		switch {
		case hf.reflected[fn]:
			return nil, true
		case len(hf.handers[fn]) > 0:
			if site.Common().IsInvoke() {
				return nil, true
			}
			sig := site.Common().Signature()
			for _, s := range hf.handers[fn] {
				for _, arg := range s.Common().Args {
					if typeKey(arg.Type()) == nil || slices.Contains(funcsIn(arg), fn) {
						continue
					}
					fs, ok := hf.trace(arg, 0, make(map[ssa.Value]bool))
					if !ok {
						return nil, true
					}
					for _, f := range fs {
						if types.Identical(f.Signature, sig) && !slices.Contains(handed, f) {
							handed = append(handed, f)
						}
					}
				}
			}
		}
	}
	return handed, false
}

// maxTrace bounds how many calls trace follows back.
const maxTrace = 8

// trace returns the functions the value v may be, following it back
// through conversions and φ-nodes and, from a parameter, to the arguments
// of every call of its function; ok is false when v may be anything else.
func (hf *hiddenFinder) trace(v ssa.Value, depth int, seen map[ssa.Value]bool) (fs []*ssa.Function, ok bool) {
	if seen[v] {
		return nil, true
	}
	seen[v] = true
	switch v := v.(type) {
	case *ssa.Function:
		return []*ssa.Function{v}, true
	case *ssa.MakeClosure:
		return []*ssa.Function{v.Fn.(*ssa.Function)}, true
	case *ssa.MakeInterface:
		return hf.trace(v.X, depth, seen)
	case *ssa.ChangeType:
		return hf.trace(v.X, depth, seen)
	case *ssa.Const:
		return nil, v.IsNil()
	case *ssa.Phi:
		for _, e := range v.Edges {
			f, ok := hf.trace(e, depth, seen)
			if !ok {
				return nil, false
			}
			fs = append(fs, f...)
		}
		return fs, true
	case *ssa.Parameter:
		fn := v.Parent()
		n := hf.rcg.Nodes[fn]
		if depth >= maxTrace || n == nil || hf.reflected[fn] || len(hf.handers[fn]) > 0 {
			return nil, false
		}
		idx := -1
		for i, p := range fn.Params {
			if p == v {
				idx = i
			}
		}
		for _, e := range n.In {
			if e.Site == nil {
				return nil, false
			}
			cc := e.Site.Common()
			i := idx
			if cc.IsInvoke() {
				i-- // the receiver is not among the arguments
			}
			if i < 0 || i >= len(cc.Args) {
				return nil, false
			}
			f, ok := hf.trace(cc.Args[i], depth+1, seen)
			if !ok {
				return nil, false
			}
			fs = append(fs, f...)
		}
		return fs, true
	}
	return nil, false
}

// typesMatter reports whether the types of result index of the call v
// can matter to a call: whether a use of it does more than assert a
// concrete type (as the generated fast paths of github.com/ugorji/go/codec
// do with thousands of results of its reflect.Value-to-interface
// function) or compare it.
func typesMatter(v ssa.Value, index int) bool {
	refs := v.Referrers()
	if refs == nil {
		return true
	}
	_, tuple := v.Type().(*types.Tuple)
	for _, r := range *refs {
		switch r := r.(type) {
		case *ssa.Extract:
			if r.Index == index && typesMatter(r, -1) {
				return true
			}
		case *ssa.TypeAssert:
			if tuple || types.IsInterface(r.AssertedType) {
				return true
			}
		case *ssa.BinOp, *ssa.DebugRef:
		default:
			return true
		}
	}
	return false
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
// a value read from hidden memory (see origins).
func laundered(fn *ssa.Function) []int {
	var out []int
	for _, i := range interfaceResults(fn.Signature) {
	returns:
		for _, b := range fn.Blocks {
			if ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return); ok && i < len(ret.Results) {
				o := origins{}
				o.value(ret.Results[i])
				if o.memory {
					out = append(out, i)
					break returns
				}
			}
		}
	}
	return out
}

// origins follows a value back within its function, through conversions,
// φ-nodes and loads, to where VTA may not see what it holds.
type origins struct {
	seen map[ssa.Value]bool
	// memory: the value is read from memory reached through
	// unsafe.Pointer, or from a variable whose address the function
	// converts to unsafe.Pointer, hands out as an interface (to
	// reflection, as errors.As takes its target) or gives to a bodyless
	// function.
	memory bool
	// hidden: memory, or the result of a bodyless function.
	hidden bool
	// params are the parameters the value may come from.
	params []*ssa.Parameter
}

func (o *origins) value(v ssa.Value) {
	if o.seen == nil {
		o.seen = make(map[ssa.Value]bool)
	}
	if o.seen[v] {
		return
	}
	o.seen[v] = true
	switch v := v.(type) {
	case *ssa.Parameter:
		o.params = append(o.params, v)
	case *ssa.UnOp:
		if v.Op == token.MUL {
			o.addr(v.X)
		}
	case *ssa.Phi:
		for _, e := range v.Edges {
			o.value(e)
		}
	case *ssa.TypeAssert:
		o.value(v.X)
	case *ssa.ChangeInterface:
		o.value(v.X)
	case *ssa.ChangeType:
		o.value(v.X)
	case *ssa.MakeInterface:
		o.value(v.X)
	case *ssa.Convert:
		o.value(v.X)
	case *ssa.Extract:
		switch t := v.Tuple.(type) {
		case *ssa.TypeAssert:
			if v.Index == 0 {
				o.value(t.X)
			}
		case *ssa.Call:
			o.hidden = o.hidden || bodyless(t)
		}
	case *ssa.Call:
		o.hidden = o.hidden || bodyless(v)
	}
}

// addr notes where memory read at addr may come from.
func (o *origins) addr(addr ssa.Value) {
	switch a := addr.(type) {
	case *ssa.Convert:
		if isUnsafePointer(a.X.Type()) {
			o.memory, o.hidden = true, true
		}
	case *ssa.FieldAddr:
		o.addr(a.X)
	case *ssa.IndexAddr:
		o.addr(a.X)
	case *ssa.Alloc:
		if handedOut(a) {
			o.memory, o.hidden = true, true
		}
	case *ssa.Parameter, *ssa.UnOp, *ssa.Phi:
		// A pointer from elsewhere: VTA follows typed pointers, and
		// what reaches them through reflection is a documented
		// corner; a pointer that is itself hidden is not.
		p := origins{seen: o.seen}
		p.value(a)
		if p.hidden {
			o.memory, o.hidden = true, true
		}
		o.params = append(o.params, p.params...)
	}
}

// handedOut reports whether the address addr, or the address of a part
// of it, is converted to unsafe.Pointer or to an interface, or given to a
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
		case ssa.CallInstruction:
			if bodyless(r) {
				return true
			}
		}
	}
	return false
}

// bodyless reports whether call calls a function without a Go body.
func bodyless(call ssa.CallInstruction) bool {
	callee := call.Common().StaticCallee()
	return callee != nil && callee.Blocks == nil
}

func isUnsafePointer(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Kind() == types.UnsafePointer
}

// typeKey returns the underlying type of an interface or function type,
// and nil for other types.
func typeKey(t types.Type) types.Type {
	switch u := t.Underlying().(type) {
	case *types.Interface, *types.Signature:
		return u
	}
	return nil
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
