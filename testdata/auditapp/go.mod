module example.com/auditapp

go 1.24
