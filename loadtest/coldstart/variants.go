package coldstart

import "github.com/otlpfwd/otlpfwd/loadtest/bootstrap"

// The variants measured besides bootstrap.Lambda, each a reduction
// already made, to show what it is worth. (Dropping the SDK's config
// package, measured the same way, is applied in shared/aws/setup.)
var (
	// RPC drops the lambda.norpc tag: the bootstrap then links
	// aws-lambda-go's net/rpc shim for the retired go1.x runtime.
	RPC = bootstrap.Variant{Name: "rpc", Custom: true, LDFlags: "-s -w",
		Note: "without -tags lambda.norpc (what the tag saves)"}
	// Symbols keeps the symbol table and DWARF, for the size breakdown;
	// its size shows what -s -w saves.
	Symbols = bootstrap.Variant{Name: "symbols", Custom: true, Tags: []string{"lambda.norpc"},
		Note: "without -ldflags \"-s -w\" (what stripping saves; the size breakdown reads this build)"}
)

// DefaultVariants are measured when Options.Variants is empty.
var DefaultVariants = []bootstrap.Variant{bootstrap.Lambda, RPC, Symbols}
