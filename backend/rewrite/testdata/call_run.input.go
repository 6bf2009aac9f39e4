package main

import (
	"context"
	"errors"
	"fmt"
)

type key struct{}

// fetch stands for an API that takes no context, like http.Get.
func fetch(what string) (string, error) {
	fmt.Println("fetch", what)
	if what == "" {
		return "", errors.New("nothing to fetch")
	}
	return "got " + what, nil
}

// bracketed: a statement control leaves only through its end.
func bracketed(ctx context.Context) string {
	v, err := fetch("a") // site: bracket
	if err != nil {
		return ""
	}
	return v
}

// returned: the call's statement is a return.
func returned(ctx context.Context) (string, error) {
	fmt.Println("before return")
	return fetch("b") // site: return
}

// deferred: a statement that can leave the function, outside loops.
func deferred(ctx context.Context) {
	if _, err := fetch(""); err != nil { // site: leaves
		fmt.Println("error:", err)
		return
	}
	fmt.Println("not reached")
}

// looped: a statement in a loop, bracketed each time, and a call in a
// function literal spread over lines.
func looped(ctx context.Context) {
	for _, w := range []string{"c", "d"} {
		v, _ := fetch(w) // site: in a loop
		fmt.Println(v)
	}
	show := func(s string) {
		fmt.Println(s)
	}
	func() {
		show(fmt.Sprint(
			fetch( // site: spread
				"e")))
	}()
}

func main() {
	ctx := context.WithValue(context.Background(), key{}, "request-1")
	fmt.Println(bracketed(ctx))
	fmt.Println(returned(ctx))
	deferred(ctx)
	looped(ctx)
}
