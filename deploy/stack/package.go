package stack

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// Artifact is one function's uploaded code.
type Artifact struct {
	// Resource is the function's logical id.
	Resource string `json:"resource"`
	// Source is the CodeUri folder as the template wrote it.
	Source string `json:"source"`
	// GOARCH the bootstrap was built for.
	GOARCH string `json:"goarch"`
	// URI is s3://bucket/key, what CodeUri now says.
	URI string `json:"uri"`
	// Bytes is the zip's size.
	Bytes int `json:"bytes"`
	// Uploaded is false when the same object was already in the bucket.
	Uploaded bool `json:"uploaded"`
}

// PackageOptions says where artifacts go.
type PackageOptions struct {
	// Bucket receives the zips. Required.
	Bucket string
	// Prefix starts every key ("" for none; usually the stack name).
	Prefix string
	// BucketOwner, when set, is the account id that must own Bucket:
	// every S3 call says so (ExpectedBucketOwner), and S3 refuses it for a
	// bucket another account owns.
	BucketOwner string
	// Parameters resolve !Ref in a function's Architectures.
	Parameters map[string]string
	// Progress receives one line per step; nil discards.
	Progress io.Writer
}

// Package builds every AWS::Serverless::Function whose CodeUri is a local
// folder (Metadata BuildMethod go1.x, or none), zips each bootstrap, puts it
// in S3 under a key made of its SHA-256 (skipping an object already there
// whose SHA-256 checksum, as S3 computed it, is the same),
// and rewrites CodeUri in t to the s3:// URI, like `aws cloudformation
// package`. It returns the artifacts sorted by resource.
func Package(ctx context.Context, t *Template, api S3API, b Builder, opts PackageOptions) ([]Artifact, error) {
	if opts.Bucket == "" {
		return nil, errors.New("package: no S3 bucket: pass --s3-bucket NAME or --resolve-s3")
	}
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	names := make([]string, 0)
	resources := t.Resources()
	for name, r := range resources {
		if Type(r) == "AWS::Serverless::Function" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	tmp, err := os.MkdirTemp("", "otlpfwd-package-")
	if err != nil {
		return nil, fmt.Errorf("package: %w", err)
	}
	defer os.RemoveAll(tmp)
	var arts []Artifact
	for _, name := range names {
		r := resources[name]
		props := Properties(r)
		codeURI, ok := props["CodeUri"].(string)
		if !ok || strings.HasPrefix(codeURI, "s3://") {
			continue // already packaged, or an S3 location given as a map
		}
		if err := checkBuildMethod(name, r); err != nil {
			return nil, err
		}
		arch, err := functionArch(props, opts.Parameters)
		if err != nil {
			return nil, fmt.Errorf("package %s: %w", name, err)
		}
		dir, err := absDir(t.Dir, codeURI)
		if err != nil {
			return nil, fmt.Errorf("package %s: %w", name, err)
		}
		out := filepath.Join(tmp, name, "bootstrap")
		fmt.Fprintf(progress, "Building %s (%s) for linux/%s\n", name, codeURI, arch)
		if err := b.Build(ctx, dir, arch, out); err != nil {
			return nil, fmt.Errorf("package %s: %w", name, err)
		}
		zipped, err := zipBootstrap(out)
		if err != nil {
			return nil, fmt.Errorf("package %s: %w", name, err)
		}
		sum := sha256.Sum256(zipped)
		key := path.Join(opts.Prefix, hex.EncodeToString(sum[:])+".zip")
		uploaded, err := upload(ctx, api, opts.Bucket, opts.BucketOwner, key, zipped)
		if err != nil {
			return nil, fmt.Errorf("package %s: %w", name, err)
		}
		uri := "s3://" + opts.Bucket + "/" + key
		verb := "Uploaded"
		if !uploaded {
			verb = "Unchanged, already in S3:"
		}
		fmt.Fprintf(progress, "%s %s (%d KiB) %s\n", verb, name, (len(zipped)+1023)/1024, uri)
		props["CodeUri"] = uri
		arts = append(arts, Artifact{Resource: name, Source: codeURI, GOARCH: arch, URI: uri, Bytes: len(zipped), Uploaded: uploaded})
	}
	return arts, nil
}

// checkBuildMethod accepts functions this package knows how to build.
func checkBuildMethod(name string, r map[string]any) error {
	md, _ := r["Metadata"].(map[string]any)
	method, _ := md["BuildMethod"].(string)
	if method != "" && method != "go1.x" {
		return fmt.Errorf("package %s: BuildMethod %s: otlpfwd deploy builds Go functions (go1.x) only; use sam build for others", name, method)
	}
	rt, _ := Properties(r)["Runtime"].(string)
	if !strings.HasPrefix(rt, "provided.") {
		return fmt.Errorf("package %s: Runtime %q: a Go bootstrap needs a provided.* runtime (provided.al2023)", name, rt)
	}
	return nil
}

// functionArch returns the GOARCH for a function's Architectures (a literal
// or a !Ref to a parameter; default x86_64, as Lambda's).
func functionArch(props map[string]any, params map[string]string) (string, error) {
	archs, _ := props["Architectures"].([]any)
	if len(archs) == 0 {
		return goarch("x86_64")
	}
	if len(archs) > 1 {
		return "", errors.New("Architectures: Lambda takes exactly one")
	}
	switch a := archs[0].(type) {
	case string:
		return goarch(a)
	case map[string]any:
		ref, ok := a["Ref"].(string)
		if !ok {
			return "", fmt.Errorf("Architectures: %v: want a literal or a !Ref to a parameter", a)
		}
		v, ok := params[ref]
		if !ok {
			return "", fmt.Errorf("Architectures: !Ref %s: no such parameter", ref)
		}
		return goarch(v)
	}
	return "", fmt.Errorf("Architectures: %v: want a literal or a !Ref to a parameter", archs[0])
}

// upload puts data at bucket/key unless the object there already has
// data's SHA-256 checksum (the key is the content's hash, but a key says
// nothing of what an object under it holds: only S3's own checksum, which
// it verifies on upload, does). It reports whether it uploaded. owner, when
// set, is the account that must own the bucket.
func upload(ctx context.Context, api S3API, bucket, owner, key string, data []byte) (bool, error) {
	sum := sha256.Sum256(data)
	checksum := base64.StdEncoding.EncodeToString(sum[:])
	head, err := api.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key),
		ExpectedBucketOwner: optional(owner), ChecksumMode: s3types.ChecksumModeEnabled,
	})
	if err == nil && aws.ToString(head.ChecksumSHA256) == checksum && aws.ToInt64(head.ContentLength) == int64(len(data)) {
		return false, nil
	}
	if err != nil && !isNotFound(err) {
		if isForbidden(err) && owner != "" {
			return false, fmt.Errorf("head s3://%s/%s: %w (is the bucket owned by account %s?)", bucket, key, err, owner)
		}
		return false, fmt.Errorf("head s3://%s/%s: %w", bucket, key, err)
	}
	if err := putObject(ctx, api, bucket, owner, key, "application/zip", data, checksum); err != nil {
		return false, fmt.Errorf("upload s3://%s/%s: %w", bucket, key, err)
	}
	return true, nil
}

