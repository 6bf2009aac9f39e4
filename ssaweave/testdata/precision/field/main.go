// Command field keeps callbacks in struct fields. The server's onError
// field is only ever set to a logging function; a function that reports
// errors to a remote service has the same signature but is stored in
// another struct's field, which nothing calls.
package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
)

type server struct {
	name    string
	onError func(error)
}

func (s *server) run(args []string) {
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			s.onError(fmt.Errorf("%s: bad argument %s", s.name, a))
		}
	}
}

type alerts struct{ send func(error) }

//ssaweave:span
func logError(err error) { fmt.Fprintln(os.Stderr, err) }

//ssaweave:span
func remoteError(err error) {
	resp, e := http.Post("http://localhost:9/errors", "text/plain", strings.NewReader(err.Error()))
	if e == nil {
		resp.Body.Close()
	}
}

func main() {
	a := &alerts{send: remoteError}
	fmt.Println("alerts configured:", a.send != nil)
	s := &server{name: "field", onError: logError}
	s.run(os.Args[1:])
}
