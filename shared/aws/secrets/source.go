package secrets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/otlpfwd/otlpfwd/shared/route"
)

// API is the part of the Secrets Manager client the Source uses.
type API interface {
	ListSecrets(ctx context.Context, in *secretsmanager.ListSecretsInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.ListSecretsOutput, error)
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// DefaultConcurrency is the default number of GetSecretValue calls in
// flight.
const DefaultConcurrency = 4

// maxPrefixLen is the longest value a ListSecrets filter takes.
const maxPrefixLen = 512

// Options tunes a Source. The zero value gives the defaults noted.
type Options struct {
	// Concurrency bounds the GetSecretValue calls in flight. Default
	// DefaultConcurrency (4), well under the API's rate limit.
	Concurrency int
}

// Source yields the collectors stored under a secret name prefix. It
// implements route.Source.
type Source struct {
	api    API
	prefix string
	opts   Options
}

var _ route.Source = (*Source)(nil)

// NewSource returns a Source for the secrets whose names start with
// prefix (case-sensitive, e.g. "otlpfwd/collectors/").
func NewSource(api API, prefix string, opts Options) (*Source, error) {
	if api == nil {
		return nil, errors.New("secrets: no Secrets Manager client")
	}
	if err := checkPrefix(prefix); err != nil {
		return nil, err
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	return &Source{api: api, prefix: prefix, opts: opts}, nil
}

func checkPrefix(p string) error {
	switch {
	case p == "":
		return errors.New("secrets: empty name prefix")
	case len(p) > maxPrefixLen:
		return fmt.Errorf("secrets: name prefix longer than %d characters", maxPrefixLen)
	case p[0] == '!':
		return fmt.Errorf("secrets: name prefix %q starts with '!', which ListSecrets reads as a negation", p)
	}
	for _, r := range p {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("/_+=.@-", r)) {
			return fmt.Errorf("secrets: name prefix %q has %q; secret names use A-Z a-z 0-9 / _ + = . @ -", p, r)
		}
	}
	return nil
}

// String says where the collectors come from.
func (s *Source) String() string {
	return "Secrets Manager secrets named " + s.prefix + "*"
}

// Prefix is the secret name prefix.
func (s *Source) Prefix() string { return s.prefix }

// secret is one listed secret.
type secret struct {
	name, arn string
}

// Collectors lists, reads and parses the secrets, in name order. It fails
// when there are none, or when any one cannot be read or parsed; the error
// names each such secret.
func (s *Source) Collectors(ctx context.Context) ([]route.Collector, error) {
	list, err := s.list(ctx)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("no secrets named %s* (check the prefix, and that the secrets are in this account and region)", s.prefix)
	}
	values := make([][]byte, len(list))
	errs := make([]error, len(list))
	sem := make(chan struct{}, s.opts.Concurrency)
	var wg sync.WaitGroup
	for i := range list {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			values[i], errs[i] = s.get(ctx, list[i])
		})
	}
	wg.Wait()

	var out []route.Collector
	var problems []error
	byName := map[string]string{} // collector name -> secret name
	for i, sec := range list {
		if errs[i] != nil {
			if !errors.Is(errs[i], errGone) {
				problems = append(problems, errs[i])
			}
			continue
		}
		c, err := route.ParseCollector(values[i], strings.TrimPrefix(sec.name, s.prefix))
		if err != nil {
			problems = append(problems, nameSecret(sec.name, err)...)
			continue
		}
		key := strings.ToLower(c.Name)
		if other, dup := byName[key]; dup {
			problems = append(problems, fmt.Errorf("secret %q: collector name %q is already used by secret %q; names must be unique (compared without case)", sec.name, c.Name, other))
			continue
		}
		byName[key] = sec.name
		out = append(out, c)
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no secrets named %s* (every one listed was deleted before it could be read)", s.prefix)
	}
	return out, nil
}

// list returns the secrets under the prefix, sorted by name.
func (s *Source) list(ctx context.Context) ([]secret, error) {
	in := &secretsmanager.ListSecretsInput{
		Filters:    []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{s.prefix}}},
		MaxResults: aws.Int32(100),
	}
	var out []secret
	seen := map[string]bool{}
	for page := 1; ; page++ {
		res, err := s.api.ListSecrets(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list secrets named %s* (page %d): %w", s.prefix, page, err)
		}
		for _, e := range res.SecretList {
			name := aws.ToString(e.Name)
			// The filter matches prefixes already; checking again keeps
			// a looser implementation (a stand-in, a future API change)
			// from adding secrets that are not ours.
			if !strings.HasPrefix(name, s.prefix) || e.DeletedDate != nil {
				continue
			}
			id := aws.ToString(e.ARN)
			if id == "" {
				id = name
			}
			out = append(out, secret{name: name, arn: id})
		}
		next := aws.ToString(res.NextToken)
		if next == "" {
			break
		}
		if seen[next] {
			return nil, fmt.Errorf("list secrets named %s*: page %d repeats a NextToken", s.prefix, page)
		}
		seen[next] = true
		in.NextToken = aws.String(next)
	}
	slices.SortFunc(out, func(a, b secret) int { return strings.Compare(a.name, b.name) })
	return slices.CompactFunc(out, func(a, b secret) bool { return a.name == b.name }), nil
}

// errGone marks a secret deleted between listing and reading it.
var errGone = errors.New("secret deleted since it was listed")

// get reads one secret's value.
func (s *Source) get(ctx context.Context, sec secret) ([]byte, error) {
	res, err := s.api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(sec.arn)})
	if err != nil {
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) {
			// The same error says a listed secret has no current value
			// (created without one): that collector must not vanish
			// from the table without a word.
			if strings.Contains(aws.ToString(nf.Message), "staging label") {
				return nil, fmt.Errorf("secret %q has no current value: store the collector with aws secretsmanager put-secret-value --secret-id %s --secret-string file://collector.yaml", sec.name, sec.name)
			}
			return nil, errGone
		}
		return nil, fmt.Errorf("get secret %q: %w", sec.name, err)
	}
	switch {
	case res.SecretString != nil && *res.SecretString != "":
		return []byte(*res.SecretString), nil
	case len(res.SecretBinary) > 0:
		return res.SecretBinary, nil
	}
	return nil, fmt.Errorf("secret %q: the value is empty: store one collector as JSON or YAML", sec.name)
}

// nameSecret prefixes each of the (joined) parse errors with the secret's
// name, keeping them reachable with errors.As.
func nameSecret(name string, err error) []error {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = fmt.Errorf("secret %q: %w", name, e)
	}
	return out
}
