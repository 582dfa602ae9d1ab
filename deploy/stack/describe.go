package stack

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
)

// Stack is a deployed stack's state.
type Stack struct {
	Name   string `json:"stack_name"`
	ID     string `json:"stack_id"`
	Status string `json:"status"`
	// Reason is CloudFormation's status reason, if any.
	Reason     string            `json:"status_reason,omitempty"`
	Outputs    []Output          `json:"outputs"`
	Parameters map[string]string `json:"-"`
}

// Output is one stack output.
type Output struct {
	Key         string `json:"key"`
	Value       string `json:"value"`
	Description string `json:"description,omitempty"`
}

// OutputValues returns the outputs by key.
func (s *Stack) OutputValues() Outputs {
	o := Outputs{Stack: s.Name, Values: map[string]string{}}
	for _, out := range s.Outputs {
		o.Values[out.Key] = out.Value
	}
	return o
}

// ErrNoStack is returned (wrapped) by Describe when the stack does not exist.
var ErrNoStack = errors.New("stack does not exist")

// Describe returns the stack called name (or with that id), its outputs
// sorted by key. A missing stack is an error wrapping ErrNoStack.
func Describe(ctx context.Context, api StackReader, name string) (*Stack, error) {
	out, err := api.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		if isNoStack(err) {
			return nil, fmt.Errorf("stack %s: %w (create it with otlpfwd deploy --stack-name %s)", name, ErrNoStack, name)
		}
		return nil, fmt.Errorf("describe stack %s: %w", name, err)
	}
	if len(out.Stacks) == 0 {
		return nil, fmt.Errorf("stack %s: %w (create it with otlpfwd deploy --stack-name %s)", name, ErrNoStack, name)
	}
	return fromSDK(out.Stacks[0]), nil
}

func fromSDK(s cfntypes.Stack) *Stack {
	st := &Stack{
		Name: aws.ToString(s.StackName), ID: aws.ToString(s.StackId),
		Status: string(s.StackStatus), Reason: aws.ToString(s.StackStatusReason),
		Parameters: map[string]string{},
	}
	for _, o := range s.Outputs {
		st.Outputs = append(st.Outputs, Output{Key: aws.ToString(o.OutputKey), Value: aws.ToString(o.OutputValue), Description: aws.ToString(o.Description)})
	}
	sort.Slice(st.Outputs, func(i, j int) bool { return st.Outputs[i].Key < st.Outputs[j].Key })
	for _, p := range s.Parameters {
		st.Parameters[aws.ToString(p.ParameterKey)] = aws.ToString(p.ParameterValue)
	}
	return st
}

// isNoStack reports CloudFormation's answer for a missing stack (a
// ValidationError "Stack with id X does not exist").
func isNoStack(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "ValidationError" && strings.Contains(api.ErrorMessage(), "does not exist")
}

// Done reports whether status is final (nothing in progress).
func Done(status string) bool {
	return !strings.HasSuffix(status, "_IN_PROGRESS")
}

// Succeeded reports whether a final status means the last operation
// worked.
func Succeeded(status string) bool {
	switch status {
	case "CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE":
		return true
	}
	return false
}
