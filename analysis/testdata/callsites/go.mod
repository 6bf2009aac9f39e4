module example.com/callsites

go 1.26
