// Command hello is a minimal main package that the GoBuilder test compiles
// for linux/arm64.
package main

func main() { println("hello") }
