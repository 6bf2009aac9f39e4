package main

import (
	"fmt"
	"os"
)

var order []string

func init() {
	order = append(order, "first init")
}

func init() {
	order = append(order, "second init")
}

// run is hooked three ways.
func run(args []string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered: %v", r)
		}
	}()
	if len(args) == 0 {
		return nil
	}
	order = append(order, args...)
	return nil
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Println(err)
	}
	fmt.Println(order)
}
