module example.com/goroutines

go 1.26.0
