module github.com/ssaweave/ssaweave

go 1.26

require (
	github.com/dave/dst v0.28.0 // indirect
	golang.org/x/sync v0.25.0 // indirect
	golang.org/x/tools v0.52.0 // indirect
)
