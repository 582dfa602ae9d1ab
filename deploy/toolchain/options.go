package toolchain

import "io"

// Options controls how a missing binary is built.
type Options struct {
	// Progress receives build output (go install, the Collector Builder).
	// Nil discards it; failures still carry the end of the output.
	Progress io.Writer
}

func (o Options) progress() io.Writer {
	if o.Progress == nil {
		return io.Discard
	}
	return o.Progress
}
