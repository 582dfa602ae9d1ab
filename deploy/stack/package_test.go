package stack

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestPackage packages template.yaml with a fake build: each function's
// CodeUri becomes the S3 object holding its zip, and a second run uploads
// nothing.
func TestPackage(t *testing.T) {
	tpl := loadTemplate(t)
	s3 := &fakeS3{}
	b := &fakeBuilder{}
	var progress bytes.Buffer
	arts, err := Package(context.Background(), tpl, s3, b, PackageOptions{Bucket: "bkt", Prefix: "otlpfwd", Parameters: map[string]string{"Architecture": "arm64"}, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(b.calls, []string{"export/lambda arm64", "ingest/lambda arm64"}) {
		t.Fatalf("builds %v", b.calls)
	}
	if len(arts) != 2 || len(s3.puts) != 2 {
		t.Fatalf("artifacts %+v, puts %v", arts, s3.puts)
	}
	for _, a := range arts {
		uri := Properties(tpl.Resources()[a.Resource])["CodeUri"]
		if uri != a.URI || !strings.HasPrefix(a.URI, "s3://bkt/otlpfwd/") || !strings.HasSuffix(a.URI, ".zip") || !a.Uploaded {
			t.Errorf("%s: CodeUri %v, artifact %+v", a.Resource, uri, a)
		}
		zipped := s3.objects[strings.TrimPrefix(a.URI, "s3://")]
		zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
		if err != nil {
			t.Fatal(err)
		}
		if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" || zr.File[0].Mode().Perm() != 0o755 {
			t.Fatalf("%s: the zip holds %v, want one executable named bootstrap", a.Resource, zr.File)
		}
		rc, _ := zr.File[0].Open()
		body, _ := io.ReadAll(rc)
		if !strings.Contains(string(body), a.Source) {
			t.Errorf("%s: bootstrap %q was not built from %s", a.Resource, body, a.Source)
		}
	}
	if !strings.Contains(progress.String(), "Building IngestFunction (ingest/lambda) for linux/arm64") {
		t.Errorf("progress %q", progress.String())
	}

	// Same code again: same keys, nothing uploaded.
	again := loadTemplate(t)
	arts2, err := Package(context.Background(), again, s3, &fakeBuilder{}, PackageOptions{Bucket: "bkt", Prefix: "otlpfwd", Parameters: map[string]string{"Architecture": "arm64"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range arts2 {
		if arts2[i].Uploaded || arts2[i].URI != arts[i].URI {
			t.Errorf("second run: %+v, first %+v", arts2[i], arts[i])
		}
	}
	if len(s3.puts) != 2 {
		t.Errorf("second run uploaded again: %v", s3.puts)
	}

	// An already packaged template is left alone.
	b3 := &fakeBuilder{}
	if arts3, err := Package(context.Background(), tpl, s3, b3, PackageOptions{Bucket: "bkt"}); err != nil || len(arts3) != 0 || len(b3.calls) != 0 {
		t.Errorf("repackaging: %v %v %v", arts3, b3.calls, err)
	}
}

func TestPackageArchitectureAndErrors(t *testing.T) {
	ctx := context.Background()
	b := &fakeBuilder{}
	if _, err := Package(ctx, loadTemplate(t), &fakeS3{}, b, PackageOptions{Bucket: "bkt", Parameters: map[string]string{"Architecture": "x86_64"}}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(b.calls, []string{"export/lambda amd64", "ingest/lambda amd64"}) {
		t.Errorf("x86_64 builds %v", b.calls)
	}
	for name, c := range map[string]struct {
		opts  PackageOptions
		build func(string, string) error
		want  string
	}{
		"no bucket":  {PackageOptions{Parameters: map[string]string{"Architecture": "arm64"}}, nil, "--s3-bucket"},
		"bad arch":   {PackageOptions{Bucket: "b", Parameters: map[string]string{"Architecture": "mips"}}, nil, `"mips": Lambda takes arm64 or x86_64`},
		"no param":   {PackageOptions{Bucket: "b"}, nil, "!Ref Architecture: no such parameter"},
		"build fail": {PackageOptions{Bucket: "b", Parameters: map[string]string{"Architecture": "arm64"}}, func(string, string) error { return errors.New("compile error") }, "package ExportFunction: compile error"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Package(ctx, loadTemplate(t), &fakeS3{}, &fakeBuilder{BuildFn: c.build}, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want %q", err, c.want)
			}
		})
	}
}

func TestPackageRejects(t *testing.T) {
	for name, c := range map[string]struct{ doc, want string }{
		"other build method": {"Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Metadata: {BuildMethod: makefile}\n    Properties: {CodeUri: testdata/hello, Runtime: provided.al2023}", "BuildMethod makefile"},
		"managed runtime":    {"Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: testdata/hello, Runtime: python3.12}", `Runtime "python3.12"`},
		"no Go files":        {"Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: testdata, Runtime: provided.al2023}", "holds no Go files"},
	} {
		t.Run(name, func(t *testing.T) {
			tpl, err := Parse([]byte(c.doc))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Package(context.Background(), tpl, &fakeS3{}, &fakeBuilder{}, PackageOptions{Bucket: "b"}); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want %q", err, c.want)
			}
		})
	}
}

// TestGoBuilder compiles a small main package the way deploy builds the
// bootstraps and checks the result is a static Linux arm64 executable.
func TestGoBuilder(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles for linux/arm64 (skipped with -short)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out := filepath.Join(t.TempDir(), "bootstrap")
	dir, _ := filepath.Abs("testdata/hello")
	if err := (GoBuilder{}).Build(ctx, dir, "arm64", out); err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.OSABI != elf.ELFOSABI_NONE {
		t.Errorf("machine %v, OS ABI %v: want a Linux arm64 executable", f.Machine, f.OSABI)
	}
	if interp := f.Section(".interp"); interp != nil {
		t.Error("the executable is dynamically linked (CGO_ENABLED=0 missing?)")
	}
	if sym := f.Section(".symtab"); sym != nil {
		t.Error("the executable has a symbol table (-ldflags -s missing?)")
	}
	// Reproducible: the same source gives the same zip.
	out2 := filepath.Join(t.TempDir(), "bootstrap")
	if err := (GoBuilder{}).Build(ctx, dir, "arm64", out2); err != nil {
		t.Fatal(err)
	}
	z1, _ := zipBootstrap(out)
	z2, _ := zipBootstrap(out2)
	if !bytes.Equal(z1, z2) {
		t.Error("two builds of the same source gave different zips: unchanged code would be redeployed")
	}
	// A compile error names the folder and quotes the compiler.
	err = (GoBuilder{}).Build(ctx, t.TempDir(), "arm64", out)
	if err == nil || !strings.Contains(err.Error(), "GOOS=linux GOARCH=arm64") {
		t.Errorf("building an empty folder: %v", err)
	}
}
