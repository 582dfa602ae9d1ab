package esm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// ShardEnd is the checkpoint of a shard read to its end: a restarted
// mapping does not read it again and may read its children.
const ShardEnd = "SHARD_END"

// Checkpoints keeps the last sequence number processed in each shard, under
// a key naming the function, the stream and the shard.
type Checkpoints interface {
	// Load returns key's checkpoint, or "" when there is none.
	Load(ctx context.Context, key string) (string, error)
	// Save sets key's checkpoint.
	Save(ctx context.Context, key, seq string) error
}

// checkpointKey names a shard of a stream read for a function.
func checkpointKey(function, streamARN, shardID string) string {
	return function + "|" + streamARN + "|" + shardID
}

// MemoryCheckpoints keeps checkpoints in memory. Its zero value is not
// usable; call NewMemoryCheckpoints.
type MemoryCheckpoints struct {
	mu sync.Mutex
	m  map[string]string
}

var _ Checkpoints = (*MemoryCheckpoints)(nil)

// NewMemoryCheckpoints returns an empty store.
func NewMemoryCheckpoints() *MemoryCheckpoints {
	return &MemoryCheckpoints{m: map[string]string{}}
}

// Load returns key's checkpoint.
func (c *MemoryCheckpoints) Load(_ context.Context, key string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[key], nil
}

// Save sets key's checkpoint.
func (c *MemoryCheckpoints) Save(_ context.Context, key, seq string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = seq
	return nil
}

// All returns a copy of every checkpoint.
func (c *MemoryCheckpoints) All() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]string, len(c.m))
	for k, v := range c.m {
		out[k] = v
	}
	return out
}

// FileCheckpoints keeps checkpoints in a JSON file, {"key":"seq",...},
// rewritten (to a temporary file, then renamed) on every Save, so that a
// restarted mapping resumes where the last one stopped.
type FileCheckpoints struct {
	path string
	mem  *MemoryCheckpoints
	mu   sync.Mutex // serializes writes of the file
}

var _ Checkpoints = (*FileCheckpoints)(nil)

// OpenFileCheckpoints reads path, which may not exist yet.
func OpenFileCheckpoints(path string) (*FileCheckpoints, error) {
	c := &FileCheckpoints{path: path, mem: NewMemoryCheckpoints()}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return c, nil
	case err != nil:
		return nil, fmt.Errorf("read checkpoints: %w", err)
	}
	if err := json.Unmarshal(b, &c.mem.m); err != nil {
		return nil, fmt.Errorf("read checkpoints %s: %w (delete the file to start over)", path, err)
	}
	if c.mem.m == nil {
		c.mem.m = map[string]string{}
	}
	return c, nil
}

// Load returns key's checkpoint.
func (c *FileCheckpoints) Load(ctx context.Context, key string) (string, error) {
	return c.mem.Load(ctx, key)
}

// Save sets key's checkpoint and writes the file.
func (c *FileCheckpoints) Save(ctx context.Context, key, seq string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.mem.Save(ctx, key, seq)
	b, err := json.MarshalIndent(c.mem.All(), "", "  ")
	if err != nil {
		return fmt.Errorf("save checkpoint %s: %w", key, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), filepath.Base(c.path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("save checkpoint %s: %w", key, err)
	}
	_, err = tmp.Write(append(b, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), c.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save checkpoint %s to %s: %w", key, c.path, err)
	}
	return nil
}
