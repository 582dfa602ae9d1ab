package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/spf13/cobra"

	"github.com/otlpfwd/otlpfwd/deploy/stack"
	"github.com/otlpfwd/otlpfwd/deploy/svc/svctest"
)

const templateFile = "../../template.yaml"

// TestDeployUsage checks that wrong flags exit 2 with a message naming the
// fix, before any AWS call.
func TestDeployUsage(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no bucket", []string{"--yes"}, "pass --s3-bucket NAME, or --resolve-s3"},
		{"two buckets", []string{"--yes", "--s3-bucket", "b", "--resolve-s3"}, "--s3-bucket and --resolve-s3 both given"},
		{"bad output", []string{"--yes", "--s3-bucket", "b", "-o", "yaml"}, `--output "yaml": want table or json`},
		{"bad stack name", []string{"--yes", "--s3-bucket", "b", "--stack-name", "1-bad_name"}, "--stack-name \"1-bad_name\""},
		{"long stack name", []string{"--yes", "--s3-bucket", "b", "--stack-name", strings.Repeat("a", 58)}, "1 to 57 letters"},
		{"no terminal, no --yes", []string{"--s3-bucket", "b"}, "refusing to deploy without confirmation: the input is not a terminal; pass --yes"},
		{"moto without endpoint", []string{"--yes", "--s3-bucket", "b", "--moto"}, "--moto needs --endpoint-url"},
		{"unknown parameter", []string{"--yes", "--s3-bucket", "b", "-t", templateFile, "--parameter-overrides", "RawShards=2"}, "the template has no parameter RawShards; it has AccountSubscriptionFilterPattern"},
		{"bad override", []string{"--yes", "--s3-bucket", "b", "--parameter-overrides", "RawShardCount"}, `"RawShardCount": want Key=Value`},
		{"bad tag", []string{"--yes", "--s3-bucket", "b", "--tags", "team"}, `--tags "team": want Key=Value`},
		{"argument", []string{"--yes", "--s3-bucket", "b", "extra"}, "unknown command"},
		{"unknown flag", []string{"--stack"}, "unknown flag: --stack"},
		{"every problem at once", []string{"-o", "x", "--stack-name", "-"}, "--output \"x\""},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := run(t, nil, append([]string{"deploy"}, c.args...)...)
			if code != ExitUsage || !strings.Contains(stderr, c.want) || stdout != "" {
				t.Fatalf("exit %d, stderr %q, stdout %q; want exit 2 and %q", code, stderr, stdout, c.want)
			}
		})
	}
	// Every problem is listed at once.
	_, _, stderr := run(t, nil, "deploy", "-o", "x", "--stack-name", "-")
	for _, w := range []string{"--output", "--stack-name", "no S3 bucket", "refusing to deploy"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q lacks %q", stderr, w)
		}
	}
}

func TestDeployHelp(t *testing.T) {
	code, stdout, _ := run(t, nil, "deploy", "--help")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, w := range []string{"--dry-run", "--parameter-overrides", "--resolve-s3", "--endpoint-url", "--moto", "Exit status", "otlpfwd deploy --resolve-s3"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("help lacks %q", w)
		}
	}
}

// builderFunc adapts a function to stack.Builder.
type builderFunc func(dir, goarch, out string) error

func (f builderFunc) Build(_ context.Context, dir, goarch, out string) error {
	return f(dir, goarch, out)
}

// fakeBuild writes a small stand-in bootstrap naming its source.
func fakeBuild(dir, goarch, out string) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(out, []byte(filepath.Base(filepath.Dir(dir))+" "+goarch), 0o755)
}

// motoDeploy runs otlpfwd deploy against a moto server with a fake build,
// terminal answers from stdin when interactive.
type motoDeploy struct {
	t           *testing.T
	url         string
	cfg         aws.Config
	interactive bool
}

func newMotoDeploy(t *testing.T) *motoDeploy {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m := svctest.Moto(t)
	// The command reads credentials the usual way: give it moto's.
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg.BaseEndpoint = aws.String(m.URL())
	return &motoDeploy{t: t, url: m.URL(), cfg: cfg}
}

