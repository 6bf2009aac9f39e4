//line /ssaweave/testdata/go_run.go:1:1
package main

//line /ssaweave/testdata/go_run.go:3:1
import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
)

//line /ssaweave/testdata/go_run.go:1:1
import _ "unsafe"

//line /ssaweave/testdata/go_run.go:11:1
type key struct{}

// creator returns the line of the go statement that started the calling
// goroutine, as its stack trace gives it.
//
//line /ssaweave/testdata/go_run.go:15:1
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

//line /ssaweave/testdata/go_run.go:28:1
func main() {
	ctx := context.WithValue(context.Background(), key{}, "request-1")
	var wg sync.WaitGroup
	results := make(chan string, 2)
	wg.Add(2)
	/*line /ssaweave/testdata/go_run.go:32:1*/
	var restore func()                    /*line /ssaweave/testdata/go_run.go:32:1*/
	if h := ssaweaveGo_main_1; h != nil { /*line /ssaweave/testdata/go_run.go:32:1*/
		restore = h(ctx)
	}
	/*line /ssaweave/testdata/go_run.go:32:1*/
	go func() { defer wg.Done(); results <- "first created at " + creator() }()
	/*line /ssaweave/testdata/go_run.go:32:1*/
	if restore != nil { /*line /ssaweave/testdata/go_run.go:32:1*/
		restore() /*line /ssaweave/testdata/go_run.go:32:1*/
	}
	func() {
		/*line /ssaweave/testdata/go_run.go:34:1*/
		var restore1 func()                     /*line /ssaweave/testdata/go_run.go:34:1*/
		if h1 := ssaweaveGo_main_2; h1 != nil { /*line /ssaweave/testdata/go_run.go:34:1*/
			restore1 = h1(ctx)
		}
		/*line /ssaweave/testdata/go_run.go:34:1*/
		go func() { // second
			defer wg.Done()
			results <- "second created at " + creator()
		}()
		/*line /ssaweave/testdata/go_run.go:34:1*/
		if restore1 != nil { /*line /ssaweave/testdata/go_run.go:34:1*/
			restore1() /*line /ssaweave/testdata/go_run.go:37:1*/
		}
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

//go:linkname ssaweaveGo_main_1
//line /ssaweave/testdata/go_run.go:28:1
var ssaweaveGo_main_1 func(ctx any) (restore func())

//go:linkname ssaweaveGo_main_2
//line /ssaweave/testdata/go_run.go:28:1
var ssaweaveGo_main_2 func(ctx any) (restore func())
