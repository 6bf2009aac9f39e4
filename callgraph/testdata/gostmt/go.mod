module example.com/gostmt

go 1.26
