module example.com/clientonly

go 1.24
