package toolchain

import (
	"context"
	"fmt"
	"path/filepath"
)

// The emulator has no usable tags (plain tags are refused by the module
// proxy), so it is pinned to a pseudo-version.
const (
	riePackage = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"
	rieVersion = "v0.0.0-20261030222936-bef5c4ba774d"
	rieBinary  = "aws-lambda-rie"
)

// EnsureRIE returns the path of the AWS Lambda Runtime Interface Emulator,
// installing it with go install into CacheDir()/rie/VERSION on first use.
func EnsureRIE(ctx context.Context, opts Options) (string, error) {
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	path, err := goInstall(ctx, opts, filepath.Join(cache, "rie", rieVersion), rieBinary, riePackage+"@"+rieVersion)
	if err != nil {
		return "", fmt.Errorf("install the Lambda Runtime Interface Emulator: %w", err)
	}
	return path, nil
}

// goInstall caches `go install pkgAtVersion` in dir.
func goInstall(ctx context.Context, opts Options, dir, bin, pkgAtVersion string) (string, error) {
	return ensure(ctx, dir, bin, func(tmp string) error {
		gt, err := findGo(ctx)
		if err != nil {
			return err
		}
		env := []string{"GOBIN=" + tmp, "GOWORK=off"}
		if err := run(ctx, opts.progress(), tmp, env, gt.path, "install", pkgAtVersion); err != nil {
			return fmt.Errorf("%w\ncheck that the Go module proxy is reachable (GOPROXY)", err)
		}
		return nil
	})
}
