package shadow

// Handler handles.
type Handler struct{ n int }

// Serve has parameters named like the locals the wrapper would use.
func (h *Handler) Serve(next func() int, h1 int) int {
	return next() + h1 + h.n
}

// Call too.
func Call(h func(int) int, next int) int {
	return h(next)
}
