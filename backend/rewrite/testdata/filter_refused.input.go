package p

// F has nothing to filter.
func F() {}
