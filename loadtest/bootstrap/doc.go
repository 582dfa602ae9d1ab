// Package bootstrap builds this module's Lambda bootstraps for the load
// test's measurements, as deploy/stack builds them for Lambda or as a
// named variant (other tags or linker flags, or source files replaced with
// an overlay, to measure a change before anyone makes it), and gives each
// function the environment Lambda and the stack would give it.
package bootstrap
