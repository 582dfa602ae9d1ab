// Package coldstart measures the Lambda bootstraps as they start: the
// size of the binary, the time from exec to the first poll of the Runtime
// API (ready for the first event) and to the answer of a first, empty
// event, and what the time and bytes go to: package init times
// (GODEBUG=inittrace=1) and symbol sizes per module and package. Variants
// of the build (tags, linker flags, files replaced by an overlay) measure a
// reduction before anyone makes it.
package coldstart
