package local

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Credentials and account that moto accepts.
const (
	MotoAccessKey = "testing"
	MotoSecretKey = "testing"
	MotoAccount   = "123456789012"
)

// AWS holds the clients the local pipeline uses, all pointed at one
// endpoint.
type AWS struct {
	Config   aws.Config
	Endpoint string // "" for real AWS
	Kinesis  *kinesis.Client
	SQS      *sqs.Client
	Logs     *cloudwatchlogs.Client
	Secrets  *secretsmanager.Client
}

// NewAWS returns clients for endpoint (a stand-in such as moto, with static
// test credentials) or, when endpoint is "", for the account and region of
// the default credential chain.
func NewAWS(ctx context.Context, endpoint, region string) (*AWS, error) {
	opts := []func(*config.LoadOptions) error{}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	if endpoint != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(MotoAccessKey, MotoSecretKey, "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("aws configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("no AWS region: set AWS_REGION or pass --region")
	}
	if endpoint != "" {
		cfg.BaseEndpoint = aws.String(endpoint)
	}
	return &AWS{
		Config: cfg, Endpoint: endpoint,
		Kinesis: kinesis.NewFromConfig(cfg), SQS: sqs.NewFromConfig(cfg),
		Logs: cloudwatchlogs.NewFromConfig(cfg), Secrets: secretsmanager.NewFromConfig(cfg),
	}, nil
}

// LambdaEnv is the environment a Lambda gets to reach the same endpoint:
// region, endpoint and credentials, as Lambda sets them from the function's
// role (for a real account: the credentials of this process).
func (a *AWS) LambdaEnv(ctx context.Context) (map[string]string, error) {
	env := map[string]string{"AWS_REGION": a.Config.Region, "AWS_DEFAULT_REGION": a.Config.Region}
	if a.Endpoint != "" {
		env["AWS_ENDPOINT_URL"] = a.Endpoint
		env["AWS_ACCESS_KEY_ID"] = MotoAccessKey
		env["AWS_SECRET_ACCESS_KEY"] = MotoSecretKey
		return env, nil
	}
	creds, err := a.Config.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS credentials for the functions: %w", err)
	}
	env["AWS_ACCESS_KEY_ID"] = creds.AccessKeyID
	env["AWS_SECRET_ACCESS_KEY"] = creds.SecretAccessKey
	if creds.SessionToken != "" {
		env["AWS_SESSION_TOKEN"] = creds.SessionToken
	}
	return env, nil
}
