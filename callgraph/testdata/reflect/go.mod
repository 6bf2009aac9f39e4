module example.com/reflect

go 1.26
