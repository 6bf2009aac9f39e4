module example.com/optout

go 1.24
