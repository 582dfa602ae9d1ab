package secrets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

type fakeSM struct {
	ListSecretsFn    func(in *secretsmanager.ListSecretsInput) (*secretsmanager.ListSecretsOutput, error)
	GetSecretValueFn func(in *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error)

	mu        sync.Mutex
	listCalls []*secretsmanager.ListSecretsInput
	getCalls  []string // SecretId of each call
}

var _ API = (*fakeSM)(nil)

func (f *fakeSM) ListSecrets(_ context.Context, in *secretsmanager.ListSecretsInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.ListSecretsOutput, error) {
	f.mu.Lock()
	cp := *in
	f.listCalls = append(f.listCalls, &cp)
	f.mu.Unlock()
	return f.ListSecretsFn(in)
}

func (f *fakeSM) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.mu.Lock()
	f.getCalls = append(f.getCalls, aws.ToString(in.SecretId))
	f.mu.Unlock()
	return f.GetSecretValueFn(in)
}

const prefix = "otlpfwd/collectors/"

func arn(name string) string {
	return "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + name + "-AbCdEf"
}

// store serves ListSecrets in pages of pageSize over the names (in the
// order given) and GetSecretValue from values, by ARN.
func store(pageSize int, names []string, values map[string]string) *fakeSM {
	return &fakeSM{
		ListSecretsFn: func(in *secretsmanager.ListSecretsInput) (*secretsmanager.ListSecretsOutput, error) {
			start := 0
			if in.NextToken != nil {
				fmt.Sscanf(*in.NextToken, "page-%d", &start)
			}
			end := min(start+pageSize, len(names))
			out := &secretsmanager.ListSecretsOutput{}
			for _, n := range names[start:end] {
				out.SecretList = append(out.SecretList, types.SecretListEntry{Name: aws.String(n), ARN: aws.String(arn(n))})
			}
			if end < len(names) {
				out.NextToken = aws.String(fmt.Sprintf("page-%d", end))
			}
			return out, nil
		},
		GetSecretValueFn: func(in *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error) {
			for n, v := range values {
				if arn(n) == *in.SecretId {
					return &secretsmanager.GetSecretValueOutput{Name: aws.String(n), SecretString: aws.String(v)}, nil
				}
			}
			return nil, &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}
		},
	}
}

