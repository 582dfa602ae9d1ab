package main

// broken.go is added to the floor bootstrap by TestBuild: it must not compile.
var _ int = "broken"
