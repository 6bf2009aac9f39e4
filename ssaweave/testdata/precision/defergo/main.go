// Command defergo defers a function value and starts a goroutine of
// another. The goroutine fetches a URL; the deferred function prints. A
// third function of the same type, which reports to a server, is only
// stored in a variable.
package main

import (
	"fmt"
	"net/http"
	"os"
	"sync"
)

var reporter func()

// report posts a report.
//
//ssaweave:span
func report() {
	resp, err := http.Post("http://localhost:9/report", "text/plain", nil)
	if err == nil {
		resp.Body.Close()
	}
}

// fetch gets the URL in the first argument, if any.
//
//ssaweave:span
func fetch() {
	if len(os.Args) > 1 {
		if resp, err := http.Get(os.Args[1]); err == nil {
			resp.Body.Close()
		}
	}
}

// run starts work in a goroutine, waits for it, and calls cleanup.
func run(wg *sync.WaitGroup, work, cleanup func()) {
	defer cleanup()
	wg.Add(1)
	go work()
	wg.Wait()
}

func main() {
	reporter = report // stored, never called
	var wg sync.WaitGroup
	work := func() {
		defer wg.Done()
		fetch()
	}
	run(&wg, work, func() { fmt.Println("done") })
	fmt.Println("reporter set:", reporter != nil)
}
