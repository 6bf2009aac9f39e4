// Command gostmt starts goroutines through the kinds of call a go
// statement can make, for CalleesAt and PathFrom.
package main

type Job interface{ Do() }

type A struct{}

func (A) Do() { a1() }

type B struct{}

func (B) Do() { b1() }

func a1() { a2() }
func a2() { target() }
func b1() { target() }

func target() {}

func other() {}

func blocked() { target() }

func viaBlocked() { blocked() }

func main() {
	var j Job = A{}
	if len(main2()) > 0 {
		j = B{}
	}
	go j.Do()
	x := 1
	go func() { other(); _ = x }()
	go viaBlocked()
}

func main2() string { return "" }
