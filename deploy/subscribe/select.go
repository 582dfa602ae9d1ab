package subscribe

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// Selector chooses log groups. A log group is selected when any of its
// parts matches; the zero Selector selects nothing (use All).
type Selector struct {
	// Names are exact log group names; one that does not exist is an
	// error of Select.
	Names []string
	// Prefixes select every log group whose name starts with one of them.
	Prefixes []string
	// Patterns are globs over the whole name: '*' matches any run of
	// characters ('/' included), '?' one character.
	Patterns []string
	// All selects every log group of the account and Region.
	All bool
}

// ParseArgs sorts command-line arguments into names and patterns: an
// argument with '*' or '?' is a pattern.
func ParseArgs(args, prefixes []string) Selector {
	var s Selector
	for _, a := range args {
		if strings.ContainsAny(a, "*?") {
			s.Patterns = append(s.Patterns, a)
		} else {
			s.Names = append(s.Names, a)
		}
	}
	s.Prefixes = append(s.Prefixes, prefixes...)
	return s
}

// Empty reports whether s selects nothing.
func (s Selector) Empty() bool {
	return !s.All && len(s.Names) == 0 && len(s.Prefixes) == 0 && len(s.Patterns) == 0
}

// LogGroup is a selected log group.
type LogGroup struct {
	Name string `json:"log_group"`
	// Class is the log group class ("" when the API does not say, which
	// means STANDARD).
	Class string `json:"class,omitempty"`
	// Named is true when the log group was selected by its exact name
	// (not only by a prefix or a pattern).
	Named bool `json:"-"`
}

// ErrNotFound is wrapped by Select's error for names that do not exist.
var ErrNotFound = errors.New("log group not found")

// Select lists the log groups s selects, sorted by name. Prefixes are
// asked of DescribeLogGroups; patterns list their literal prefix (the part
// before the first wildcard) and are matched here. Names that do not
// exist are reported together in one error wrapping ErrNotFound, after
// the groups that were found.
func Select(ctx context.Context, api LogsAPI, s Selector) ([]LogGroup, error) {
	found := map[string]*LogGroup{}
	add := func(g types.LogGroup, named bool) {
		name := aws.ToString(g.LogGroupName)
		lg := found[name]
		if lg == nil {
			lg = &LogGroup{Name: name, Class: string(g.LogGroupClass)}
			found[name] = lg
		}
		lg.Named = lg.Named || named
	}
	// Each listing is keyed by its prefix so that overlapping selectors
	// list once.
	listed := map[string][]types.LogGroup{}
	list := func(prefix string) ([]types.LogGroup, error) {
		if gs, ok := listed[prefix]; ok {
			return gs, nil
		}
		gs, err := listPrefix(ctx, api, prefix)
		if err != nil {
			return nil, err
		}
		listed[prefix] = gs
		return gs, nil
	}
	if s.All {
		gs, err := list("")
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			add(g, false)
		}
	}
	var missing []string
	for _, name := range s.Names {
		gs, err := list(name)
		if err != nil {
			return nil, err
		}
		ok := false
		for _, g := range gs {
			if aws.ToString(g.LogGroupName) == name {
				add(g, true)
				ok = true
			}
		}
		if !ok {
			missing = append(missing, name)
		}
	}
	for _, p := range s.Prefixes {
		gs, err := list(p)
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			add(g, false)
		}
	}
	for _, p := range s.Patterns {
		gs, err := list(literalPrefix(p))
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			if Match(p, aws.ToString(g.LogGroupName)) {
				add(g, false)
			}
		}
	}
	out := make([]LogGroup, 0, len(found))
	for _, g := range found {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if len(missing) > 0 {
		return out, fmt.Errorf("%w: %s (names are exact and case-sensitive; use --prefix or a pattern such as '/aws/lambda/prod-*' to select several)", ErrNotFound, strings.Join(missing, ", "))
	}
	return out, nil
}

// listPrefix lists every log group whose name starts with prefix ("" for
// all), following NextToken.
func listPrefix(ctx context.Context, api LogsAPI, prefix string) ([]types.LogGroup, error) {
	in := &cloudwatchlogs.DescribeLogGroupsInput{Limit: aws.Int32(50)}
	if prefix != "" {
		in.LogGroupNamePrefix = aws.String(prefix)
	}
	var out []types.LogGroup
	p := cloudwatchlogs.NewDescribeLogGroupsPaginator(api, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			if prefix == "" {
				return nil, fmt.Errorf("list log groups: %w", err)
			}
			return nil, fmt.Errorf("list log groups with prefix %q: %w", prefix, err)
		}
		out = append(out, page.LogGroups...)
	}
	return out, nil
}

// literalPrefix is the part of a glob before its first wildcard.
func literalPrefix(pattern string) string {
	if i := strings.IndexAny(pattern, "*?"); i >= 0 {
		return pattern[:i]
	}
	return pattern
}

// Match reports whether the glob pattern matches the whole name: '*'
// matches any run of characters, '/' included (as in the collectors'
// log_groups rules), '?' exactly one character.
func Match(pattern, name string) bool {
	p, s := []rune(pattern), []rune(name)
	px, sx := 0, 0
	star, next := -1, 0
	for px < len(p) || sx < len(s) {
		if px < len(p) {
			switch p[px] {
			case '*':
				star, next = px, sx
				px++
				continue
			case '?':
				if sx < len(s) {
					px, sx = px+1, sx+1
					continue
				}
			default:
				if sx < len(s) && s[sx] == p[px] {
					px, sx = px+1, sx+1
					continue
				}
			}
		}
		if star >= 0 && next < len(s) {
			next++
			px, sx = star+1, next
			continue
		}
		return false
	}
	return true
}
