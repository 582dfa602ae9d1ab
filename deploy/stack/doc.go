// Package stack deploys otlpfwd's CloudFormation stack (template.yaml at the
// repository root) without the SAM CLI: it builds each Go function's
// bootstrap for Linux, zips and uploads it to S3, rewrites the template's
// CodeUri properties to the uploaded objects (what `aws cloudformation
// package` does), then creates a change set, shows it, and executes it
// while printing the stack's events, or deletes it for a dry run.
// CloudFormation itself runs the SAM transform.
//
// Template parses CloudFormation YAML or JSON, short-form intrinsics
// (!Ref, !GetAtt, !Sub ...) included, into the long form. Subset reduces a
// packaged template to the resource types a stand-in such as moto creates,
// for local runs and tests. The output keys the CLI reads are the Output*
// constants.
//
// The AWS calls go through small interfaces declared here (CloudFormationAPI,
// S3API); the Go build through Builder.
package stack
