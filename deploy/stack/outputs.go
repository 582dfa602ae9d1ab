package stack

import (
	"fmt"
	"sort"
)

// The outputs of template.yaml that the otlpfwd commands read. Every one
// exists in the template (a test checks); AccountSubscriptionPolicyName only
// when EnableAccountSubscription is true.
const (
	OutputRawStreamName                 = "RawStreamName"
	OutputRawStreamArn                  = "RawStreamArn"
	OutputExportStreamName              = "ExportStreamName"
	OutputExportStreamArn               = "ExportStreamArn"
	OutputDeadLetterQueueURL            = "DeadLetterQueueUrl"
	OutputDeadLetterQueueArn            = "DeadLetterQueueArn"
	OutputDeadLetterQueueName           = "DeadLetterQueueName"
	OutputEsmFailureQueueURL            = "EsmFailureQueueUrl"
	OutputEsmFailureQueueArn            = "EsmFailureQueueArn"
	OutputIngestFunctionName            = "IngestFunctionName"
	OutputIngestFunctionArn             = "IngestFunctionArn"
	OutputExportFunctionName            = "ExportFunctionName"
	OutputExportFunctionArn             = "ExportFunctionArn"
	OutputIngestLogGroupName            = "IngestLogGroupName"
	OutputExportLogGroupName            = "ExportLogGroupName"
	OutputOwnLogGroups                  = "OwnLogGroups"
	OutputSubscriptionRoleArn           = "SubscriptionRoleArn"
	OutputSubscriptionFilterPattern     = "SubscriptionFilterPattern"
	OutputAccountSubscriptionPolicyName = "AccountSubscriptionPolicyName"
	OutputCollectorSecretPrefix         = "CollectorSecretPrefix"
	OutputKmsKeyArn                     = "KmsKeyArn"
)

// CLIOutputs lists every Output* constant.
var CLIOutputs = []string{
	OutputRawStreamName, OutputRawStreamArn, OutputExportStreamName, OutputExportStreamArn,
	OutputDeadLetterQueueURL, OutputDeadLetterQueueArn, OutputDeadLetterQueueName,
	OutputEsmFailureQueueURL, OutputEsmFailureQueueArn,
	OutputIngestFunctionName, OutputIngestFunctionArn, OutputExportFunctionName, OutputExportFunctionArn,
	OutputIngestLogGroupName, OutputExportLogGroupName, OutputOwnLogGroups,
	OutputSubscriptionRoleArn, OutputSubscriptionFilterPattern, OutputAccountSubscriptionPolicyName,
	OutputCollectorSecretPrefix, OutputKmsKeyArn,
}

// Outputs are a deployed stack's outputs by key.
type Outputs struct {
	// Stack names the stack, for error messages.
	Stack  string
	Values map[string]string
}

// Get returns the output called key, or an error that says which stack
// lacks it and what to do.
func (o Outputs) Get(key string) (string, error) {
	if v, ok := o.Values[key]; ok && v != "" {
		return v, nil
	}
	return "", fmt.Errorf("stack %s has no output %s: deploy it from otlpfwd's template.yaml (otlpfwd deploy --stack-name %s)", o.Stack, key, o.Stack)
}

// Keys returns the output keys, sorted.
func (o Outputs) Keys() []string {
	keys := make([]string, 0, len(o.Values))
	for k := range o.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
