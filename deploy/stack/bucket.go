package stack

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	awshttp "github.com/aws/smithy-go/transport/http"
)

// ArtifactBucket is the bucket --resolve-s3 uses: one per account and
// region, shared by every otlpfwd stack there. Its name is predictable, so
// anyone can create it first: EnsureBucket refuses one the account does not
// own.
func ArtifactBucket(account, region string) string {
	return fmt.Sprintf("otlpfwd-artifacts-%s-%s", account, region)
}

// ErrBucketNotOwned is returned for an artifact bucket that exists but
// belongs to another account (or that this account may not read).
var ErrBucketNotOwned = errors.New("the bucket exists but your account does not own it")

// EnsureBucket creates bucket in region unless it exists, with every form
// of public access blocked. It reports whether it created it. owner is the
// caller's account id: every call says it expects that owner
// (ExpectedBucketOwner), so a bucket of that name that another account
// created first is refused instead of receiving the function code. An
// empty owner checks nothing.
func EnsureBucket(ctx context.Context, api BucketAPI, bucket, region, owner string) (bool, error) {
	notOwned := func(err error) error {
		return fmt.Errorf("s3 bucket %s: %w (account %s expected; S3 said: %v): another account may have created it to receive your function code, so otlpfwd will not use it; pass --s3-bucket with a bucket you own", bucket, ErrBucketNotOwned, orUnknown(owner), err)
	}
	_, err := api.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket), ExpectedBucketOwner: optional(owner)})
	if err == nil {
		return false, nil
	}
	if isForbidden(err) {
		return false, notOwned(err)
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
		var taken *s3types.BucketAlreadyExists
		switch {
		case errors.As(err, &owned):
			return false, nil
		case errors.As(err, &taken):
			return false, notOwned(err)
		}
		return false, fmt.Errorf("create s3 bucket %s: %w", bucket, err)
	}
	_, err = api.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{
		Bucket:              aws.String(bucket),
		ExpectedBucketOwner: optional(owner),
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

// optional is nil for "", so that an unset owner sends no header.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

// isForbidden reports a 403: with ExpectedBucketOwner, S3's answer for a
// bucket another account owns.
func isForbidden(err error) bool {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusForbidden {
		return true
	}
	var api interface{ ErrorCode() string }
	return errors.As(err, &api) && (api.ErrorCode() == "Forbidden" || api.ErrorCode() == "AccessDenied" || api.ErrorCode() == "403")
}
