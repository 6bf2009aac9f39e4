module example.com/slogapp

go 1.26.0