// putObject uploads data with its SHA-256 checksum, which S3 verifies and
// keeps (HeadObject returns it with ChecksumMode ENABLED).
func putObject(ctx context.Context, api S3API, bucket, owner, key, contentType string, data []byte, checksum string) error {
	if checksum == "" {
		sum := sha256.Sum256(data)
		checksum = base64.StdEncoding.EncodeToString(sum[:])
	}
	_, err := api.PutObject(ctx, &s3.PutObjectInput{
		Bucket:              aws.String(bucket),
		Key:                 aws.String(key),
		Body:                bytes.NewReader(data),
		ContentLength:       aws.Int64(int64(len(data))),
		ContentType:         aws.String(contentType),
		ChecksumAlgorithm:   s3types.ChecksumAlgorithmSha256,
		ChecksumSHA256:      aws.String(checksum),
		ExpectedBucketOwner: optional(owner),
	})
	return err
}

// isNotFound reports a missing S3 object or bucket.
func isNotFound(err error) bool {
	var nf *s3types.NotFound
	var nsk *s3types.NoSuchKey
	if errors.As(err, &nf) || errors.As(err, &nsk) {
		return true
	}
	var api smithy.APIError
	return errors.As(err, &api) && (api.ErrorCode() == "NotFound" || api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "404")
}
