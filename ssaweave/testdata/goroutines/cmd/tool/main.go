// Command tool links package work but makes no span: nothing is woven
// into it, and it binds no hook.
package main

import (
	"context"
	"fmt"

	"example.com/gor/work"
)

func run(ctx context.Context) {
	done := make(chan int)
	go func() { done <- work.Compute(4) }() // pruned: tool
	fmt.Println(<-done)
}

func main() { run(context.Background()) }
