//line /ssaweave/testdata/multi.go:1:1
package main

//line /ssaweave/testdata/multi.go:3:1
import (
	"fmt"
	"os"
)

//line /ssaweave/testdata/multi.go:1:1
import _ "unsafe"

//line /ssaweave/testdata/multi.go:8:1
var order []string

//line /ssaweave/testdata/multi.go:10:1
func init() {
	order = append(order, "first init")
}

//line /ssaweave/testdata/multi.go:14:1
func init() { /*line /ssaweave/testdata/multi.go:13:1*/
	if h := ssaweaveHook_init; h != nil { /*line /ssaweave/testdata/multi.go:13:1*/
		h()
	}
	/*line /ssaweave/testdata/multi.go:14:1*/
	order = append(order, "second init") /*line /ssaweave/testdata/multi.go:15:1*/
}

// run is hooked three ways.
//
//line /ssaweave/testdata/multi.go:19:1
func run(args []string) (err error) { /*line /ssaweave/testdata/multi.go:18:1*/
	defer ssaweave_runDone()                    /*line /ssaweave/testdata/multi.go:18:1*/
	if h := ssaweaveHook_run_before; h != nil { /*line /ssaweave/testdata/multi.go:18:1*/
		h(args)
	} /*line /ssaweave/testdata/multi.go:18:1*/
	if h := ssaweaveHook_run; h != nil { /*line /ssaweave/testdata/multi.go:18:1*/
		return h(args, ssaweaveOrig_run)
	} /*line /ssaweave/testdata/multi.go:18:1*/
	return ssaweaveOrig_run(args) /*line /ssaweave/testdata/multi.go:18:1*/
}

//line /ssaweave/testdata/multi.go:32:1
func main() { /*line /ssaweave/testdata/multi.go:31:1*/
	defer ssaweave_atMainReturn()
	/*line /ssaweave/testdata/multi.go:32:1*/
	if err := run(os.Args[1:]); err != nil {
		fmt.Println(err)
	}
	/*line /ssaweave/testdata/multi.go:35:1*/
	fmt.Println(order) /*line /ssaweave/testdata/multi.go:36:1*/
}

//go:linkname ssaweaveHook_init
//line /ssaweave/testdata/multi.go:14:1
var ssaweaveHook_init func()

//go:linkname ssaweaveHook_run
//line /ssaweave/testdata/multi.go:19:1
var ssaweaveHook_run func(args []string, next func([]string) error) error

//line /ssaweave/testdata/multi.go:19:1
func ssaweaveOrig_run(args []string) (err error) {
	/*line /ssaweave/testdata/multi.go:19:1*/
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered: %v", r)
		}
	}()
	/*line /ssaweave/testdata/multi.go:24:1*/
	if len(args) == 0 {
		return nil
	}
	/*line /ssaweave/testdata/multi.go:27:1*/
	order = append(order, args...)
	/*line /ssaweave/testdata/multi.go:28:1*/
	return nil /*line /ssaweave/testdata/multi.go:29:1*/
}

//go:linkname ssaweaveHook_run_before
//line /ssaweave/testdata/multi.go:19:1
var ssaweaveHook_run_before func(args []string)
