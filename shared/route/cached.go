package route

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"time"
)

// Defaults for CacheOptions.
const (
	DefaultTTL           = 5 * time.Minute
	DefaultRetryInterval = 30 * time.Second
	DefaultLoadTimeout   = 10 * time.Second
)

// CacheOptions tunes a Cached. The zero value of each field gives the
// default noted.
type CacheOptions struct {
	// TTL is how long a loaded table is served before the next load.
	// Default DefaultTTL (5 minutes).
	TTL time.Duration
	// RetryInterval is how long the last good table is served after a
	// failed refresh before the next try (so that an outage of the source
	// does not add a slow failing call to every invocation). Default
	// DefaultRetryInterval (30 s), at most TTL.
	RetryInterval time.Duration
	// LoadTimeout bounds one load from the source. Default
	// DefaultLoadTimeout (10 s).
	LoadTimeout time.Duration
	// Table configures the tables built.
	Table Options
	// Logger receives a line when the table is first loaded or changes,
	// one per Table.Warnings entry (WARN) at the same times, and one per
	// failed refresh (ERROR). Default: discard.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Cached serves the Table built from a Source and reloads it when it is
// older than the TTL. A failed first load is an error (there is nothing to
// route with); a failed refresh is logged and the last good table is
// served on (a configuration outage must not stop the pipeline), with
// retries every RetryInterval. Safe for concurrent use: while one caller
// refreshes, the others get the current table without waiting.
type Cached struct {
	src  Source
	opts CacheOptions
	load sync.Mutex // held by the caller that loads

	mu     sync.Mutex // guards the fields below
	table  *Table
	loaded time.Time // last successful load
	next   time.Time // when to load again
	err    error     // last load's error, nil after a success
}

// NewCached returns a Cached over src. Nothing is loaded until the first
// call of Table; call it once at start-up to fail early.
func NewCached(src Source, opts CacheOptions) *Cached {
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = DefaultRetryInterval
	}
	opts.RetryInterval = min(opts.RetryInterval, opts.TTL)
	if opts.LoadTimeout <= 0 {
		opts.LoadTimeout = DefaultLoadTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Cached{src: src, opts: opts}
}

// Table returns the current table, loading it first when there is none or
// it is due for a refresh. The error is non-nil only when no table has
// ever loaded.
func (c *Cached) Table(ctx context.Context) (*Table, error) {
	if t, fresh := c.current(); fresh {
		return t, nil
	} else if t != nil {
		if !c.load.TryLock() {
			return t, nil // another caller is refreshing it
		}
	} else {
		c.load.Lock()
	}
	defer c.load.Unlock()
	if t, fresh := c.current(); fresh {
		return t, nil // loaded while this caller waited
	}
	return c.refresh(ctx)
}

// Err is the error of the last load, nil when it succeeded.
func (c *Cached) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *Cached) current() (*Table, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.table, c.table != nil && c.opts.Now().Before(c.next)
}

func (c *Cached) refresh(ctx context.Context) (*Table, error) {
	lctx, cancel := context.WithTimeout(ctx, c.opts.LoadTimeout)
	defer cancel()
	cs, err := c.src.Collectors(lctx)
	var t *Table
	if err == nil {
		t, err = NewTable(cs, c.opts.Table)
	}
	now := c.opts.Now()
	log := c.opts.Logger

	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.err = fmt.Errorf("load collectors from %s: %w", describe(c.src), err)
		if c.table == nil {
			return nil, c.err
		}
		c.next = now.Add(c.opts.RetryInterval)
		log.LogAttrs(ctx, slog.LevelError, "collector routes refresh failed; serving the last good table",
			slog.String("err", c.err.Error()), slog.Duration("age", now.Sub(c.loaded)),
			slog.Duration("retry_in", c.opts.RetryInterval))
		return c.table, nil
	}
	c.err = nil
	c.loaded, c.next = now, now.Add(c.opts.TTL)
	if c.table != nil && reflect.DeepEqual(c.table.all, t.all) {
		return c.table, nil // unchanged: keep the table, say nothing
	}
	msg := "collector routes loaded"
	if c.table != nil {
		msg = "collector routes changed"
	}
	names := make([]string, len(t.all))
	for i, col := range t.all {
		names[i] = col.Name
	}
	log.LogAttrs(ctx, slog.LevelInfo, msg, slog.String("source", describe(c.src)),
		slog.Int("collectors", len(names)), slog.Any("names", names))
	for _, w := range t.warnings {
		log.LogAttrs(ctx, slog.LevelWarn, w)
	}
	c.table = t
	return t, nil
}

func describe(src Source) string {
	if s, ok := src.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", src)
}
