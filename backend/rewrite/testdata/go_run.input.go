package main

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
)

type key struct{}

// creator returns the line of the go statement that started the calling
// goroutine, as its stack trace gives it.
func creator() string {
	buf := make([]byte, 4096)
	buf = buf[:runtime.Stack(buf, false)]
	_, created, _ := strings.Cut(string(buf), "created by ")
	lines := strings.Split(created, "\n")
	if len(lines) < 2 {
		return "?"
	}
	at := strings.TrimSpace(lines[1])
	at, _, _ = strings.Cut(at, " ")
	return at[strings.LastIndex(at, ":")+1:]
}

func main() {
	ctx := context.WithValue(context.Background(), key{}, "request-1")
	var wg sync.WaitGroup
	results := make(chan string, 2)
	wg.Add(2)
	go func() { defer wg.Done(); results <- "first created at " + creator() }()
	func() {
		go func() { // second
			defer wg.Done()
			results <- "second created at " + creator()
		}()
	}()
	wg.Wait()
	close(results)
	var got []string
	for r := range results {
		got = append(got, r)
	}
	if len(got) == 2 && got[0] > got[1] {
		got[0], got[1] = got[1], got[0]
	}
	fmt.Println(strings.Join(got, "; "))
	_ = ctx
}
