package stack

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// ArtifactBucket is the bucket --resolve-s3 uses: one per account and
// region, shared by every otlpfwd stack there.
func ArtifactBucket(account, region string) string {
	return fmt.Sprintf("otlpfwd-artifacts-%s-%s", account, region)
}

// EnsureBucket creates bucket in region unless it exists, with every form
// of public access blocked. It reports whether it created it.
func EnsureBucket(ctx context.Context, api BucketAPI, bucket, region string) (bool, error) {
	_, err := api.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	if err == nil {
		return false, nil
	}
	if !isNotFound(err) {
		return false, fmt.Errorf("s3 bucket %s: %w (pass --s3-bucket with a bucket you own)", bucket, err)
	}
	in := &s3.CreateBucketInput{Bucket: aws.String(bucket)}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
	}
	if _, err := api.CreateBucket(ctx, in); err != nil {
		var owned *s3types.BucketAlreadyOwnedByYou
		if errors.As(err, &owned) {
			return false, nil
		}
		return false, fmt.Errorf("create s3 bucket %s: %w", bucket, err)
	}
	_, err = api.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{
		Bucket: aws.String(bucket),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true),
			BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true),
		},
	})
	if err != nil {
		return true, fmt.Errorf("block public access to s3 bucket %s: %w", bucket, err)
	}
	return true, nil
}
