// Command reflective reaches an HTTP client only through calls VTA's type
// propagation cannot follow: a Stringer fmt finds by reflection inside a
// struct, an error target errors.As writes, a value loaded from an
// atomic.Value, a callback the runtime calls for time.AfterFunc, and a
// function called through a pointer kept as a machine word, as
// modernc.org's transpiled C does. The call graph must keep them all.
package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync/atomic"
	"time"
	"unsafe"
)

// status fetches its URL when printed.
type status struct{ url string }

//ssaweave:span
func (s status) String() string {
	resp, err := http.Get(s.url)
	if err != nil {
		return err.Error()
	}
	resp.Body.Close()
	return resp.Status
}

// report is printed; fmt finds status's String method by reflection.
type report struct {
	Name   string
	Status status
}

// retryable errors know how to retry.
type retryable interface{ Retry() error }

type fetchError struct{ url string }

func (e fetchError) Error() string { return "fetch " + e.url }

//ssaweave:span
func (e fetchError) Retry() error {
	_, err := http.Head(e.url)
	return err
}

// Pinger checks a service.
type Pinger interface{ Ping() error }

type httpPinger struct{ url string }

//ssaweave:span
func (p httpPinger) Ping() error {
	_, err := http.Head(p.url)
	return err
}

var current atomic.Value // holds a Pinger

// heartbeat runs when the timer fires.
//
//ssaweave:span
func heartbeat() {
	if resp, err := http.Get("http://localhost:9/heartbeat"); err == nil {
		resp.Body.Close()
	}
}

// callback is called through a function pointer kept as a word.
//
//ssaweave:span
func callback(url string) {
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
	}
}

// callWord calls the function whose pointer is w with url.
func callWord(w uintptr, url string) {
	(*(*func(string))(unsafe.Pointer(&struct{ uintptr }{w})))(url)
}

func main() {
	url := "http://localhost:9/"
	if len(os.Args) > 1 {
		url = os.Args[1]
	}
	fmt.Println(report{Name: "home", Status: status{url}})

	var err error = fetchError{url}
	var r retryable
	if errors.As(err, &r) {
		fmt.Println(r.Retry())
	}

	current.Store(Pinger(httpPinger{url}))
	fmt.Println(current.Load().(Pinger).Ping())

	t := time.AfterFunc(time.Hour, heartbeat)
	defer t.Stop()

	f := callback
	callWord(*(*uintptr)(unsafe.Pointer(&f)), url+"callback")
}
