package unnamed

type T struct{}

// M has an unnamed receiver and unnamed parameters.
func (T) M(int, string) error {
	return nil
}

// N has blank parameters and a blank receiver.
func (_ *T) N(_ int, x string, _ bool) string {
	return x
}

// F has unnamed parameters.
func F(int, []byte) {
}