func (d *motoDeploy) run(stdin string, args ...string) (int, string, string) {
	d.t.Helper()
	var out, errOut bytes.Buffer
	std := IO{In: strings.NewReader(stdin), Out: &out, Err: &errOut}
	root := &cobra.Command{Use: "otlpfwd", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(newDeployCmdWith(std, deployDeps{
		loadAWS:      loadAWS,
		builder:      builderFunc(fakeBuild),
		pollInterval: 10 * time.Millisecond,
		isTerminal:   func(io.Reader) bool { return d.interactive },
	}))
	root.SetArgs(append([]string{"deploy", "--endpoint-url", d.url, "--moto", "-t", templateFile}, args...))
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.ExecuteContext(context.Background())
	switch {
	case err == nil:
		return ExitOK, out.String(), errOut.String()
	case errors.As(err, new(usageError)):
		return ExitUsage, out.String(), errOut.String() + err.Error()
	default:
		return ExitError, out.String(), errOut.String() + err.Error()
	}
}

func (d *motoDeploy) stackExists(name string) bool {
	d.t.Helper()
	_, err := stack.Describe(context.Background(), cloudformation.NewFromConfig(d.cfg), name)
	if err != nil && !errors.Is(err, stack.ErrNoStack) {
		d.t.Fatal(err)
	}
	return err == nil
}

// changeSets counts the change sets waiting on the stack (moto keeps
// executed ones listed, where CloudFormation removes them).
func (d *motoDeploy) changeSets(name string) int {
	d.t.Helper()
	out, err := cloudformation.NewFromConfig(d.cfg).ListChangeSets(context.Background(), &cloudformation.ListChangeSetsInput{StackName: aws.String(name)})
	if err != nil {
		d.t.Fatal(err)
	}
	n := 0
	for _, s := range out.Summaries {
		if s.ExecutionStatus != cfntypes.ExecutionStatusExecuteComplete {
			n++
		}
	}
	return n
}

// TestDeployMotoFlow drives otlpfwd deploy against moto: a dry run with
// --resolve-s3 uploads the code and leaves no stack or change set, a
// declined prompt deploys nothing, an accepted one creates the stack, and
// a dry run of an update leaves the stack as it was.
func TestDeployMotoFlow(t *testing.T) {
	d := newMotoDeploy(t)
	ctx := context.Background()

	code, stdout, stderr := d.run("", "--resolve-s3", "--dry-run", "--parameter-overrides", "RawShardCount=2 LogLevel=debug")
	if code != ExitOK {
		t.Fatalf("dry run: exit %d\n%s", code, stderr)
	}
	for _, w := range []string{"(CREATE) for stack otlpfwd", "Add     RawStream", "AWS::Lambda::EventSourceMapping", "RawShardCount", "Dry run: the change set was deleted"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("dry run output lacks %q:\n%s", w, stdout)
		}
	}
	for _, w := range []string{"Created S3 bucket otlpfwd-artifacts-123456789012-us-east-1", "Uploaded IngestFunction", "left out IngestIteratorAgeAlarm"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("dry run progress lacks %q:\n%s", w, stderr)
		}
	}
	if d.stackExists("otlpfwd") || d.changeSets("otlpfwd") != 0 {
		t.Fatal("the dry run left a stack or a change set")
	}
	objs, err := s3.NewFromConfig(d.cfg, func(o *s3.Options) { o.UsePathStyle = true }).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("otlpfwd-artifacts-123456789012-us-east-1")})
	if err != nil || len(objs.Contents) != 2 || !strings.HasPrefix(aws.ToString(objs.Contents[0].Key), "otlpfwd/") {
		t.Fatalf("artifacts: %v %v", objs, err)
	}

	// With -o json the prompt still shows the change set (on stderr).
	d.interactive = true
	code, stdout, stderr = d.run("n\n", "--resolve-s3", "-o", "json")
	if code != ExitError || !strings.Contains(stderr, "Deploy this change set to stack otlpfwd? [y/N]") || !strings.Contains(stderr, "not deployed: the change set was declined and deleted") {
		t.Fatalf("declined: exit %d\n%s", code, stderr)
	}
	if plan, _, _ := strings.Cut(stderr, "Deploy this change set"); !strings.Contains(plan, "Add     RawStream") || !strings.Contains(plan, "(CREATE) for stack otlpfwd") || stdout != "" {
		t.Fatalf("declined with -o json: the prompt came without the change set, or stdout has %q:\n%s", stdout, stderr)
	}
	if d.stackExists("otlpfwd") || d.changeSets("otlpfwd") != 0 {
		t.Fatal("declining left a stack or a change set")
	}

	code, stdout, stderr = d.run("y\n", "--resolve-s3", "-o", "json", "--parameter-overrides", "RawShardCount=2", "--tags", "team=obs")
	if code != ExitOK {
		t.Fatalf("deploy: exit %d\n%s", code, stderr)
	}
	var res struct {
		Executed  bool `json:"executed"`
		ChangeSet struct {
			Type      string           `json:"type"`
			Changes   []stack.Change   `json:"changes"`
			Artifacts []stack.Artifact `json:"artifacts"`
		} `json:"change_set"`
		Stack struct {
			Status string `json:"status"`
		} `json:"stack"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, stdout)
	}
	if !res.Executed || res.ChangeSet.Type != "CREATE" || len(res.ChangeSet.Changes) != 15 || len(res.ChangeSet.Artifacts) != 2 || res.Stack.Status != "CREATE_COMPLETE" {
		t.Errorf("result %+v", res)
	}
	if !strings.Contains(stderr, "CREATE_COMPLETE") {
		t.Errorf("no stack events in the progress:\n%s", stderr)
	}
	s, err := kinesis.NewFromConfig(d.cfg).DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("otlpfwd-raw")})
	if err != nil || aws.ToInt32(s.StreamDescriptionSummary.OpenShardCount) != 2 {
		t.Fatalf("raw stream: %v %v", s, err)
	}

	d.interactive = false
	code, stdout, stderr = d.run("", "--resolve-s3", "--dry-run", "--parameter-overrides", "LogLevel=warn")
	if code != ExitOK || !strings.Contains(stdout, "(UPDATE) for stack otlpfwd") || !strings.Contains(stdout, "LogLevel") {
		t.Fatalf("update dry run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !d.stackExists("otlpfwd") || d.changeSets("otlpfwd") != 0 {
		t.Fatal("the update dry run removed the stack or left its change set")
	}
}
