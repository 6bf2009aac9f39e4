//line /ssaweave/testdata/defer_main.go:1:1
package main

//line /ssaweave/testdata/defer_main.go:3:1
import "fmt"

//line /ssaweave/testdata/defer_main.go:5:1
func main() { /*line /ssaweave/testdata/defer_main.go:4:1*/
	defer ssaweave_atMainReturn()
	/*line /ssaweave/testdata/defer_main.go:5:1*/
	fmt.Println("hello") /*line /ssaweave/testdata/defer_main.go:6:1*/
}
