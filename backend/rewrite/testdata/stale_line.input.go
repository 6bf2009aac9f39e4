package stale

// F is not where the plan says.
func F() {}
