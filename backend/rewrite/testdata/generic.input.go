package generic

// List is a generic list.
type List[T any] struct{ items []T }

// Len returns the number of items; its signature does not involve T.
func (l *List[T]) Len() int {
	return len(l.items)
}

// Reset empties the list.
func (l *List[_]) Reset() {
	l.Clear()
}

// Clear empties the list.
func (l *List[T]) Clear() {
	l.items = nil
}

// Sized returns n plus the size class of T and U, which the signature does
// not mention.
func Sized[T any, U comparable](n int) int {
	var t T
	var u U
	_, _ = t, u
	return n
}

// Blank has a blank type parameter.
func Blank[_ any](s string) string {
	return s
}
