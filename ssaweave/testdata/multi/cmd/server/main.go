// Command server serves HTTP. It already declares the name of the
// function the backend generates for main's return, so the plan must pick
// another.
package main

import "net/http"

func ssaweave_atMainReturn() {}

func main() {
	defer ssaweave_atMainReturn()
	http.ListenAndServe("localhost:8080", http.NotFoundHandler())
}
