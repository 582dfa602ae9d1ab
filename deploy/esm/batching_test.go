package esm

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// TestBatchingWindow drives time by GetRecords calls: each moves the clock
// 100 ms, and records arrive at given calls.
func TestBatchingWindow(t *testing.T) {
	cases := []struct {
		name      string
		window    time.Duration
		batchSize int
		arrive    map[int]string // GetRecords call -> record put before it answers
		want      [][]string
		// The first invocation happens in [after, before), in clock time.
		after, before time.Duration
	}{{
		name:   "records gather until the window passes",
		window: time.Second,
		arrive: map[int]string{1: "a", 3: "b", 5: "c"},
		want:   [][]string{{"a", "b", "c"}},
		after:  time.Second,
		before: time.Hour,
	}, {
		name:      "a full batch goes before the window passes",
		window:    300 * time.Second,
		batchSize: 2,
		arrive:    map[int]string{1: "a", 3: "b"},
		want:      [][]string{{"a", "b"}},
		after:     300 * time.Millisecond,
		before:    300 * time.Second,
	}, {
		name:   "without a window records go as soon as they are read",
		arrive: map[int]string{1: "a", 3: "b"},
		want:   [][]string{{"a"}, {"b"}},
		after:  100 * time.Millisecond,
		before: time.Hour,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			t0 := clk.Now()
			fk := newFakeKinesis(clk.Now, shardID(0))
			fk.beforeGetRecords = func(call int) {
				clk.Add(100 * time.Millisecond)
				if data, ok := tc.arrive[call]; ok {
					fk.put(shardID(0), "k", data)
				}
			}
			rec := &recorder{now: clk.Now}
			opts := testOptions(t)
			opts.MaximumBatchingWindow = tc.window
			opts.BatchSize = tc.batchSize
			opts.Now = clk.Now
			r := start(t, fk, rec, opts)
			// Every record is put by the 5th call; wait for it.
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
				fk.mu.Lock()
				calls := fk.calls
				fk.mu.Unlock()
				if calls > 5 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the poller made %d GetRecords calls in 30 s, want more than 5", calls)
				}
			}
			r.idle(t)
			invs := rec.invocations()
			var got [][]string
			for _, inv := range invs {
				got = append(got, inv.data)
			}
			if !slices.EqualFunc(got, tc.want, slices.Equal) {
				t.Fatalf("batches %v, want %v", got, tc.want)
			}
			// The clock moves with GetRecords calls, which go on while a
			// batch starts: only bounds are certain.
			if d := invs[0].at.Sub(t0); d < tc.after || d >= tc.before {
				t.Errorf("first batch invoked at %v, want in [%v, %v)", d, tc.after, tc.before)
			}
		})
	}
}

func TestBatchPayloadCap(t *testing.T) {
	fk := newFakeKinesis(newClock().Now, shardID(0))
	for i := range 10 {
		data := make([]byte, 1<<20) // 1 MiB, 1.4 MB in base64
		rand.Read(data)
		fk.putAt(shardID(0), fmt.Sprint("k", i), data, time.Time{})
	}
	var mu sync.Mutex
	var sizes, counts []int
	rec := &recorder{fn: func(_ int, inv invocation) (events.KinesisEventResponse, error) {
		b, err := json.Marshal(inv.ev)
		if err != nil {
			return events.KinesisEventResponse{}, err
		}
		mu.Lock()
		sizes, counts = append(sizes, len(b)), append(counts, len(inv.seqs))
		mu.Unlock()
		return events.KinesisEventResponse{}, nil
	}}
	r := start(t, fk, rec, testOptions(t))
	r.idle(t)
	if !slices.Equal(counts, []int{4, 4, 2}) {
		t.Errorf("batches of %v records, want [4 4 2]: 4 records of 1 MiB fill the 6 MB payload", counts)
	}
	for i, size := range sizes {
		if size > MaxPayloadBytes {
			t.Errorf("batch %d: event of %d bytes, over the %d byte limit", i, size, MaxPayloadBytes)
		}
		// A fifth record (1.4 MB) would not have fitted.
		if i < 2 && size+sizes[2]/2 <= MaxPayloadBytes {
			t.Errorf("batch %d: event of %d bytes had room for another record", i, size)
		}
	}
}

func TestRecordOverThePayloadCapGoesAlone(t *testing.T) {
	fk := newFakeKinesis(newClock().Now, shardID(0))
	big := fk.putAt(shardID(0), "k", make([]byte, 3000), time.Time{})
	small := fk.put(shardID(0), "k", "small")
	rec := &recorder{}
	opts := testOptions(t)
	opts.MaxBatchBytes = 1000
	r := start(t, fk, rec, opts)
	r.idle(t)
	if got, want := seqsOf(rec.invocations()), [][]string{{big}, {small}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("invocations %v, want %v", got, want)
	}
}

