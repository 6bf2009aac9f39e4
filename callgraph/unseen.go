package callgraph

import (
	"fmt"
	"go/types"
	"os"

	xcallgraph "golang.org/x/tools/go/callgraph"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/types/typeutil"
)

// VTA propagates the types (and functions) a value may hold along the
// program's data flow. Some values reach a call without a flow VTA can
// see, and then VTA resolves the call to too few callees, or none:
//
//   - memory reinterpreted through unsafe.Pointer: sync/atomic.Value
//     stores and loads its `any` as two words; reflect builds the `any` of
//     Value.Interface from a type word and a data word; modernc.org's
//     transpiled C calls Go functions kept as uintptr;
//   - results of functions without a Go body (assembly, //go:linkname
//     declarations), and the value recover returns, which the runtime may
//     have made;
//   - parameters of functions that code outside the graph calls:
//     functions handed to bodyless functions (the runtime calls a timer's
//     callback) and functions reflection calls (reflect.Value.Call and
//     the methods reflection looks up);
//   - variables of interface or function type that reflection writes:
//     errors.As(err, &target), json.Unmarshal(data, &iface).
//
// None of these hidden values has a type VTA could not have: it is one of
// the program's types, which RTA accounts for. So the analysis below is
// by type, as RTA's is: it finds the interface and function types whose
// values may be hidden ("unseen" types), following conversions between
// interface and function types (a hidden `any` asserted to fmt.Stringer
// makes hidden Stringers), and VTA keeps RTA's callees at every dynamic
// call of a value of such a type.

// unseen is what VTA's own propagation misses in one program.
type unseen struct {
	// funcs are the functions that may run: those reachable in RTA's
	// graph, and those handed to bodyless functions with what RTA
	// reaches from them.
	funcs map[*ssa.Function]bool
	// fallback are the dynamic calls whose value may be hidden from
	// VTA: they keep RTA's callees.
	fallback []ssa.CallInstruction
	// escapes are functions handed to bodyless functions, which may call
	// them at any time afterwards.
	escapes []escape
}

// escape is a function callee that a call to a bodyless function in
// caller hands over.
type escape struct {
	caller, callee *ssa.Function
}

// typeKey is the representative of an interface or function type: its
// underlying type, since conversions between named types of the same
// underlying type (http.HandlerFunc and func(ResponseWriter, *Request))
// change no value. It is nil for other types.
func typeKey(t types.Type) types.Type {
	if tp, ok := types.Unalias(t).(*types.TypeParam); ok {
		t = tp.Constraint()
	}
	u := t.Underlying()
	switch u.(type) {
	case *types.Interface, *types.Signature:
		return u
	}
	return nil
}

// unseenTypes is the set of interface and function types whose values
// may be hidden from VTA, closed under the conversions of the program.
type unseenTypes struct {
	set   typeutil.Map  // typeKey -> true
	conv  typeutil.Map  // typeKey -> []types.Type: keys a value of this type converts to
	queue []types.Type  // keys added to set whose conversions are not yet followed
	debug bool
	cur   string
}

// add marks t as unseen when it is an interface or function type.
func (u *unseenTypes) add(t types.Type) {
	k := typeKey(t)
	if k == nil || u.set.At(k) != nil {
		return
	}
	if u.debug {
		fmt.Fprintf(os.Stderr, "unseen %s\n\tby %s\n", k, u.cur)
	}
	u.set.Set(k, true)
	u.queue = append(u.queue, k)
}

// converts records that a value of type from becomes a value of type to.
func (u *unseenTypes) converts(from, to types.Type) {
	kf, kt := typeKey(from), typeKey(to)
	if kf == nil || kt == nil {
		return
	}
	list, _ := u.conv.At(kf).([]types.Type)
	u.conv.Set(kf, append(list, kt))
}

// close adds every type an unseen value converts to.
func (u *unseenTypes) close() {
	for len(u.queue) > 0 {
		k := u.queue[0]
		u.queue = u.queue[1:]
		list, _ := u.conv.At(k).([]types.Type)
		for _, to := range list {
			u.cur = "conversion from " + k.String()
			u.add(to)
		}
	}
}

func (u *unseenTypes) has(t types.Type) bool {
	k := typeKey(t)
	return k != nil && u.set.At(k) != nil
}

