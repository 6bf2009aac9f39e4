package results

import "strconv"

// Named uses named results and a bare return.
func Named(s string) (n int, err error) {
	n, err = strconv.Atoi(s)
	if err != nil {
		n = -1
	}
	return
}

// Unnamed has two unnamed results.
func Unnamed(s string) (int, error) {
	return strconv.Atoi(s)
}

// Grouped names two results of the same type in one field.
func Grouped() (a, b int) {
	a, b = 1, 2
	return
}
