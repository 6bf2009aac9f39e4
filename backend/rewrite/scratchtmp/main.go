package main

import (
	"go/token"
	"os"

	"github.com/dave/dst/decorator"
)

const src = `package p

type Handler interface{ ServeHTTP(ResponseWriter, *Request) }

type H2 interface{ ServeHTTP(ResponseWriter, *Request) int }

type H3 interface{ ServeHTTP() }

type H4 interface{ M(x int) }

var f = func() { g() }
`

func main() {
	fset := token.NewFileSet()
	f, err := decorator.NewDecorator(fset).ParseFile("/abs/p.go", src, 0)
	if err != nil {
		panic(err)
	}
	decorator.NewRestorer().Fprint(os.Stdout, f)
}
