package logx

import "fmt"

// Printf formats and prints.
func Printf(format string, args ...any) (int, error) {
	return fmt.Printf(format, args...)
}

// Println prints its arguments.
func Println(args ...any) {
	fmt.Println(args...)
}

// Logger logs.
type Logger struct{ prefix string }

// Logf formats with the logger's prefix.
func (l *Logger) Logf(format string, args ...any) {
	fmt.Printf(l.prefix+format, args...)
}
