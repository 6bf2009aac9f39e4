module example.com/deadhttp

go 1.24
