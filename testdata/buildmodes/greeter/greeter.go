// Package greeter is a second module: a dependency of the buildmodes
// program through a replace directive, a vendored module, or a module of
// the same go.work workspace, depending on the test.
package greeter

// Greet returns the greeting for name.
func Greet(name string) string { return "hello " + name }
