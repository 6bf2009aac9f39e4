package summary

import "hash/fnv"

// Reachable runs Rapid Type Analysis over s from the functions roots (IDs)
// and returns, for each function ID, whether the program may call it. It
// follows golang.org/x/tools/go/callgraph/rta rule for rule:
//
//   - a reachable function's static callees are reachable;
//   - a type converted to an interface in a reachable function is a
//     runtime type, and so is every element reflection reaches from it;
//     the exported methods of each concrete runtime type are reachable;
//   - an interface method call reaches the method of every concrete
//     runtime type that implements the interface;
//   - a call of a function value reaches every function of an identical
//     signature whose address a reachable function takes;
//   - when the program links reflect, every function whose address is
//     taken is reachable ((reflect.Value).Call could call it).
//
// The result does not depend on the order of roots or of the facts.
func Reachable(s *Summary, roots []int32) []bool {
	r := &solver{
		s:          s,
		reachable:  make([]bool, len(s.Funcs)),
		runtime:    make([]bool, len(s.Types)),
		addrTaken:  make([]bool, len(s.Funcs)),
		bySig:      map[string][]int32{},
		dynSigs:    map[string]bool{},
		invokes:    map[int32][]string{},
		implements: map[int32][]int32{},
		methodsOf:  make([]map[string]int32, len(s.Types)),
		methodSet:  make([]map[string]string, len(s.Types)),
		fprint:     make([]uint64, len(s.Types)),
		fprinted:   make([]bool, len(s.Types)),
	}
	for _, root := range roots {
		r.reach(root)
	}
	for len(r.work) > 0 {
		fn := r.work[len(r.work)-1]
		r.work = r.work[:len(r.work)-1]
		r.visit(fn)
	}
	return r.reachable
}

type solver struct {
	s         *Summary
	reachable []bool
	work      []int32

	runtime  []bool  // types made runtime types so far
	concrete []int32 // the concrete ones, in discovery order

	addrTaken []bool             // functions whose address is taken
	bySig     map[string][]int32 // address-taken functions by signature key
	dynSigs   map[string]bool    // signatures called dynamically

	ifaces     []int32            // interfaces invoked through, in discovery order
	invokes    map[int32][]string // per interface: the methods invoked through it
	implements map[int32][]int32  // per interface: the concrete runtime types implementing it

	methodsOf []map[string]int32  // per type: method id → function, built lazily
	methodSet []map[string]string // per type: method id → signature key, built lazily
	fprint    []uint64            // per type: one bit per method (see fingerprint), built lazily
	fprinted  []bool
}

func (r *solver) reach(fn int32) {
	if fn < 0 || r.reachable[fn] {
		return
	}
	r.reachable[fn] = true
	r.work = append(r.work, fn)
}

func (r *solver) visit(id int32) {
	f := &r.s.Funcs[id]
	for _, g := range f.Static {
		r.reach(g)
	}
	for _, inv := range f.Invokes {
		r.invoke(inv)
	}
	for _, key := range f.Dynamic {
		if !r.dynSigs[key] {
			r.dynSigs[key] = true
			for _, g := range r.bySig[key] {
				r.reach(g)
			}
		}
	}
	for _, t := range f.Runtime {
		r.addRuntime(t)
	}
	for _, g := range f.AddrTaken {
		r.takeAddr(g)
	}
}

// takeAddr records that the address of fn is taken by reachable code.
func (r *solver) takeAddr(fn int32) {
	if r.addrTaken[fn] {
		return
	}
	r.addrTaken[fn] = true
	sig := r.sigKey(fn)
	r.bySig[sig] = append(r.bySig[sig], fn)
	if r.dynSigs[sig] || r.s.ReflectCall >= 0 {
		r.reach(fn)
	}
}

// sigKey is the signature key of a function, read from the facts: the
// signature its address-taken uses and dynamic calls are keyed by.
func (r *solver) sigKey(fn int32) string { return r.s.Sigs[fn] }

// invoke handles a reachable call of a method of an interface.
func (r *solver) invoke(inv Invoke) {
	i := inv.Iface
	known, seen := r.invokes[i]
	if !seen {
		r.ifaces = append(r.ifaces, i)
		for _, c := range r.concrete {
			if r.implementsIface(c, i) {
				r.implements[i] = append(r.implements[i], c)
			}
		}
	}
	for _, m := range known {
		if m == inv.Method {
			return
		}
	}
	r.invokes[i] = append(known, inv.Method)
	for _, c := range r.implements[i] {
		r.reach(r.methodOf(c, inv.Method))
	}
}

// addRuntime makes t, and every element reflection reaches from it, a
// runtime type.
func (r *solver) addRuntime(t int32) {
	if r.runtime[t] {
		return
	}
	r.runtime[t] = true
	typ := &r.s.Types[t]
	if !typ.Interface {
		r.concrete = append(r.concrete, t)
		for _, m := range typ.Methods {
			if m.Exported {
				r.reach(m.Func)
			}
		}
		for _, i := range r.ifaces {
			if r.implementsIface(t, i) {
				r.implements[i] = append(r.implements[i], t)
				for _, m := range r.invokes[i] {
					r.reach(r.methodOf(t, m))
				}
			}
		}
	}
	for _, e := range typ.Elements {
		r.addRuntime(e)
	}
}

// implementsIface reports whether concrete type c has every method of
// interface i, with identical signatures.
func (r *solver) implementsIface(c, i int32) bool {
	// Most pairs differ in some method: a bit of the interface's
	// fingerprint missing from the type's rules them out without a map
	// lookup, as x/tools' RTA does.
	if r.fingerprint(i)&^r.fingerprint(c) != 0 {
		return false
	}
	cm := r.methodSetOf(c)
	for _, m := range r.s.Types[i].Methods {
		if sig, ok := cm[m.ID]; !ok || sig != m.Sig {
			return false
		}
	}
	return true
}

// fingerprint returns a mask with one bit set per method of type t, by a
// hash of its id and signature.
func (r *solver) fingerprint(t int32) uint64 {
	if !r.fprinted[t] {
		var mask uint64
		for _, m := range r.s.Types[t].Methods {
			h := fnv.New64a()
			h.Write([]byte(m.ID))
			h.Write([]byte{0})
			h.Write([]byte(m.Sig))
			mask |= 1 << (h.Sum64() % 64)
		}
		r.fprint[t], r.fprinted[t] = mask, true
	}
	return r.fprint[t]
}

func (r *solver) methodSetOf(t int32) map[string]string {
	if r.methodSet[t] == nil {
		ms := make(map[string]string, len(r.s.Types[t].Methods))
		for _, m := range r.s.Types[t].Methods {
			ms[m.ID] = m.Sig
		}
		r.methodSet[t] = ms
	}
	return r.methodSet[t]
}

// methodOf returns the function that calls method id of concrete type t.
func (r *solver) methodOf(t int32, id string) int32 {
	if r.methodsOf[t] == nil {
		ms := make(map[string]int32, len(r.s.Types[t].Methods))
		for _, m := range r.s.Types[t].Methods {
			ms[m.ID] = m.Func
		}
		r.methodsOf[t] = ms
	}
	if fn, ok := r.methodsOf[t][id]; ok {
		return fn
	}
	return -1
}
