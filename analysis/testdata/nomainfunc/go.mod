module example.com/nomainfunc

go 1.26
