package stack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// maxTemplateBody is the largest TemplateBody CloudFormation takes; a
// larger template goes through S3 (TemplateURL).
const maxTemplateBody = 51200

// Capabilities every otlpfwd change set acknowledges: the template creates
// IAM roles and uses the SAM transform.
var Capabilities = []cfntypes.Capability{cfntypes.CapabilityCapabilityIam, cfntypes.CapabilityCapabilityNamedIam, cfntypes.CapabilityCapabilityAutoExpand}

// Options configures a Deployer. The zero value works.
type Options struct {
	// PollInterval spaces DescribeChangeSet and DescribeStackEvents calls.
	// Zero: 5 s.
	PollInterval time.Duration
	// Progress receives one line per build, upload and stack event. Nil
	// discards them.
	Progress io.Writer
	// TemplateURL returns the https URL CloudFormation reads an uploaded
	// template from. Nil: https://BUCKET.s3.amazonaws.com/KEY.
	TemplateURL func(bucket, key string) string
	// Now is the clock (change set names). Nil: time.Now.
	Now func() time.Time
}

// Deployer packages and deploys a template with change sets.
type Deployer struct {
	cfn   CloudFormationAPI
	s3    S3API
	build Builder
	opts  Options
}

// New returns a Deployer.
func New(cfn CloudFormationAPI, s3 S3API, b Builder, opts Options) *Deployer {
	if opts.PollInterval <= 0 {
		opts.PollInterval = 5 * time.Second
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	if opts.TemplateURL == nil {
		opts.TemplateURL = func(bucket, key string) string { return "https://" + bucket + ".s3.amazonaws.com/" + key }
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Deployer{cfn: cfn, s3: s3, build: b, opts: opts}
}

// Request is one deployment.
type Request struct {
	StackName string
	// Template as loaded; Plan packages a copy.
	Template *Template
	// Bucket and Prefix locate the uploaded artifacts.
	Bucket, Prefix string
	// BucketOwner, when set, is the account id that must own Bucket
	// (ExpectedBucketOwner on every S3 call).
	BucketOwner string
	// Overrides are parameter values (ParseOverrides); the others keep
	// the stack's current value, or take the template default.
	Overrides map[string]string
	// Tags are applied to the stack and its resources.
	Tags map[string]string
	// Reduce, if set, rewrites the packaged template before it is sent
	// (Subset, for moto).
	Reduce func(*Template) (*Template, error)
}

// ChangeSet is a change set that Plan created, ready to Execute or
// Discard.
type ChangeSet struct {
	StackName string `json:"stack_name"`
	StackID   string `json:"stack_id"`
	Name      string `json:"change_set_name"`
	ID        string `json:"change_set_id"`
	// Type is CREATE for a new stack, UPDATE for an existing one.
	Type string `json:"type"`
	// Empty means the template and parameters change nothing; there is
	// nothing to execute.
	Empty      bool             `json:"empty"`
	Changes    []Change         `json:"changes"`
	Parameters []ParameterValue `json:"parameters"`
	Artifacts  []Artifact       `json:"artifacts"`
}

// Change is one resource change.
type Change struct {
	Action     string `json:"action"`
	LogicalID  string `json:"logical_id"`
	PhysicalID string `json:"physical_id,omitempty"`
	Type       string `json:"resource_type"`
	// Replacement is True, False or Conditional for a Modify.
	Replacement string `json:"replacement,omitempty"`
}

// Plan packages the functions, then creates a change set for the stack
// and waits until CloudFormation has computed it.
func (d *Deployer) Plan(ctx context.Context, req Request) (*ChangeSet, error) {
	if req.StackName == "" || req.Template == nil {
		return nil, errors.New("plan: StackName and Template are required")
	}
	csType, previous, err := d.changeSetType(ctx, req.StackName)
	if err != nil {
		return nil, err
	}
	params, err := resolveParameters(req.Template, req.Overrides, previous)
	if err != nil {
		return nil, err
	}
	values := map[string]string{}
	for _, p := range params {
		values[p.Key] = p.Value
	}
	tpl := req.Template.Clone()
	arts, err := Package(ctx, tpl, d.s3, d.build, PackageOptions{Bucket: req.Bucket, Prefix: req.Prefix, BucketOwner: req.BucketOwner, Parameters: values, Progress: d.opts.Progress})
	if err != nil {
		return nil, err
	}
	if req.Reduce != nil {
		if tpl, err = req.Reduce(tpl); err != nil {
			return nil, err
		}
	}
	body, err := tpl.JSON()
	if err != nil {
		return nil, err
	}
	name := "otlpfwd-" + d.opts.Now().UTC().Format("20060102-150405")
	in := &cloudformation.CreateChangeSetInput{
		StackName:     aws.String(req.StackName),
		ChangeSetName: aws.String(name),
		ChangeSetType: cfntypes.ChangeSetType(csType),
		Capabilities:  Capabilities,
		Description:   aws.String("otlpfwd deploy"),
	}
	if len(body) <= maxTemplateBody {
		in.TemplateBody = aws.String(string(body))
	} else {
		url, err := d.uploadTemplate(ctx, req, body)
		if err != nil {
			return nil, err
		}
		in.TemplateURL = aws.String(url)
	}
	for _, p := range params {
		switch p.Source {
		case FromOverride:
			in.Parameters = append(in.Parameters, cfntypes.Parameter{ParameterKey: aws.String(p.Key), ParameterValue: aws.String(p.Value)})
		case FromPrevious:
			in.Parameters = append(in.Parameters, cfntypes.Parameter{ParameterKey: aws.String(p.Key), UsePreviousValue: aws.Bool(true)})
		}
	}
	keys := make([]string, 0, len(req.Tags))
	for k := range req.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		in.Tags = append(in.Tags, cfntypes.Tag{Key: aws.String(k), Value: aws.String(req.Tags[k])})
	}
	fmt.Fprintf(d.opts.Progress, "Creating change set %s (%s) for stack %s\n", name, csType, req.StackName)
	out, err := d.cfn.CreateChangeSet(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("create change set for stack %s: %w", req.StackName, err)
	}
	cs := &ChangeSet{
		StackName: req.StackName, StackID: aws.ToString(out.StackId),
		Name: name, ID: aws.ToString(out.Id), Type: csType,
		Parameters: params, Artifacts: arts,
	}
	if err := d.waitChangeSet(ctx, cs); err != nil {
		if cleanup := d.Discard(context.WithoutCancel(ctx), cs); cleanup != nil {
			err = errors.Join(err, cleanup)
		}
		return nil, err
	}
	return cs, nil
}

// changeSetType says CREATE or UPDATE for the stack's state, with the
// current parameter values for an update; a state that takes no change set
// is an error that says what to do.
func (d *Deployer) changeSetType(ctx context.Context, name string) (string, map[string]string, error) {
	st, err := Describe(ctx, d.cfn, name)
	if errors.Is(err, ErrNoStack) {
		return "CREATE", nil, nil
	}
	if err != nil {
		return "", nil, err
	}
	switch s := st.Status; {
	case s == "REVIEW_IN_PROGRESS":
		return "CREATE", nil, nil
	case s == "ROLLBACK_COMPLETE" || s == "ROLLBACK_FAILED" || s == "DELETE_FAILED":
		return "", nil, fmt.Errorf("stack %s is in %s (its creation failed) and cannot be updated: delete it (aws cloudformation delete-stack --stack-name %s) and deploy again", name, s, name)
	case s == "UPDATE_ROLLBACK_FAILED":
		return "", nil, fmt.Errorf("stack %s is in %s: fix the cause, run aws cloudformation continue-update-rollback --stack-name %s, then deploy again", name, s, name)
	case !Done(s):
		return "", nil, fmt.Errorf("stack %s is busy (%s): wait until it finishes, then deploy again", name, s)
	}
	return "UPDATE", st.Parameters, nil
}

func (d *Deployer) uploadTemplate(ctx context.Context, req Request, body []byte) (string, error) {
	sum := sha256.Sum256(body)
	key := path.Join(req.Prefix, hex.EncodeToString(sum[:])+".template.json")
	if err := putObject(ctx, d.s3, req.Bucket, req.BucketOwner, key, "application/json", body, ""); err != nil {
		return "", fmt.Errorf("upload the template (%d bytes, over CloudFormation's %d for an inline body) to s3://%s/%s: %w", len(body), maxTemplateBody, req.Bucket, key, err)
	}
	return d.opts.TemplateURL(req.Bucket, key), nil
}

// waitChangeSet polls until the change set is computed and reads its
// changes (every page).
func (d *Deployer) waitChangeSet(ctx context.Context, cs *ChangeSet) error {
	for {
		out, err := d.cfn.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String(cs.ID), StackName: aws.String(cs.StackID)})
		if err != nil {
			return fmt.Errorf("describe change set %s: %w", cs.Name, err)
		}
		switch out.Status {
		case cfntypes.ChangeSetStatusCreateComplete:
			return d.readChanges(ctx, cs, out)
		case cfntypes.ChangeSetStatusFailed:
			reason := aws.ToString(out.StatusReason)
			if noChanges(reason) {
				cs.Empty = true
				return nil
			}
			return fmt.Errorf("change set %s for stack %s failed: %s", cs.Name, cs.StackName, reason)
		}
		if err := sleep(ctx, d.opts.PollInterval); err != nil {
			return fmt.Errorf("wait for change set %s: %w", cs.Name, err)
		}
	}
}