func TestCollectorsPaginatesAndParses(t *testing.T) {
	values := map[string]string{
		prefix + "honeycomb":  `{"endpoint": "https://api.honeycomb.io", "headers": {"x-honeycomb-team": "hc-key"}, "signals": ["traces"]}`,
		prefix + "local":      "endpoint: http://127.0.0.1:4318\ntimeout: 2s\n",
		prefix + "renamed":    `{"name": "grafana", "endpoint": "https://otlp.grafana.example"}`,
		prefix + "off":        "{endpoint: 'https://off', disabled: true}",
		"otlpfwd/collectorsX": `{"endpoint": "https://not-ours"}`, // a looser filter's extra: not under the prefix
	}
	for i := range 7 {
		values[fmt.Sprintf("%sbulk-%02d", prefix, i)] = fmt.Sprintf(`{"endpoint": "https://bulk-%d.example"}`, i)
	}
	var names []string
	for n := range values {
		names = append(names, n)
	}
	slices.Sort(names)
	slices.Reverse(names) // the service's order is not name order
	f := store(3, names, values)
	src, err := NewSource(f, prefix, Options{Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := src.Collectors(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	// Every page was read, with the name filter and the previous token.
	if len(f.listCalls) != 4 {
		t.Fatalf("ListSecrets called %d times, want 4 (12 secrets, pages of 3)", len(f.listCalls))
	}
	for i, in := range f.listCalls {
		if len(in.Filters) != 1 || in.Filters[0].Key != types.FilterNameStringTypeName || !slices.Equal(in.Filters[0].Values, []string{prefix}) {
			t.Fatalf("call %d filters = %+v", i, in.Filters)
		}
		if want := i > 0; (in.NextToken != nil) != want {
			t.Fatalf("call %d NextToken = %v", i, in.NextToken)
		}
	}
	// Each secret under the prefix was read once, by ARN.
	slices.Sort(f.getCalls)
	if len(f.getCalls) != 11 || slices.Contains(f.getCalls, arn("otlpfwd/collectorsX")) {
		t.Fatalf("GetSecretValue calls = %v", f.getCalls)
	}

	var got []string
	for _, c := range cs {
		got = append(got, c.Name)
	}
	want := []string{"bulk-00", "bulk-01", "bulk-02", "bulk-03", "bulk-04", "bulk-05", "bulk-06", "honeycomb", "local", "off", "grafana"}
	if !slices.Equal(got, want) {
		t.Fatalf("names = %v, want %v (secret name order; name defaults to the part after the prefix)", got, want)
	}
	hc := cs[7]
	if hc.Headers["x-honeycomb-team"] != "hc-key" || !slices.Equal(hc.Signals, route.Signals{otlp.Traces}) || hc.Compression != route.CompressionGzip {
		t.Fatalf("honeycomb = %+v", hc)
	}
	if cs[8].Timeout != 2*time.Second || !cs[9].Disabled {
		t.Fatalf("local, off = %+v, %+v", cs[8], cs[9])
	}
	if _, err := route.NewTable(cs); err != nil {
		t.Fatalf("the collectors do not make a table: %v", err)
	}
}

func TestBadSecretsAreNamedNotQuoted(t *testing.T) {
	values := map[string]string{
		prefix + "good":     `{"endpoint": "https://good"}`,
		prefix + "badjson":  `{"endpoint": "https://x", "headers": {"authorization": "Bearer TOPSECRET-1"}`,
		prefix + "badfield": `{"endpoint": "https://x", "headers": {"authorization": "Bearer TOPSECRET-2"}, "timeout": 30, "colour": "TOPSECRET-3"}`,
		prefix + "list":     `[{"endpoint": "https://x", "headers": {"k": "TOPSECRET-4"}}]`,
		prefix + "bad/name": `{"endpoint": "https://x"}`,
		prefix + "dup":      `{"name": "good", "endpoint": "https://x"}`,
		prefix + "empty":    ``,
	}
	var names []string
	for n := range values {
		names = append(names, n)
	}
	slices.Sort(names)
	src, err := NewSource(store(100, names, values), prefix, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := src.Collectors(context.Background())
	if err == nil {
		t.Fatalf("no error; got %v", cs)
	}
	msg := err.Error()
	for _, want := range []string{
		`secret "otlpfwd/collectors/badjson": collector config: JSON ends before the value is complete`,
		`secret "otlpfwd/collectors/badfield": collector "badfield": timeout: 30 is a bare number`,
		`secret "otlpfwd/collectors/badfield": collector "badfield": colour: unknown field`,
		`secret "otlpfwd/collectors/list": collector "list": want an object`,
		`secret "otlpfwd/collectors/bad/name": collector "bad/name": name: "bad/name": use 1 to 64 characters`,
		`secret "otlpfwd/collectors/good": collector name "good" is already used by secret "otlpfwd/collectors/dup"`,
		`secret "otlpfwd/collectors/empty": the value is empty`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "TOPSECRET") || strings.Contains(msg, "Bearer") {
		t.Fatalf("error quotes a secret value:\n%s", msg)
	}
	var fe *route.FieldError
	if !errors.As(err, &fe) {
		t.Fatal("FieldErrors are not reachable with errors.As")
	}
}

func TestListAndGetErrors(t *testing.T) {
	ctx := context.Background()
	denied := errors.New("operation error Secrets Manager: ListSecrets, AccessDeniedException: not authorized")
	f := &fakeSM{ListSecretsFn: func(*secretsmanager.ListSecretsInput) (*secretsmanager.ListSecretsOutput, error) { return nil, denied }}
	src, _ := NewSource(f, prefix, Options{})
	if _, err := src.Collectors(ctx); !errors.Is(err, denied) || !strings.Contains(err.Error(), "list secrets named otlpfwd/collectors/* (page 1)") {
		t.Fatalf("list error: %v", err)
	}

	// No secrets at all is an error: an empty routing table would drop
	// everything.
	src, _ = NewSource(store(10, nil, nil), prefix, Options{})
	if _, err := src.Collectors(ctx); err == nil || !strings.Contains(err.Error(), "no secrets named otlpfwd/collectors/*") {
		t.Fatalf("empty: %v", err)
	}

	// A page that repeats a token stops the loop.
	f = &fakeSM{ListSecretsFn: func(*secretsmanager.ListSecretsInput) (*secretsmanager.ListSecretsOutput, error) {
		return &secretsmanager.ListSecretsOutput{NextToken: aws.String("same")}, nil
	}}
	src, _ = NewSource(f, prefix, Options{})
	if _, err := src.Collectors(ctx); err == nil || !strings.Contains(err.Error(), "repeats a NextToken") || len(f.listCalls) != 2 {
		t.Fatalf("repeated token: %v after %d calls", err, len(f.listCalls))
	}

	// A GetSecretValue failure names the secret; a secret deleted since
	// it was listed is skipped.
	names := []string{prefix + "a", prefix + "b", prefix + "gone"}
	f = store(10, names, map[string]string{prefix + "a": `{"endpoint": "https://a"}`, prefix + "b": `{"endpoint": "https://b"}`})
	get := f.GetSecretValueFn
	kms := errors.New("operation error Secrets Manager: GetSecretValue, DecryptionFailure: KMS access denied")
	f.GetSecretValueFn = func(in *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error) {
		if *in.SecretId == arn(prefix+"b") {
			return nil, kms
		}
		return get(in)
	}
	src, _ = NewSource(f, prefix, Options{})
	_, err := src.Collectors(ctx)
	if !errors.Is(err, kms) || !strings.Contains(err.Error(), `get secret "otlpfwd/collectors/b"`) || strings.Contains(err.Error(), "gone") {
		t.Fatalf("get error: %v", err)
	}
	f.GetSecretValueFn = get
	cs, err := src.Collectors(ctx)
	if err != nil || len(cs) != 2 {
		t.Fatalf("deleted secret: %v, %v", cs, err)
	}
}

func TestSecretBinaryAndDeleted(t *testing.T) {
	f := &fakeSM{
		ListSecretsFn: func(*secretsmanager.ListSecretsInput) (*secretsmanager.ListSecretsOutput, error) {
			return &secretsmanager.ListSecretsOutput{SecretList: []types.SecretListEntry{
				{Name: aws.String(prefix + "bin"), ARN: aws.String(arn(prefix + "bin"))},
				{Name: aws.String(prefix + "deleting"), ARN: aws.String(arn(prefix + "deleting")), DeletedDate: aws.Time(time.Now())},
			}}, nil
		},
		GetSecretValueFn: func(in *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error) {
			return &secretsmanager.GetSecretValueOutput{SecretBinary: []byte("endpoint: https://bin\n")}, nil
		},
	}
	src, _ := NewSource(f, prefix, Options{})
	cs, err := src.Collectors(context.Background())
	if err != nil || len(cs) != 1 || cs[0].Name != "bin" || cs[0].Endpoint != "https://bin" {
		t.Fatalf("got %v, %v", cs, err)
	}
	if !slices.Equal(f.getCalls, []string{arn(prefix + "bin")}) {
		t.Fatalf("GetSecretValue calls = %v", f.getCalls)
	}
}

// A listed secret without a current value is an error naming it, not a
// collector that silently drops out of the table.
func TestSecretWithoutValue(t *testing.T) {
	f := store(10, []string{prefix + "a", prefix + "empty"}, map[string]string{prefix + "a": "endpoint: https://a\n"})
	get := f.GetSecretValueFn
	f.GetSecretValueFn = func(in *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error) {
		if *in.SecretId == arn(prefix+"empty") {
			return nil, &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret value for staging label: AWSCURRENT")}
		}
		return get(in)
	}
	src, _ := NewSource(f, prefix, Options{})
	cs, err := src.Collectors(context.Background())
	if err == nil || !strings.Contains(err.Error(), prefix+"empty") || !strings.Contains(err.Error(), "put-secret-value") {
		t.Fatalf("got %v, %v; want an error naming the secret without a value", cs, err)
	}
}

func TestNewSource(t *testing.T) {
	f := store(1, nil, nil)
	for _, tc := range []struct{ prefix, want string }{
		{"", "empty name prefix"},
		{"!otlpfwd/", "negation"},
		{"otlpfwd collectors/", "secret names use"},
		{strings.Repeat("a", 513), "longer than 512"},
	} {
		if _, err := NewSource(f, tc.prefix, Options{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewSource(%.20q): err = %v, want %q", tc.prefix, err, tc.want)
		}
	}
	if _, err := NewSource(nil, prefix, Options{}); err == nil {
		t.Error("NewSource(nil) accepted")
	}
	src, err := NewSource(f, prefix, Options{})
	if err != nil || src.String() != "Secrets Manager secrets named otlpfwd/collectors/*" || src.Prefix() != prefix {
		t.Fatalf("%v, %v", src, err)
	}
}

// TestFromEnvWithSecrets wires the Source into route.FromEnv and
// route.Cached the way the Lambda mains do.
func TestFromEnvWithSecrets(t *testing.T) {
	f := store(10, []string{prefix + "a"}, map[string]string{prefix + "a": `{"endpoint": "https://a"}`})
	env := map[string]string{route.EnvCollectorsSecretPrefix: prefix}
	src, err := route.FromEnv(func(k string) string { return env[k] }, func(p string) (route.Source, error) {
		return NewSource(f, p, Options{})
	})
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := route.NewCached(src, route.CacheOptions{}).Table(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tbl.Get("a"); !ok {
		t.Fatalf("collectors = %v", tbl.Collectors())
	}
}