func TestParallelizationKeepsPerKeyOrder(t *testing.T) {
	fk := newFakeKinesis(newClock().Now, shardID(0))
	wantByKey := map[string][]string{}
	var all []string
	for i := range 400 {
		key := fmt.Sprint("key-", i%40)
		seq := fk.put(shardID(0), key, fmt.Sprint(i))
		wantByKey[key] = append(wantByKey[key], seq)
		all = append(all, seq)
	}
	var (
		mu        sync.Mutex
		gotByKey  = map[string][]string{}
		inFlight  = map[string]bool{} // keys of running invocations
		running   int
		overlap   = make(chan struct{})
		overlapOK sync.Once
		problems  []string
	)
	rec := &recorder{fn: func(n int, inv invocation) (events.KinesisEventResponse, error) {
		mu.Lock()
		running++
		if running > 1 {
			overlapOK.Do(func() { close(overlap) })
		}
		for _, k := range inv.keys {
			if inFlight[k] {
				problems = append(problems, "key "+k+" in two running batches")
			}
		}
		for i, k := range inv.keys {
			inFlight[k] = true
			gotByKey[k] = append(gotByKey[k], inv.seqs[i])
		}
		mu.Unlock()
		if n == 1 {
			// Hold the first batch until another slot's batch runs beside it.
			select {
			case <-overlap:
			case <-time.After(30 * time.Second):
				mu.Lock()
				problems = append(problems, "no second batch ran beside the first")
				mu.Unlock()
			}
		}
		mu.Lock()
		running--
		for _, k := range inv.keys {
			delete(inFlight, k)
		}
		mu.Unlock()
		return events.KinesisEventResponse{}, nil
	}}
	opts := testOptions(t)
	opts.ParallelizationFactor = 4
	opts.BatchSize = 5
	r := start(t, fk, rec, opts)
	r.idle(t)
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
	for key, want := range wantByKey {
		if !slices.Equal(gotByKey[key], want) {
			t.Errorf("key %s: delivered %v, want %v in order", key, gotByKey[key], want)
		}
	}
	if st := r.m.Stats().Shards[0]; st.Checkpoint != all[len(all)-1] || st.RecordsInvoked != 400 {
		t.Errorf("stats %+v, want checkpoint %s", st, all[len(all)-1])
	}
}

func TestRestartResumesFromFileCheckpoint(t *testing.T) {
	path := t.TempDir() + "/checkpoints.json"
	fk := newFakeKinesis(newClock().Now, shardID(0))
	seqs := putN(fk, 50)

	// The first run stops in the middle of its third batch.
	cps, err := OpenFileCheckpoints(path)
	if err != nil {
		t.Fatal(err)
	}
	var stop context.CancelFunc
	first := &recorder{fn: func(n int, _ invocation) (events.KinesisEventResponse, error) {
		if n == 3 {
			stop()
			return events.KinesisEventResponse{}, context.Canceled
		}
		return events.KinesisEventResponse{}, nil
	}}
	opts := testOptions(t)
	opts.BatchSize = 10
	opts.Checkpoints = cps
	m, err := New(fk, testStream, first, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ctx, stop = context.WithCancel(ctx)
	defer stop()
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got := seqsOf(first.invocations()); len(got) != 3 || !slices.Equal(got[2], seqs[20:30]) {
		t.Fatalf("first run invoked %v", got)
	}

	// The second run reads the file again and resumes after the last
	// completed batch: the interrupted batch comes again, nothing before it.
	cps2, err := OpenFileCheckpoints(path)
	if err != nil {
		t.Fatal(err)
	}
	if cp, _ := cps2.Load(t.Context(), checkpointKey(DefaultFunctionName, testStreamARN, shardID(0))); cp != seqs[19] {
		t.Fatalf("file checkpoint %s, want %s", cp, seqs[19])
	}
	second := &recorder{}
	opts.Checkpoints = cps2
	r := start(t, fk, second, opts)
	r.idle(t)
	var got []string
	for _, inv := range second.invocations() {
		got = append(got, inv.seqs...)
	}
	if !slices.Equal(got, seqs[20:]) {
		t.Errorf("second run delivered %v, want %v", got, seqs[20:])
	}
}

func TestChildShardsWaitForTheirParent(t *testing.T) {
	fk := newFakeKinesis(newClock().Now, shardID(0), shardID(1), shardID(2))
	fk.shards[0].closed = true
	fk.shards[1].parent, fk.shards[2].parent = shardID(0), shardID(0)
	var parent []string
	for i := range 20 {
		parent = append(parent, fk.put(shardID(0), "k", fmt.Sprint("p", i)))
		fk.put(shardID(1), "k", fmt.Sprint("a", i))
		fk.put(shardID(2), "k", fmt.Sprint("b", i))
	}
	rec := &recorder{}
	cps := NewMemoryCheckpoints()
	opts := testOptions(t)
	opts.BatchSize = 3
	opts.Checkpoints = cps
	r := start(t, fk, rec, opts)
	r.idle(t)
	var order []string
	for _, inv := range rec.invocations() {
		order = append(order, inv.seqs...)
	}
	if len(order) != 60 || !slices.Equal(order[:20], parent) {
		t.Errorf("delivered %d records; the parent's 20 must come first, in order: %v", len(order), order)
	}
	st := r.m.Stats()
	if st.Shards[0].State != "ended" || st.Shards[0].Checkpoint != ShardEnd {
		t.Errorf("parent %+v, want ended", st.Shards[0])
	}
	r.stop(t)

	// A restart reads nothing again.
	again := &recorder{}
	r2 := start(t, fk, again, opts)
	r2.idle(t)
	if got := again.invocations(); len(got) != 0 {
		t.Errorf("restart delivered %v", seqsOf(got))
	}
}

func TestGetRecordsErrorsAreRetried(t *testing.T) {
	fk := newFakeKinesis(newClock().Now, shardID(0))
	seqs := putN(fk, 3)
	fk.getRecordsErr = func(call int) error {
		if call <= 2 {
			return fmt.Errorf("Rate exceeded for shard")
		}
		return nil
	}
	rec := &recorder{}
	r := start(t, fk, rec, testOptions(t))
	r.idle(t)
	if got := seqsOf(rec.invocations()); len(got) != 1 || !slices.Equal(got[0], seqs) {
		t.Errorf("invocations %v", got)
	}
}
