// Command closure passes one of two closures of the same type to a helper
// that calls it. The other, which posts to a server, is only compared
// with nil.
package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
)

func apply(lines []string, emit func(string) error) error {
	for _, l := range lines {
		if err := emit(l); err != nil {
			return err
		}
	}
	return nil
}

// postLine posts line to endpoint.
//
//ssaweave:span
func postLine(endpoint, line string) error {
	resp, err := http.Post(endpoint, "text/plain", strings.NewReader(line))
	if err == nil {
		resp.Body.Close()
	}
	return err
}

// printLine prints line.
//
//ssaweave:span
func printLine(line string) error {
	_, err := fmt.Println(line)
	return err
}

func main() {
	endpoint := os.Getenv("ENDPOINT")
	post := func(line string) error { return postLine(endpoint, line) }
	print := func(line string) error { return printLine(line) }
	fmt.Println("remote output configured:", endpoint != "" && post != nil)
	if err := apply(os.Args[1:], print); err != nil {
		os.Exit(1)
	}
}
