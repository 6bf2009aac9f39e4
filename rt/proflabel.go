package rt

import (
	"context"
	"runtime/pprof"
	"unsafe"
)

// The goroutine label carrier.
//
// Every goroutine has a pointer to a set of profiler labels (runtime.g's
// labels field), which runtime/pprof sets (SetGoroutineLabels, Do) and
// which the runtime copies to every goroutine a goroutine starts: the one
// piece of goroutine-local state Go has, inherited by construction. rt puts
// the span context in it around a woven go statement (see GoContext), so
// the goroutine inherits it, and reads it back when a hook starts a span
// without a parent. runtime/pprof has no getter, so both ends go through
// the functions runtime/pprof itself uses, which the runtime keeps for
// external users (runtime/proflabel.go: "Do not remove or change the type
// signature", go.dev/issue/67401), and reading the set depends on its
// layout, which is runtime/pprof's own (labelMap) and could change with a
// Go release: checkLabelLayout checks it once at init, and when it does
// not hold, goroutines simply inherit nothing.

// runtime_getProfLabel returns the current goroutine's label set, a
// *runtime/pprof.labelMap, or nil.
//
//go:linkname runtime_getProfLabel runtime/pprof.runtime_getProfLabel
func runtime_getProfLabel() unsafe.Pointer

// runtime_setProfLabel sets the current goroutine's label set: restoring
// the previous pointer as it was avoids rebuilding a set.
//
//go:linkname runtime_setProfLabel runtime/pprof.runtime_setProfLabel
func runtime_setProfLabel(labels unsafe.Pointer)

// profLabels mirrors runtime/pprof's labelMap in Go 1.25 and 1.26:
//
//	type labelMap struct{ label.Set }          // runtime/pprof
//	type Set struct{ List []Label }            // internal/runtime/pprof/label
//	type Label struct{ Key, Value string }
//
// a list sorted by key, without duplicates, never modified once set.
type profLabels struct {
	list []profLabel
}

type profLabel struct {
	key, value string
}

// labelsOK records that the label layout is the one profLabels mirrors.
// Set once by rt's init, read only afterwards.
var labelsOK bool

// goroutineLabels returns the current goroutine's labels, or nil when it
// has none or the layout check failed.
func goroutineLabels() []profLabel {
	if !labelsOK {
		return nil
	}
	p := runtime_getProfLabel()
	if p == nil {
		return nil
	}
	return (*profLabels)(p).list
}

// The keys of the layout check: their lengths are not 2, so that a layout
// that put a string where the list's length is cannot pass by chance.
const (
	layoutKeyA = "ssaweave.layout.check.a"
	layoutKeyB = "ssaweave.layout.check.b"
	layoutVal  = "ssaweave.layout.value"
)

// checkLabelLayout sets a label set of known shape on the current
// goroutine, reads it back through profLabels and restores the goroutine's
// labels. It reads memory only once the list header looks right (length
// and capacity both 2, as runtime/pprof builds this set), and then compares
// string data pointers, not bytes: runtime/pprof keeps the strings it is
// given. It reports whether the layout is the one profLabels mirrors.
func checkLabelLayout() (ok bool) {
	prev := runtime_getProfLabel()
	defer runtime_setProfLabel(prev)
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels(layoutKeyA, layoutVal, layoutKeyB, layoutVal)))
	p := runtime_getProfLabel()
	if p == nil {
		return false
	}
	// The slice header, read as three words before it is used as one.
	words := (*[3]uintptr)(p)
	if words[1] != 2 || words[2] != 2 || words[0] == 0 {
		return false
	}
	list := (*profLabels)(p).list
	return unsafe.StringData(list[0].key) == unsafe.StringData(layoutKeyA) &&
		unsafe.StringData(list[1].key) == unsafe.StringData(layoutKeyB) &&
		unsafe.StringData(list[0].value) == unsafe.StringData(layoutVal) &&
		len(list[0].key) == len(layoutKeyA) && len(list[1].value) == len(layoutVal)
}
