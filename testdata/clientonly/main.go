// Command clientonly uses net/http only as a client, and has a server on a
// path that nothing calls: no request is ever served, so ssaweave weaves
// nothing and links nothing.
package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	if len(os.Args) > 1 {
		resp, err := http.Get(os.Args[1])
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(resp.Status)
	}
}

// serve is dead code: nothing calls it.
func serve() {
	http.ListenAndServe(":8080", nil)
}
