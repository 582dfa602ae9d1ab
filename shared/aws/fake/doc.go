// Package fake holds hand-written fakes of the AWS APIs the writers use,
// for unit tests: each has an ...Fn field deciding its answers (nil: accept
// everything) and records what it was sent.
package fake
