package compute

import "errors"

// Compute has no context parameter; its results are unnamed.
func Compute(n int) (int, error) {
	if n < 0 {
		return 0, errors.New("negative")
	}
	return n * 2, nil
}

// Run has neither parameters nor results.
func Run() {
	_, _ = Compute(1)
}
