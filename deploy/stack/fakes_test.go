package stack

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// fakeS3 keeps objects in memory.
type fakeS3 struct {
	mu        sync.Mutex
	objects   map[string][]byte // bucket/key -> bytes
	checksums map[string]string // bucket/key -> ChecksumSHA256 given on upload
	puts      []string
	// owners lists the ExpectedBucketOwner of every call ("" when unset).
	owners []string
}

var _ S3API = (*fakeS3)(nil)

func (f *fakeS3) HeadObject(_ context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.owners = append(f.owners, aws.ToString(in.ExpectedBucketOwner))
	k := aws.ToString(in.Bucket) + "/" + aws.ToString(in.Key)
	b, ok := f.objects[k]
	if !ok {
		return nil, &s3types.NotFound{}
	}
	out := &s3.HeadObjectOutput{ContentLength: aws.Int64(int64(len(b)))}
	if in.ChecksumMode == s3types.ChecksumModeEnabled && f.checksums[k] != "" {
		out.ChecksumSHA256 = aws.String(f.checksums[k])
	}
	return out, nil
}

func (f *fakeS3) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	b, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.objects == nil {
		f.objects, f.checksums = map[string][]byte{}, map[string]string{}
	}
	f.owners = append(f.owners, aws.ToString(in.ExpectedBucketOwner))
	k := aws.ToString(in.Bucket) + "/" + aws.ToString(in.Key)
	sum := sha256.Sum256(b)
	if c := aws.ToString(in.ChecksumSHA256); c != "" && c != base64.StdEncoding.EncodeToString(sum[:]) {
		return nil, fmt.Errorf("BadDigest: the checksum given does not match the body")
	}
	f.objects[k] = b
	f.checksums[k] = aws.ToString(in.ChecksumSHA256)
	f.puts = append(f.puts, k)
	return &s3.PutObjectOutput{}, nil
}

// fakeBuilder writes a stand-in executable naming the folder and arch.
type fakeBuilder struct {
	BuildFn func(dir, goarch string) error
	calls   []string
}

var _ Builder = (*fakeBuilder)(nil)

func (b *fakeBuilder) Build(_ context.Context, dir, goarch, out string) error {
	b.calls = append(b.calls, filepath.Base(filepath.Dir(dir))+"/"+filepath.Base(dir)+" "+goarch)
	if b.BuildFn != nil {
		if err := b.BuildFn(dir, goarch); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(out, []byte("#!fake "+dir+" "+goarch), 0o755)
}

// fakeCFN answers with the ...Fn fields and records the calls.
type fakeCFN struct {
	DescribeStacksFn      func(*cloudformation.DescribeStacksInput) (*cloudformation.DescribeStacksOutput, error)
	DescribeStackEventsFn func(*cloudformation.DescribeStackEventsInput) (*cloudformation.DescribeStackEventsOutput, error)
	CreateChangeSetFn     func(*cloudformation.CreateChangeSetInput) (*cloudformation.CreateChangeSetOutput, error)
	DescribeChangeSetFn   func(*cloudformation.DescribeChangeSetInput) (*cloudformation.DescribeChangeSetOutput, error)
	ExecuteChangeSetFn    func(*cloudformation.ExecuteChangeSetInput) (*cloudformation.ExecuteChangeSetOutput, error)
	DeleteChangeSetFn     func(*cloudformation.DeleteChangeSetInput) (*cloudformation.DeleteChangeSetOutput, error)
	DeleteStackFn         func(*cloudformation.DeleteStackInput) (*cloudformation.DeleteStackOutput, error)
	calls                 []string
	created               *cloudformation.CreateChangeSetInput
}

var _ CloudFormationAPI = (*fakeCFN)(nil)

func (f *fakeCFN) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	f.calls = append(f.calls, "DescribeStacks")
	if f.DescribeStacksFn == nil {
		return nil, noStackErr(aws.ToString(in.StackName))
	}
	return f.DescribeStacksFn(in)
}

func (f *fakeCFN) DescribeStackEvents(_ context.Context, in *cloudformation.DescribeStackEventsInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error) {
	f.calls = append(f.calls, "DescribeStackEvents")
	if f.DescribeStackEventsFn == nil {
		return &cloudformation.DescribeStackEventsOutput{}, nil
	}
	return f.DescribeStackEventsFn(in)
}

func (f *fakeCFN) CreateChangeSet(_ context.Context, in *cloudformation.CreateChangeSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.CreateChangeSetOutput, error) {
	f.calls = append(f.calls, "CreateChangeSet")
	f.created = in
	if f.CreateChangeSetFn == nil {
		return &cloudformation.CreateChangeSetOutput{Id: aws.String("cs-arn"), StackId: aws.String("stack-arn")}, nil
	}
	return f.CreateChangeSetFn(in)
}

func (f *fakeCFN) DescribeChangeSet(_ context.Context, in *cloudformation.DescribeChangeSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeChangeSetOutput, error) {
	f.calls = append(f.calls, "DescribeChangeSet")
	return f.DescribeChangeSetFn(in)
}

func (f *fakeCFN) ExecuteChangeSet(_ context.Context, in *cloudformation.ExecuteChangeSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.ExecuteChangeSetOutput, error) {
	f.calls = append(f.calls, "ExecuteChangeSet")
	if f.ExecuteChangeSetFn == nil {
		return &cloudformation.ExecuteChangeSetOutput{}, nil
	}
	return f.ExecuteChangeSetFn(in)
}

func (f *fakeCFN) DeleteChangeSet(_ context.Context, in *cloudformation.DeleteChangeSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.DeleteChangeSetOutput, error) {
	f.calls = append(f.calls, "DeleteChangeSet")
	if f.DeleteChangeSetFn == nil {
		return &cloudformation.DeleteChangeSetOutput{}, nil
	}
	return f.DeleteChangeSetFn(in)
}

func (f *fakeCFN) DeleteStack(_ context.Context, in *cloudformation.DeleteStackInput, _ ...func(*cloudformation.Options)) (*cloudformation.DeleteStackOutput, error) {
	f.calls = append(f.calls, "DeleteStack:"+aws.ToString(in.StackName))
	if f.DeleteStackFn == nil {
		return &cloudformation.DeleteStackOutput{}, nil
	}
	return f.DeleteStackFn(in)
}

// noStackErr is CloudFormation's answer for a missing stack.
func noStackErr(name string) error {
	return &smithy.GenericAPIError{Code: "ValidationError", Message: fmt.Sprintf("Stack with id %s does not exist", name)}
}
