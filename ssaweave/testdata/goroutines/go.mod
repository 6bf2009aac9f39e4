module example.com/gor

go 1.26