// findUnseen computes, for the program whose RTA graph is rg (with RTA's
// call graph rcg, reflection edges included), the functions that may run,
// the dynamic calls whose callees VTA may miss and the functions handed to
// bodyless functions.
func findUnseen(rg *Graph, rcg *xcallgraph.Graph) *unseen {
	u := unseenTypes{debug: os.Getenv("SSAWEAVE_VTA_DEBUG") != ""}
	h := typeutil.MakeHasher()
	u.set.SetHasher(h)
	u.conv.SetHasher(h)
	out := &unseen{funcs: make(map[*ssa.Function]bool)}
	unsafePtr := types.Typ[types.UnsafePointer]

	var queue []*ssa.Function
	visit := func(fn *ssa.Function) {
		if !out.funcs[fn] {
			out.funcs[fn] = true
			queue = append(queue, fn)
		}
	}
	for fn := range rg.parent {
		visit(fn)
	}
	// Functions called from outside the call graph: parameters come from
	// nowhere VTA sees.
	entered := func(fn *ssa.Function) {
		for v := range fn.Signature.Params().Variables() {
			u.add(v.Type())
		}
	}
	// Reflection edges: RTA adds them without a call site.
	for fn := range rg.parent {
		if n := rcg.Nodes[fn]; n != nil {
			for _, e := range n.Out {
				if e.Site == nil {
					u.cur = "reflection from " + fn.String()
					entered(e.Callee.Func)
				}
			}
		}
	}

	var dynamic []ssa.CallInstruction
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
				if u.debug {
					u.cur = fmt.Sprintf("%v in %s", instr, fn)
				}
				switch instr := instr.(type) {
				case *ssa.Convert:
					// The interface or function a pointer to
					// unsafe.Pointer (or back) points to may be
					// written or read as words.
					from, to := instr.X.Type(), instr.Type()
					if types.Identical(from.Underlying(), unsafePtr) {
						if p, ok := to.Underlying().(*types.Pointer); ok {
							u.add(p.Elem())
						}
					} else if types.Identical(to.Underlying(), unsafePtr) {
						if p, ok := from.Underlying().(*types.Pointer); ok {
							u.add(p.Elem())
						}
					}
					u.converts(from, to)
				case *ssa.ChangeType:
					u.converts(instr.X.Type(), instr.Type())
				case *ssa.ChangeInterface:
					u.converts(instr.X.Type(), instr.Type())
				case *ssa.MakeInterface:
					u.converts(instr.X.Type(), instr.Type())
					// The address of a variable of interface or
					// function type, handed over as an interface,
					// lets reflection store into it.
					if p, ok := instr.X.Type().Underlying().(*types.Pointer); ok {
						u.add(p.Elem())
					}
				case *ssa.TypeAssert:
					u.converts(instr.X.Type(), instr.AssertedType)
				case ssa.CallInstruction:
					cc := instr.Common()
					if b, ok := cc.Value.(*ssa.Builtin); ok {
						if b.Name() == "recover" {
							u.add(types.Universe.Lookup("any").Type())
						}
						continue
					}
					callee := cc.StaticCallee()
					if callee == nil {
						dynamic = append(dynamic, instr)
						continue
					}
					if callee.Blocks != nil {
						continue
					}
					// A bodyless function: its results come from
					// code VTA does not see, and so do the
					// functions it is handed, at any later time.
					for v := range callee.Signature.Results().Variables() {
						u.add(v.Type())
					}
					for _, arg := range cc.Args {
						for _, f := range funcsIn(arg) {
							out.escapes = append(out.escapes, escape{fn, f})
							entered(f)
							visit(f)
						}
					}
				}
			}
		}
	}
	u.cur = "closure"
	u.close()
	for _, site := range dynamic {
		if u.has(site.Common().Value.Type()) {
			out.fallback = append(out.fallback, site)
		}
	}
	if u.debug {
		fmt.Fprintf(os.Stderr, "vta: %d functions, %d unseen types, %d of %d dynamic calls fall back to RTA, %d escapes\n",
			len(out.funcs), u.set.Len(), len(out.fallback), len(dynamic), len(out.escapes))
	}
	return out
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
