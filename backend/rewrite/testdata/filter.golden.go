//line /ssaweave/testdata/filter.go:1:1
package main

//line /ssaweave/testdata/filter.go:3:1
import (
	"fmt"
	"runtime"
	"strings"
)

//line /ssaweave/testdata/filter.go:1:1
import _ "unsafe"

// Logger prefixes what it logs.
//
//line /ssaweave/testdata/filter.go:10:1
type Logger struct{ prefix string }

// Log prints its arguments and the name of the function that called it,
// which it finds by skipping frames: a filter must not add one.
//
//line /ssaweave/testdata/filter.go:14:1
func (l *Logger) Log(msg string, args ...any) { /*line /ssaweave/testdata/filter.go:13:1*/
	if h := ssaweaveHook_Logger_Log; h != nil { /*line /ssaweave/testdata/filter.go:13:1*/
		msg, args = h(l, msg, args...)
	}
	/*line /ssaweave/testdata/filter.go:14:1*/
	pc, _, _, _ := runtime.Caller(1)
	/*line /ssaweave/testdata/filter.go:15:1*/
	name := runtime.FuncForPC(pc).Name()
	/*line /ssaweave/testdata/filter.go:16:1*/
	fmt.Println(l.prefix+msg, args, name[strings.LastIndex(name, ".")+1:]) /*line /ssaweave/testdata/filter.go:17:1*/
}

// Open returns its argument.
//
//line /ssaweave/testdata/filter.go:21:1
func Open(ssaweaveArg0 string, n int) int { /*line /ssaweave/testdata/filter.go:20:1*/
	if h := ssaweaveHook_Open; h != nil { /*line /ssaweave/testdata/filter.go:20:1*/
		ssaweaveArg0, n = h(ssaweaveArg0, n)
	}
	/*line /ssaweave/testdata/filter.go:21:33*/ return n /*line /ssaweave/testdata/filter.go:20:1*/
}

//line /ssaweave/testdata/filter.go:23:1
func main() { /*line /ssaweave/testdata/filter.go:22:1*/
	defer ssaweave_atMainReturn()
	/*line /ssaweave/testdata/filter.go:23:1*/
	l := &Logger{prefix: "> "}
	/*line /ssaweave/testdata/filter.go:24:1*/
	l.Log("hello", 1, 2)
	/*line /ssaweave/testdata/filter.go:25:1*/
	fmt.Println(Open("x", 4)) /*line /ssaweave/testdata/filter.go:26:1*/
}

//go:linkname ssaweaveHook_Logger_Log
//line /ssaweave/testdata/filter.go:14:1
var ssaweaveHook_Logger_Log func(l *Logger, msg string, args ...any) (string, []any)

//go:linkname ssaweaveHook_Open
//line /ssaweave/testdata/filter.go:21:1
var ssaweaveHook_Open func(ssaweaveArg0 string, n int) (string, int)
