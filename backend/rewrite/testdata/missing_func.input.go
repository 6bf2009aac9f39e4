package missing

// G is not the function the plan names.
func G() {}
