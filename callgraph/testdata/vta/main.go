// Command vta has, for each way a call can resolve dynamically, a function
// that VTA must find reachable and, where RTA is too coarse, one that VTA
// must find unreachable: the functions named "dead..." are reachable for
// RTA only, those named "live..." for both. The hidden... functions are
// reached only through values VTA's type propagation cannot follow
// (reflection, unsafe memory, the runtime); the algorithm must keep them.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Interface dispatch: both implementations become runtime types, one
// only by being printed.

type notifier interface{ notify(msg string) }

type console struct{}

func (console) notify(msg string) { liveNotify(msg) }

type pager struct{}

func (pager) notify(msg string) { deadNotify(msg) }

func liveNotify(string) {}
func deadNotify(string) {}

// Method values.

type counter struct{ n int }

func (c counter) add(d int) int             { return liveAdd(c.n + d) }
func (c *counter) sub(d int) int            { return deadSub(c.n - d) }
func apply(f func(int) int) int             { return f(1) }
func liveAdd(n int) int                     { return n }
func deadSub(n int) int                     { return n }
func twice(f func(float64) float64) float64 { return f(f(2)) }

// Closures: see main.

func liveClosure(x float64) float64 { return x }
func deadClosure(x float64) float64 { return -x }

// A function value in a struct field.

type server struct{ onError func(bool) }

type alerts struct{ send func(bool) }

func (s *server) fail() { s.onError(true) }

func liveField(bool) {}
func deadField(bool) {}

// Generic instantiations.

func mapAll[T, U any](xs []T, f func(T) U) []U {
	var out []U
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func liveGeneric(s string) rune { return rune(len(s)) }
func deadGeneric(s string) rune { return 0 }

// defer and go of function values.

func run(wg *sync.WaitGroup, work, cleanup func()) {
	defer cleanup()
	wg.Add(1)
	go work()
	wg.Wait()
}

func liveGo()    {}
func liveDefer() {}
func deadGo()    {}

var stored func()

// Hidden flows.

// status is printed inside a struct: fmt finds String by reflection.
type status struct{}

func (status) String() string { hiddenFmt(); return "ok" }

type report struct{ Status status }

// amount is marshalled inside a struct: encoding/json finds MarshalJSON
// by reflection.
type amount struct{}

func (amount) MarshalJSON() ([]byte, error) { hiddenJSON(); return []byte("1"), nil }

type invoice struct{ Total amount }

// retryable errors: errors.As writes the target by reflection.
type retryable interface{ retry() }

type fault struct{}

func (fault) Error() string { return "fault" }
func (fault) retry()        { hiddenAs() }

// pinger values go through an atomic.Value, stored as two words.
type pinger interface{ ping() }

type host struct{}

func (host) ping() { hiddenAtomic() }

var current atomic.Value

// heartbeat is handed to the runtime by time.AfterFunc.
func heartbeat() { hiddenTimer() }

// word is called through a function pointer kept as a machine word.
func word(b []byte) { hiddenUnsafe() }

func callWord(w uintptr, b []byte) {
	(*(*func([]byte))(unsafe.Pointer(&struct{ uintptr }{w})))(b)
}

func hiddenFmt()    {}
func hiddenJSON()   {}
func hiddenAs()     {}
func hiddenAtomic() {}
func hiddenTimer()  {}
func hiddenUnsafe() {}

func main() {
	var n notifier = console{}
	fmt.Println(pager{})
	n.notify("hello")

	c := &counter{n: 1}
	unused := c.sub
	fmt.Println(unused != nil, apply(counter{}.add))

	dead := func(x float64) float64 { return deadClosure(x) }
	live := func(x float64) float64 { return liveClosure(x) }
	fmt.Println(dead != nil, twice(live))

	a := &alerts{send: deadField}
	s := &server{onError: liveField}
	fmt.Println(a.send != nil)
	s.fail()

	fromDead := func(s string) rune { return deadGeneric(s) }
	fmt.Println(fromDead != nil, mapAll(os.Args, func(s string) rune { return liveGeneric(s) }))

	stored = deadGo
	var wg sync.WaitGroup
	run(&wg, func() { defer wg.Done(); liveGo() }, liveDefer)

	fmt.Println(report{})
	json.Marshal(invoice{})
	var err error = fault{}
	var r retryable
	if errors.As(err, &r) {
		r.retry()
	}
	current.Store(pinger(host{}))
	current.Load().(pinger).ping()
	time.AfterFunc(time.Hour, heartbeat).Stop()
	f := word
	callWord(*(*uintptr)(unsafe.Pointer(&f)), nil)
}
