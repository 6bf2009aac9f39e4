// Command methodvalue calls a method value through a function parameter.
// Another method value of the same signature, bound to an HTTP client, is
// made but never called: RTA counts every bound method whose value is taken
// as a callee of every call of a function value of its signature.
package main

import (
	"fmt"
	"net/http"
	"os"
)

type remote struct{ client *http.Client }

//ssaweave:span
func (r *remote) get(url string) error {
	resp, err := r.client.Get(url)
	if err == nil {
		resp.Body.Close()
	}
	return err
}

type cache struct{ seen map[string]bool }

//ssaweave:span
func (c cache) get(url string) error {
	if !c.seen[url] {
		return fmt.Errorf("%s: not cached", url)
	}
	return nil
}

// each calls get for every url.
func each(urls []string, get func(string) error) {
	for _, u := range urls {
		fmt.Println(u, get(u))
	}
}

func main() {
	r := &remote{client: http.DefaultClient}
	online := r.get // made, never called
	fmt.Println("online mode available:", online != nil)
	each(os.Args[1:], cache{seen: map[string]bool{"a": true}}.get)
}
