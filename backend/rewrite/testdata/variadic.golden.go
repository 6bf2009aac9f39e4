//line /ssaweave/testdata/variadic.go:1:1
package logx

//line /ssaweave/testdata/variadic.go:3:1
import "fmt"

//line /ssaweave/testdata/variadic.go:1:1
import _ "unsafe"

// Printf formats and prints.
//
//line /ssaweave/testdata/variadic.go:6:1
func Printf(format string, args ...any) (int, error) { /*line /ssaweave/testdata/variadic.go:5:1*/
	if h := ssaweaveHook_Printf; h != nil { /*line /ssaweave/testdata/variadic.go:5:1*/
		return h(format, args, ssaweaveOrig_Printf)
	} /*line /ssaweave/testdata/variadic.go:5:1*/
	return ssaweaveOrig_Printf(format, args...) /*line /ssaweave/testdata/variadic.go:5:1*/
}

// Println prints its arguments.
//
//line /ssaweave/testdata/variadic.go:11:1
func Println(args ...any) { /*line /ssaweave/testdata/variadic.go:10:1*/
	if h := ssaweaveHook_Println; h != nil { /*line /ssaweave/testdata/variadic.go:10:1*/
		h(args...)
	}
	/*line /ssaweave/testdata/variadic.go:11:1*/
	fmt.Println(args...) /*line /ssaweave/testdata/variadic.go:12:1*/
}

// Logger logs.
//
//line /ssaweave/testdata/variadic.go:16:1
type Logger struct{ prefix string }

// Logf formats with the logger's prefix.
//
//line /ssaweave/testdata/variadic.go:19:1
func (l *Logger) Logf(format string, args ...any) { /*line /ssaweave/testdata/variadic.go:18:1*/
	if h := ssaweaveHook_Logger_Logf; h != nil { /*line /ssaweave/testdata/variadic.go:18:1*/
		h(format, args, l.ssaweaveOrig_Logf) /*line /ssaweave/testdata/variadic.go:18:1*/
		return
	} /*line /ssaweave/testdata/variadic.go:18:1*/
	l.ssaweaveOrig_Logf(format, args...) /*line /ssaweave/testdata/variadic.go:18:1*/
}

//go:linkname ssaweaveHook_Printf
//line /ssaweave/testdata/variadic.go:6:1
var ssaweaveHook_Printf func(format string, args []any, next func(string, ...any) (int, error)) (int, error)

//line /ssaweave/testdata/variadic.go:6:1
func ssaweaveOrig_Printf(format string, args ...any) (int, error) {
	/*line /ssaweave/testdata/variadic.go:6:1*/
	return fmt.Printf(format, args...) /*line /ssaweave/testdata/variadic.go:7:1*/
}

//go:linkname ssaweaveHook_Println
//line /ssaweave/testdata/variadic.go:11:1
var ssaweaveHook_Println func(args ...any)

//go:linkname ssaweaveHook_Logger_Logf
//line /ssaweave/testdata/variadic.go:19:1
var ssaweaveHook_Logger_Logf func(format string, args []any, next func(string, ...any))

//line /ssaweave/testdata/variadic.go:19:1
func (l *Logger) ssaweaveOrig_Logf(format string, args ...any) {
	/*line /ssaweave/testdata/variadic.go:19:1*/
	fmt.Printf(l.prefix+format, args...) /*line /ssaweave/testdata/variadic.go:20:1*/
}
