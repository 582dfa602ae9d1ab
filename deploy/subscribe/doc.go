// Package subscribe connects CloudWatch Logs to the pipeline: it points log
// groups at the raw Kinesis stream with subscription filters (Subscribe),
// removes them (Unsubscribe), lists them (List), and manages the
// account-level subscription filter policy (AccountPolicy).
//
// Log groups are selected by exact name, by name prefix (asked of
// DescribeLogGroups, paginated) or by glob ('*' any run of characters, '/'
// included; '?' one character), matched here after listing the glob's
// literal prefix. Every change is planned first (Plan*) and applied
// second (Apply), so that a dry run shows exactly what Apply would do.
//
// The rules a plan enforces:
//
//   - Idempotent: a log group whose filter already sends the same pattern
//     to the same stream with the same role is left alone, as is one that
//     some other filter already sends to the raw stream (a second filter
//     would deliver every event twice).
//   - CloudWatch Logs allows two subscription filters per log group: a
//     group that has two others is a conflict, reported with their names
//     and destinations.
//   - The pipeline's own log groups (its Lambda functions') are never
//     subscribed: their lines would flow through the pipeline and write
//     more lines, for ever.
//   - Log groups of the Infrequent Access class do not support
//     subscription filters and are skipped.
//
// Calls that read or change one log group's filters are rate-limited
// (DescribeSubscriptionFilters and PutSubscriptionFilter have a quota of 5
// requests per second per account and Region); the SDK's retryer handles
// any throttling left.
package subscribe
