module example.com/vta

go 1.26
