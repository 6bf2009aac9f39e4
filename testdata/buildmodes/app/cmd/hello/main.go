// Command hello serves one greeting to itself over HTTP and prints it.
// Woven, it exports a server span, a client span and the span of
// hello.greet. It is the one small program that the build-mode tests build
// in every configuration; the module root holds no Go file.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"

	"example.com/buildmodes/internal/hello"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: hello.Handler()}
	go srv.Serve(ln)
	defer srv.Close()
	resp, err := http.Get("http://" + ln.Addr().String() + "/hello/ada")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Print(string(body))
}
