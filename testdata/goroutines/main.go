// Command goroutines is a service whose handlers start goroutines that are
// given no context, and one that is. Built plainly it has no
// instrumentation; woven, the spans of those goroutines belong to the
// trace of the request that started them.
//
//	GET /work?n=N   starts N workers with `go worker(...)`, passing no
//	                context; each sends GET /downstream with http.Get
//	GET /explicit   starts a goroutine that is given the request's context
//	GET /sub        a handler of package api, doing the same as /work
//	GET /downstream what the workers call
//	GET /debug/heap the heap in use after a garbage collection, in bytes
//
// At start, main also starts a goroutine outside any request, which sends
// GET /downstream?from=janitor once.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"

	"example.com/goroutines/api"
)

// base is the URL of this server.
var base string

// worker sends one request, with no context but the background one, as
// code that was never given a context does.
func worker(id int, wg *sync.WaitGroup) {
	defer wg.Done()
	get(base + "/downstream?id=" + strconv.Itoa(id))
}

// get sends GET url with http.Get and drains the response.
func get(url string) {
	resp, err := http.Get(url)
	if err != nil {
		log.Print(err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// fetchWith sends GET url with ctx: the goroutine running it is given the
// request's context, so it needs nothing woven.
func fetchWith(ctx context.Context, url string, wg *sync.WaitGroup) {
	defer wg.Done()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		log.Print(err)
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Print(err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

func work(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	if err != nil || n < 1 || n > 10 {
		n = 2
	}
	var wg sync.WaitGroup
	for id := range n {
		wg.Add(1)
		go worker(id, &wg)
	}
	wg.Wait()
	fmt.Fprintf(w, "%d workers done\n", n)
}

func explicit(w http.ResponseWriter, r *http.Request) {
	var wg sync.WaitGroup
	wg.Add(1)
	go fetchWith(r.Context(), base+"/downstream?from=explicit", &wg)
	wg.Wait()
	fmt.Fprintln(w, "explicit done")
}

func downstream(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintln(w, "ok")
}

func heap(w http.ResponseWriter, r *http.Request) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintln(w, ms.HeapAlloc)
}

func main() {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	base = "http://" + l.Addr().String()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /work", work)
	mux.HandleFunc("GET /explicit", explicit)
	mux.HandleFunc("GET /downstream", downstream)
	mux.HandleFunc("GET /debug/heap", heap)
	mux.Handle("GET /sub", api.Handler(base))

	// Outside any request: nothing to inherit.
	go get(base + "/downstream?from=janitor")
	log.Fatal(http.Serve(l, mux))
}
