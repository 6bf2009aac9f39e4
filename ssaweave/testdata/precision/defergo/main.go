// Command defergo defers and starts goroutines of function values. The
// deferred value is a local no-op, and the goroutine's is a closure that
// fetches a URL; a third function of the same signature, which reports to
// a server, is only stored.
package main

import (
	"fmt"
	"net/http"
	"os"
	"sync"
)

var reporter func()

func report() {
	resp, err := http.Post("http://localhost:9/report", "text/plain", nil)
	if err == nil {
		resp.Body.Close()
	}
}

func main() {
	reporter = report // stored, never called
	var wg sync.WaitGroup
	done := func() { fmt.Println("done") }
	defer done()
	work := func() {
		defer wg.Done()
		if len(os.Args) > 1 {
			if resp, err := http.Get(os.Args[1]); err == nil {
				resp.Body.Close()
			}
		}
	}
	wg.Add(1)
	go work()
	wg.Wait()
	fmt.Println("reporter set:", reporter != nil)
}
