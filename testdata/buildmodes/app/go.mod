module example.com/buildmodes

go 1.24

require example.com/greeter v0.0.0

replace example.com/greeter => ../greeter
