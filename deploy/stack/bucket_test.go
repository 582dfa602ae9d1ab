package stack

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// fakeBuckets answers as S3 does for one bucket that exists (owned by
// owner) or not.
type fakeBuckets struct {
	exists  bool
	owner   string
	created []string
	blocked []string
	// heads lists the ExpectedBucketOwner of every HeadBucket.
	heads []string
}

func forbidden() error {
	return &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: http.StatusForbidden}}, Err: errors.New("Forbidden")}
}

func (f *fakeBuckets) HeadBucket(_ context.Context, in *s3.HeadBucketInput, _ ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	f.heads = append(f.heads, aws.ToString(in.ExpectedBucketOwner))
	switch {
	case !f.exists:
		return nil, &s3types.NotFound{}
	case in.ExpectedBucketOwner != nil && *in.ExpectedBucketOwner != f.owner:
		return nil, forbidden()
	}
	return &s3.HeadBucketOutput{}, nil
}

func (f *fakeBuckets) CreateBucket(_ context.Context, in *s3.CreateBucketInput, _ ...func(*s3.Options)) (*s3.CreateBucketOutput, error) {
	if f.exists {
		return nil, &s3types.BucketAlreadyExists{}
	}
	f.created = append(f.created, aws.ToString(in.Bucket))
	return &s3.CreateBucketOutput{}, nil
}

func (f *fakeBuckets) PutPublicAccessBlock(_ context.Context, in *s3.PutPublicAccessBlockInput, _ ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error) {
	f.blocked = append(f.blocked, aws.ToString(in.ExpectedBucketOwner))
	return &s3.PutPublicAccessBlockOutput{}, nil
}

// TestEnsureBucketOwner: the predictable artifact bucket is used only when
// the caller's account owns it.
func TestEnsureBucketOwner(t *testing.T) {
	ctx := context.Background()
	const me, other = "111111111111", "222222222222"
	bucket := ArtifactBucket(me, "eu-west-1")

	mine := &fakeBuckets{exists: true, owner: me}
	if created, err := EnsureBucket(ctx, mine, bucket, "eu-west-1", me); err != nil || created {
		t.Fatalf("own bucket: created %v, err %v", created, err)
	}
	if !slices.Equal(mine.heads, []string{me}) {
		t.Errorf("HeadBucket ExpectedBucketOwner %v, want [%s]", mine.heads, me)
	}

	theirs := &fakeBuckets{exists: true, owner: other}
	_, err := EnsureBucket(ctx, theirs, bucket, "eu-west-1", me)
	if !errors.Is(err, ErrBucketNotOwned) || !strings.Contains(err.Error(), "pass --s3-bucket with a bucket you own") || !strings.Contains(err.Error(), me) {
		t.Fatalf("another account's bucket: %v", err)
	}
	if len(theirs.created) != 0 {
		t.Error("created a bucket over another account's")
	}

	// Created by someone else between the head and the create.
	race := &fakeBuckets{exists: true, owner: other}
	if _, err := EnsureBucket(ctx, &racingBuckets{race}, bucket, "eu-west-1", me); !errors.Is(err, ErrBucketNotOwned) {
		t.Fatalf("bucket taken during the create: %v", err)
	}

	missing := &fakeBuckets{}
	if created, err := EnsureBucket(ctx, missing, bucket, "eu-west-1", me); err != nil || !created {
		t.Fatalf("missing bucket: created %v, err %v", created, err)
	}
	if !slices.Equal(missing.created, []string{bucket}) || !slices.Equal(missing.blocked, []string{me}) {
		t.Errorf("created %v, public access block owner %v", missing.created, missing.blocked)
	}
}

// racingBuckets says the bucket is missing on HeadBucket, then that it
// exists on CreateBucket.
type racingBuckets struct{ *fakeBuckets }

func (r *racingBuckets) HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	return nil, &s3types.NotFound{}
}

// TestPackageChecksumAndOwner: an object under the artifact's key is reused
// only when S3's SHA-256 checksum matches; every call names the owner.
func TestPackageChecksumAndOwner(t *testing.T) {
	ctx := context.Background()
	fs := &fakeS3{}
	opts := PackageOptions{Bucket: "bkt", Prefix: "p", BucketOwner: "111111111111", Parameters: map[string]string{"Architecture": "arm64"}}
	arts, err := Package(ctx, loadTemplate(t), fs, &fakeBuilder{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range fs.owners {
		if o != "111111111111" {
			t.Fatalf("a call without ExpectedBucketOwner: %v", fs.owners)
		}
	}
	// Same size, other bytes, under the same key (someone else put it
	// there, or an upload without a checksum): uploaded again.
	k := strings.TrimPrefix(arts[0].URI, "s3://")
	fs.objects[k] = make([]byte, len(fs.objects[k]))
	fs.checksums[k] = ""
	arts2, err := Package(ctx, loadTemplate(t), fs, &fakeBuilder{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !arts2[0].Uploaded || arts2[1].Uploaded {
		t.Fatalf("after replacing %s: %+v", k, arts2)
	}
	if fs.objects[k][0] != 'P' {
		t.Fatalf("the object was not replaced by the zip")
	}
}