func (d *Deployer) readChanges(ctx context.Context, cs *ChangeSet, out *cloudformation.DescribeChangeSetOutput) error {
	for {
		for _, c := range out.Changes {
			rc := c.ResourceChange
			if rc == nil {
				continue
			}
			cs.Changes = append(cs.Changes, Change{
				Action: string(rc.Action), LogicalID: aws.ToString(rc.LogicalResourceId),
				PhysicalID: aws.ToString(rc.PhysicalResourceId), Type: aws.ToString(rc.ResourceType),
				Replacement: string(rc.Replacement),
			})
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		var err error
		out, err = d.cfn.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String(cs.ID), StackName: aws.String(cs.StackID), NextToken: out.NextToken})
		if err != nil {
			return fmt.Errorf("describe change set %s: %w", cs.Name, err)
		}
	}
	sort.SliceStable(cs.Changes, func(i, j int) bool { return cs.Changes[i].LogicalID < cs.Changes[j].LogicalID })
	cs.Empty = len(cs.Changes) == 0
	return nil
}

// noChanges recognises CloudFormation's reason for an empty change set.
func noChanges(reason string) bool {
	return strings.Contains(reason, "didn't contain changes") || strings.Contains(reason, "No updates are to be performed")
}

// Discard deletes the change set and, for a CREATE change set, the empty
// stack (REVIEW_IN_PROGRESS) it made, so a dry run leaves nothing behind.
func (d *Deployer) Discard(ctx context.Context, cs *ChangeSet) error {
	_, err := d.cfn.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{ChangeSetName: aws.String(cs.ID), StackName: aws.String(cs.StackID)})
	if err != nil && !isNoStack(err) && !isNoChangeSet(err) {
		return fmt.Errorf("delete change set %s: %w", cs.Name, err)
	}
	if cs.Type != "CREATE" {
		return nil
	}
	st, err := Describe(ctx, d.cfn, cs.StackID)
	if errors.Is(err, ErrNoStack) || (err == nil && (st.Status == "DELETE_COMPLETE")) {
		return nil
	}
	if err != nil {
		return err
	}
	if st.Status != "REVIEW_IN_PROGRESS" {
		return nil // someone else created it meanwhile: leave it
	}
	if _, err := d.cfn.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(cs.StackID)}); err != nil {
		return fmt.Errorf("delete the empty stack %s that the change set created: %w", cs.StackName, err)
	}
	return nil
}

func isNoChangeSet(err error) bool {
	return err != nil && strings.Contains(err.Error(), "ChangeSetNotFound")
}

// sleep waits for d or ctx.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
