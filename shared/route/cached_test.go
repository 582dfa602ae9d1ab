package route

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSource returns what CollectorsFn says and counts calls.
type fakeSource struct {
	mu           sync.Mutex
	CollectorsFn func(ctx context.Context) ([]Collector, error)
	calls        int
}

var _ Source = (*fakeSource)(nil)

func (f *fakeSource) Collectors(ctx context.Context) ([]Collector, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	return f.CollectorsFn(ctx)
}

func (f *fakeSource) String() string { return "fake source" }

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestCached(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	var logs bytes.Buffer
	var result []Collector
	var fail error
	src := &fakeSource{CollectorsFn: func(context.Context) ([]Collector, error) { return result, fail }}
	cache := NewCached(src, CacheOptions{
		TTL: time.Minute, RetryInterval: 10 * time.Second, Now: clk.now,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		Table:  Options{OwnLogGroups: []string{"/aws/lambda/own"}},
	})

	// The first load fails: an error, nothing to route with.
	fail = errors.New("AccessDeniedException: not authorized")
	if tbl, err := cache.Table(ctx); err == nil || tbl != nil || !strings.Contains(err.Error(), "load collectors from fake source: AccessDenied") {
		t.Fatalf("first load: %v, %v", tbl, err)
	}
	// An invalid configuration is a failure too.
	fail, result = nil, []Collector{{Name: "a"}}
	if _, err := cache.Table(ctx); err == nil || !strings.Contains(err.Error(), "endpoint: required") {
		t.Fatalf("invalid first load: %v", err)
	}
	if src.calls != 2 {
		t.Fatalf("calls = %d: a failed first load must be retried on the next call", src.calls)
	}

	// Loads, then serves from the cache until the TTL passes.
	result = []Collector{{Name: "a", Endpoint: "https://a", InsecureSkipVerify: true}}
	t1, err := cache.Table(ctx)
	if err != nil || t1.Len() != 1 {
		t.Fatalf("load: %v, %v", t1, err)
	}
	if !strings.Contains(logs.String(), "collector routes loaded") || !strings.Contains(logs.String(), `"level":"WARN","msg":"collector \"a\": insecure_skip_verify is on`) {
		t.Fatalf("logs = %s", logs.String())
	}
	if cache.Err() != nil {
		t.Fatalf("Err = %v after a good load", cache.Err())
	}
	clk.advance(59 * time.Second)
	if t2, _ := cache.Table(ctx); t2 != t1 || src.calls != 3 {
		t.Fatalf("within the TTL: table changed or source called (%d calls)", src.calls)
	}

	// Stale and unchanged: reloaded, same table, nothing logged.
	clk.advance(time.Second)
	logs.Reset()
	if t2, _ := cache.Table(ctx); t2 != t1 || src.calls != 4 {
		t.Fatalf("unchanged reload: same table %t, %d calls", t2 == t1, src.calls)
	}
	if logs.Len() != 0 {
		t.Fatalf("unchanged reload logged %s", logs.String())
	}

	// Stale and the source fails: the last good table, an ERROR line, and
	// no new attempt until RetryInterval has passed.
	clk.advance(time.Minute)
	fail = errors.New("RequestTimeout")
	t3, err := cache.Table(ctx)
	if err != nil || t3 != t1 {
		t.Fatalf("refresh failure: %v, %v; want the last good table and no error", t3, err)
	}
	if !strings.Contains(logs.String(), `"level":"ERROR","msg":"collector routes refresh failed; serving the last good table"`) ||
		!strings.Contains(logs.String(), `"age":`) {
		t.Fatalf("logs = %s", logs.String())
	}
	if cache.Err() == nil || !strings.Contains(cache.Err().Error(), "RequestTimeout") {
		t.Fatalf("Err = %v", cache.Err())
	}
	calls := src.calls
	clk.advance(9 * time.Second)
	if t4, _ := cache.Table(ctx); t4 != t1 || src.calls != calls {
		t.Fatalf("retried before RetryInterval (%d calls)", src.calls)
	}
	clk.advance(time.Second)
	if t4, _ := cache.Table(ctx); t4 != t1 || src.calls != calls+1 {
		t.Fatalf("not retried after RetryInterval (%d calls)", src.calls)
	}
	// A bad configuration during an outage is treated the same way.
	clk.advance(10 * time.Second)
	fail, result = nil, []Collector{{Name: "a", Endpoint: "ftp://a"}}
	if t4, err := cache.Table(ctx); t4 != t1 || err != nil {
		t.Fatalf("invalid refresh: %v, %v", t4, err)
	}

	// The source recovers with a change: a new table, logged.
	clk.advance(10 * time.Second)
	logs.Reset()
	result = []Collector{{Name: "a", Endpoint: "https://a"}, {Name: "b", Endpoint: "https://b"}}
	t5, err := cache.Table(ctx)
	if err != nil || t5 == t1 || t5.Len() != 2 || cache.Err() != nil {
		t.Fatalf("recovery: %v, %v, Err %v", t5, err, cache.Err())
	}
	if !strings.Contains(logs.String(), `"msg":"collector routes changed","source":"fake source","collectors":2,"names":["a","b"]`) {
		t.Fatalf("logs = %s", logs.String())
	}
	// The table options reach the table: the loop guard knows own groups.
	if !t5.isGuarded("/aws/lambda/own") {
		t.Fatal("Options.Table not passed to NewTable")
	}
}

func TestCachedServesStaleWhileRefreshing(t *testing.T) {
	clk := &clock{t: time.Unix(0, 0)}
	release := make(chan struct{})
	entered := make(chan struct{})
	n := 0
	src := &fakeSource{CollectorsFn: func(ctx context.Context) ([]Collector, error) {
		n++
		if n == 2 {
			close(entered)
			<-release
		}
		return []Collector{{Name: "a", Endpoint: "https://a"}}, nil
	}}
	cache := NewCached(src, CacheOptions{Now: clk.now})
	t1, err := cache.Table(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	clk.advance(DefaultTTL)
	done := make(chan struct{})
	go func() {
		defer close(done)
		cache.Table(context.Background())
	}()
	<-entered
	// Another caller does not wait for the slow refresh.
	if t2, err := cache.Table(context.Background()); t2 != t1 || err != nil {
		t.Fatalf("during refresh: %v, %v", t2, err)
	}
	close(release)
	<-done
}

func TestCachedBoundsTheLoad(t *testing.T) {
	src := &fakeSource{CollectorsFn: func(ctx context.Context) ([]Collector, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	cache := NewCached(src, CacheOptions{LoadTimeout: 10 * time.Millisecond})
	if _, err := cache.Table(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}
