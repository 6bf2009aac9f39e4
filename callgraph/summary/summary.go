// Package summary computes the facts that Rapid Type Analysis reads from
// each function of a program, as plain data that names functions and types
// by strings, and solves RTA's reachability over those facts alone.
//
// It is the first piece of ssaweave's incremental analysis (DESIGN.md,
// "Incremental analysis"): facts are computed from SSA once, can be stored
// and read back (they are gob-encodable), and the whole-program fixpoint is
// then re-run over them without go/packages, go/types or go/ssa. The
// solver mirrors golang.org/x/tools/go/callgraph/rta rule for rule, and
// its tests check that both find exactly the same reachable functions on
// real programs.
package summary

import (
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// Summary is the facts of a whole program: its functions, the types that
// may be converted to interfaces or invoked through them, and the function
// that stands for calls made by reflection.
type Summary struct {
	// Names are the functions, as go/ssa prints them; a function's
	// index in Names is its ID everywhere else.
	Names []string
	// Pkgs are the import paths of the functions' packages, parallel to
	// Names; "" for synthetic functions (wrappers, bound methods,
	// thunks), which belong to no package.
	Pkgs []string
	// Sigs are the functions' signature keys (see [Key]; receivers do not
	// count), parallel to Names: calls of function values find the
	// functions whose address is taken by signature.
	Sigs []string
	// Funcs are the facts of each function, parallel to Names.
	Funcs []Func
	// Types are the types that facts mention, by the IDs used there.
	Types []Type
	// ReflectCall is the ID of (reflect.Value).Call, or -1 when the
	// program does not link reflect: RTA then counts every function
	// whose address is taken as reachable.
	ReflectCall int32
}

// Func is what RTA reads from one function's instructions.
type Func struct {
	// Static are the functions it calls directly.
	Static []int32
	// Invokes are its calls of interface methods: the interface type
	// (a Types index) and the method's id (types.Id).
	Invokes []Invoke
	// Dynamic are the signature keys of its calls of function values.
	Dynamic []string
	// AddrTaken are the functions it uses as values.
	AddrTaken []int32
	// Runtime are the types (Types indices) it converts to interfaces.
	Runtime []int32
}

// Invoke is one call of an interface method.
type Invoke struct {
	Iface  int32  // the interface, a Types index
	Method string // the method's id (types.Id: the name, qualified by package when unexported)
}

// Type is one type, identified by its string with full package paths.
type Type struct {
	// Key identifies the type (see [Key]).
	Key string
	// Interface is set for interface types.
	Interface bool
	// Methods is the type's method set, sorted by Id: for a concrete type
	// with the function each method calls (the method value, a wrapper
	// for promoted and pointer methods).
	Methods []Method
	// Elements are the types reflection can reach from a value of this
	// type, as RTA walks them: pointers to it, elements, fields, the
	// parameters and results of its methods.
	Elements []int32
}

// Method is one method of a method set.
type Method struct {
	ID       string // types.Id
	Sig      string // its signature without receiver (see [Key])
	Exported bool
	Func     int32 // concrete types: the method value's function; -1 for interfaces and generic methods
}

// builder computes a Summary from an SSA program.
type builder struct {
	prog  *ssa.Program
	sum   *Summary
	funcs map[*ssa.Function]int32
	types map[string]int32
	queue []*ssa.Function
}

// Of computes the summary of every function of prog that is a member of
// one of its packages, nested in one, or that the facts of those refer
// to (wrappers, instantiations), transitively, and returns it with the ID
// of each function. prog must be built with ssa.InstantiateGenerics, as
// RTA requires.
func Of(prog *ssa.Program) (*Summary, map[*ssa.Function]int32) {
	b := &builder{
		prog:  prog,
		sum:   &Summary{ReflectCall: -1},
		funcs: map[*ssa.Function]int32{},
		types: map[string]int32{},
	}
	pkgs := prog.AllPackages()
	slices.SortFunc(pkgs, func(a, c *ssa.Package) int { return strings.Compare(a.Pkg.Path(), c.Pkg.Path()) })
	for _, p := range pkgs {
		names := make([]string, 0, len(p.Members))
		for name := range p.Members {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			switch m := p.Members[name].(type) {
			case *ssa.Function:
				b.fn(m)
			case *ssa.Type:
				// Declared methods, whether or not a value of the type
				// is ever made: calls name them statically.
				if _, ok := m.Type().Underlying().(*types.Interface); ok {
					break
				}
				for _, t := range []types.Type{m.Type(), types.NewPointer(m.Type())} {
					ms := prog.MethodSets.MethodSet(t)
					for sel := range ms.Methods() {
						if fn := prog.MethodValue(sel); fn != nil {
							b.fn(fn)
						}
					}
				}
			}
		}
	}
	if r := prog.ImportedPackage("reflect"); r != nil {
		if v, ok := r.Members["Value"].(*ssa.Type); ok {
			if call := prog.LookupMethod(v.Object().Type(), r.Pkg, "Call"); call != nil {
				b.sum.ReflectCall = b.fn(call)
			}
		}
	}
	for len(b.queue) > 0 {
		fn := b.queue[0]
		b.queue = b.queue[1:]
		b.sum.Funcs[b.funcs[fn]] = b.facts(fn)
	}
	return b.sum, b.funcs
}

// fn returns the ID of fn, queueing it for its facts the first time.
func (b *builder) fn(fn *ssa.Function) int32 {
	if id, ok := b.funcs[fn]; ok {
		return id
	}
	id := int32(len(b.sum.Names))
	b.funcs[fn] = id
	pkg := ""
	if fn.Pkg != nil {
		pkg = fn.Pkg.Pkg.Path()
	}
	b.sum.Names = append(b.sum.Names, fn.String())
	b.sum.Pkgs = append(b.sum.Pkgs, pkg)
	b.sum.Sigs = append(b.sum.Sigs, Key(fn.Signature))
	b.sum.Funcs = append(b.sum.Funcs, Func{})
	b.queue = append(b.queue, fn)
	for _, anon := range fn.AnonFuncs {
		b.fn(anon)
	}
	return id
}

// facts reads fn's instructions as rta.visitFunc does.
func (b *builder) facts(fn *ssa.Function) Func {
	var f Func
	var space [32]*ssa.Value
	for _, blk := range fn.Blocks {
		for _, instr := range blk.Instrs {
			rands := instr.Operands(space[:0])
			switch instr := instr.(type) {
			case ssa.CallInstruction:
				call := instr.Common()
				switch {
				case call.IsInvoke():
					iface := call.Value.Type().Underlying().(*types.Interface)
					f.Invokes = append(f.Invokes, Invoke{Iface: b.typ(iface), Method: call.Method.Id()})
				case call.StaticCallee() != nil:
					f.Static = append(f.Static, b.fn(call.StaticCallee()))
				default:
					if _, ok := call.Value.(*ssa.Builtin); !ok {
						f.Dynamic = append(f.Dynamic, Key(call.Signature()))
					}
				}
				// As RTA does: the first operand is the callee, which is
				// not an address taken.
				rands = rands[1:]
			case *ssa.MakeInterface:
				f.Runtime = append(f.Runtime, b.typ(instr.X.Type()))
			}
			for _, op := range rands {
				if g, ok := (*op).(*ssa.Function); ok {
					f.AddrTaken = append(f.AddrTaken, b.fn(g))
				}
			}
		}
	}
	return f
}

// typ returns the ID of t, recording its method set and the elements
// reflection reaches from it the first time.
func (b *builder) typ(t types.Type) int32 {
	t = types.Unalias(t)
	key := Key(t)
	if id, ok := b.types[key]; ok {
		return id
	}
	id := int32(len(b.sum.Types))
	b.types[key] = id
	b.sum.Types = append(b.sum.Types, Type{Key: key})
	_, isIface := t.Underlying().(*types.Interface)
	var methods []Method
	for sel := range b.prog.MethodSets.MethodSet(t).Methods() {
		obj := sel.Obj()
		sig := obj.Type().(*types.Signature)
		m := Method{ID: obj.Id(), Sig: Key(sig), Exported: obj.Exported(), Func: -1}
		if !isIface && sig.TypeParams() == nil {
			if fn := b.prog.MethodValue(sel); fn != nil {
				m.Func = b.fn(fn)
			}
		}
		methods = append(methods, m)
	}
	slices.SortFunc(methods, func(x, y Method) int { return strings.Compare(x.ID, y.ID) })
	elems := b.elements(t)
	b.sum.Types[id].Interface = isIface
	b.sum.Types[id].Methods = methods
	b.sum.Types[id].Elements = elems
	return id
}

// elements lists the types reflection reaches from t in one step, as
// x/tools' RTA walks them (its typesinternal.ForEachElement): the
// parameters and results of its methods, and by kind: what a pointer,
// slice, channel or array holds, a map's keys and elements, a function's
// parameters and results, a struct's fields, a tuple's members; and for
// a named type, the pointer to it and its underlying type.
func (b *builder) elements(t types.Type) []int32 {
	var out []int32
	add := func(u types.Type) { out = append(out, b.typ(u)) }
	tuple := func(tu *types.Tuple) {
		for v := range tu.Variables() {
			add(v.Type())
		}
	}
	for sel := range b.prog.MethodSets.MethodSet(t).Methods() {
		sig := sel.Type().(*types.Signature)
		if sig.TypeParams() != nil {
			continue
		}
		tuple(sig.Params())
		tuple(sig.Results())
	}
	switch t := t.(type) {
	case *types.Pointer:
		add(t.Elem())
	case *types.Slice:
		add(t.Elem())
	case *types.Chan:
		add(t.Elem())
	case *types.Array:
		add(t.Elem())
	case *types.Map:
		add(t.Key())
		add(t.Elem())
	case *types.Signature:
		tuple(t.Params())
		tuple(t.Results())
	case *types.Named:
		add(types.NewPointer(t))
		add(t.Underlying())
	case *types.Struct:
		for f := range t.Fields() {
			add(f.Type())
		}
	case *types.Tuple:
		tuple(t)
	}
	return out
}
