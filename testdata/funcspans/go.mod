module example.com/funcspans

go 1.24
