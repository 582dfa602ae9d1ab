package ingest

import (
	"context"
	"maps"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// bucketsUsed runs the handler n times on one small event, from
// concurrent goroutines when concurrent, and counts the partition keys of
// the records written (one a run).
func bucketsUsed(t *testing.T, hs *harness, n int, concurrent bool) map[string]int {
	t.Helper()
	ev := eventOf(t, "/aws/lambda/checkout", spanLine(t, "s", ""))
	var wg sync.WaitGroup
	for range n {
		run := func() {
			if resp, _, err := hs.h.Process(context.Background(), ev); err != nil || len(resp.BatchItemFailures) != 0 {
				t.Errorf("%v %v", err, resp.BatchItemFailures)
			}
		}
		if !concurrent {
			run()
			continue
		}
		wg.Go(run)
	}
	wg.Wait()
	keys := map[string]int{}
	for _, e := range hs.kin.Written() {
		keys[aws.ToString(e.PartitionKey)]++
	}
	if len(hs.kin.Written()) != n {
		t.Fatalf("%d records written in %d runs, want one a run", len(hs.kin.Written()), n)
	}
	return keys
}

// Every invocation's first record of a collector went to bucket 0 (the
// packer is made anew for each), so one collector's data from every
// ingest instance hashed to one export shard. Successive invocations now
// go round the buckets, also when they run concurrently.
func TestPartitionBucketsSpreadOverInvocations(t *testing.T) {
	for _, concurrent := range []bool{false, true} {
		hs := newHarness(t, table(t, collector("a")), Options{PartitionBuckets: 4})
		keys := bucketsUsed(t, hs, 40, concurrent)
		want := map[string]int{"a#0": 10, "a#1": 10, "a#2": 10, "a#3": 10}
		if !maps.Equal(keys, want) {
			t.Fatalf("concurrent %t: partition keys %v, want %v", concurrent, keys, want)
		}
	}
}

// Handlers (one per Lambda instance) start at a random bucket, so that the
// first invocations of many instances do not all use one.
func TestPartitionBucketsSpreadOverInstances(t *testing.T) {
	keys := map[string]int{}
	for range 32 {
		hs := newHarness(t, table(t, collector("a")), Options{PartitionBuckets: 4})
		for k, n := range bucketsUsed(t, hs, 1, false) {
			keys[k] += n
		}
	}
	// All 32 in one bucket has a chance of 4^-31.
	if len(keys) < 2 || !slices.ContainsFunc(slices.Collect(maps.Keys(keys)), func(k string) bool { return k != "a#0" }) {
		t.Fatalf("first records of 32 handlers used %v", keys)
	}
}
