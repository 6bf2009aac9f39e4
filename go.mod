module github.com/ssaweave/ssaweave

go 1.26.0

require (
	github.com/dave/dst v0.28.0
	go.opentelemetry.io/proto/otlp v1.11.1
	golang.org/x/mod v0.43.0
	golang.org/x/sys v0.50.0
	golang.org/x/tools v0.52.0
	google.golang.org/protobuf v1.36.12
)

require golang.org/x/sync v0.25.0 // indirect
