// Package secrets reads otlpfwd's collectors from AWS Secrets Manager: one
// secret per collector, all under a common name prefix (for example
// "otlpfwd/collectors/honeycomb"). Each secret's value is one collector in
// JSON or YAML, in the format of package route; its name defaults to the
// secret's name after the prefix.
//
// Source lists the secrets with ListSecrets (a name filter, paginated),
// reads them with GetSecretValue (a few at a time) and parses them. It
// fails as a whole when any secret cannot be read or parsed, so that a
// route.Cached above it keeps serving the last good table instead of
// silently dropping one collector; the error lists every bad secret by
// name and never quotes a secret's value.
//
// The role needs secretsmanager:ListSecrets (which cannot be limited to a
// prefix) and secretsmanager:GetSecretValue on
// arn:aws:secretsmanager:REGION:ACCOUNT:secret:PREFIX* (plus kms:Decrypt
// when the secrets use a customer managed key).
package secrets
