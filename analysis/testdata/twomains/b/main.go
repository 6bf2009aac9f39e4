// Command is one of two programs loaded together.
package main

func main() {}
