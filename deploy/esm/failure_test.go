package esm

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
)

// putN puts n records on shard 0 and returns their sequence numbers.
func putN(fk *fakeKinesis, n int) []string {
	var seqs []string
	for i := range n {
		seqs = append(seqs, fk.put(shardID(0), fmt.Sprint("k", i%3), fmt.Sprint("r", i)))
	}
	return seqs
}

func failures(ids ...string) events.KinesisEventResponse {
	var resp events.KinesisEventResponse
	for _, id := range ids {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: id})
	}
	return resp
}

func TestReportBatchItemFailures(t *testing.T) {
	type answer func(seqs []string) events.KinesisEventResponse
	cases := []struct {
		name   string
		rbif   bool
		bisect bool
		first  answer
		// want lists each invocation as [from, to) indexes of the records.
		want  [][2]int
		saves []int // indexes of the checkpoints saved, in order
	}{{
		name:  "checkpoint before the lowest failed record, retry from it",
		rbif:  true,
		first: func(s []string) events.KinesisEventResponse { return failures(s[6], s[3]) },
		want:  [][2]int{{0, 10}, {3, 10}},
		saves: []int{2, 9},
	}, {
		name:   "with bisect on, a partial failure retries the remaining records",
		rbif:   true,
		bisect: true,
		first:  func(s []string) events.KinesisEventResponse { return failures(s[7]) },
		want:   [][2]int{{0, 10}, {7, 10}},
		saves:  []int{6, 9},
	}, {
		name:  "the first record failing moves nothing",
		rbif:  true,
		first: func(s []string) events.KinesisEventResponse { return failures(s[0]) },
		want:  [][2]int{{0, 10}, {0, 10}},
		saves: []int{9},
	}, {
		name:  "an empty itemIdentifier fails the whole batch",
		rbif:  true,
		first: func(s []string) events.KinesisEventResponse { return failures(s[5], "") },
		want:  [][2]int{{0, 10}, {0, 10}},
		saves: []int{9},
	}, {
		name:  "an identifier outside the batch fails the whole batch",
		rbif:  true,
		first: func(s []string) events.KinesisEventResponse { return failures("12345") },
		want:  [][2]int{{0, 10}, {0, 10}},
		saves: []int{9},
	}, {
		name:   "with bisect on, an invalid identifier bisects like a function error",
		rbif:   true,
		bisect: true,
		first:  func(s []string) events.KinesisEventResponse { return failures("") },
		want:   [][2]int{{0, 10}, {0, 5}, {5, 10}},
		saves:  []int{4, 9},
	}, {
		name: "an empty list is a success",
		rbif: true,
		first: func(s []string) events.KinesisEventResponse {
			return events.KinesisEventResponse{BatchItemFailures: []events.KinesisBatchItemFailure{}}
		},
		want:  [][2]int{{0, 10}},
		saves: []int{9},
	}, {
		name:  "without ReportBatchItemFailures the response is ignored",
		first: func(s []string) events.KinesisEventResponse { return failures(s[3]) },
		want:  [][2]int{{0, 10}},
		saves: []int{9},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fk := newFakeKinesis(newClock().Now, shardID(0))
			seqs := putN(fk, 10)
			rec := &recorder{fn: func(n int, inv invocation) (events.KinesisEventResponse, error) {
				if n == 1 {
					return tc.first(inv.seqs), nil
				}
				return events.KinesisEventResponse{}, nil
			}}
			cps := &savedCheckpoints{MemoryCheckpoints: NewMemoryCheckpoints()}
			opts := testOptions(t)
			opts.ReportBatchItemFailures = tc.rbif
			opts.BisectBatchOnFunctionError = tc.bisect
			opts.Checkpoints = cps
			r := start(t, fk, rec, opts)
			r.idle(t)
			var want [][]string
			for _, w := range tc.want {
				want = append(want, seqs[w[0]:w[1]])
			}
			if got := seqsOf(rec.invocations()); !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("invocations\n got %v\nwant %v", got, want)
			}
			var wantSaves []string
			for _, i := range tc.saves {
				wantSaves = append(wantSaves, seqs[i])
			}
			if got := cps.history(); !slices.Equal(got, wantSaves) {
				t.Errorf("checkpoints saved %v, want %v", got, wantSaves)
			}
		})
	}
}

func TestBisectIsolatesThePoisonRecord(t *testing.T) {
	fk := newFakeKinesis(newClock().Now, shardID(0))
	seqs := putN(fk, 16)
	poison := seqs[10]
	rec := &recorder{fn: func(_ int, inv invocation) (events.KinesisEventResponse, error) {
		if slices.Contains(inv.seqs, poison) {
			return events.KinesisEventResponse{}, errors.New("poison")
		}
		return events.KinesisEventResponse{}, nil
	}}
	dest := &destination{}
	opts := testOptions(t)
	opts.BisectBatchOnFunctionError = true
	opts.MaximumRetryAttempts = aws.Int(2)
	opts.OnFailure = dest
	r := start(t, fk, rec, opts)
	r.idle(t)

	// Halves, first half first; splitting costs no retry; the record alone
	// is retried twice, then sent to the destination.
	want := [][]string{seqs[0:16], seqs[0:8], seqs[8:16], seqs[8:12], seqs[8:10], seqs[10:12],
		seqs[10:11], seqs[10:11], seqs[10:11], seqs[11:12], seqs[12:16]}
	if got := seqsOf(rec.invocations()); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("invocations\n got %v\nwant %v", got, want)
	}
	recs := dest.all()
	if len(recs) != 1 {
		t.Fatalf("on-failure records %+v, want 1", recs)
	}
	info := recs[0].KinesisBatchInfo
	if info.StartSequenceNumber != poison || info.EndSequenceNumber != poison || info.BatchSize != 1 || info.ShardID != shardID(0) {
		t.Errorf("on-failure batch %+v, want exactly the poison record %s", info, poison)
	}
	rc := recs[0].RequestContext
	if rc.Condition != RetryAttemptsExhausted || rc.ApproximateInvokeCount != 7 {
		t.Errorf("request context %+v, want RetryAttemptsExhausted after 7 invocations of the record", rc)
	}
	total := r.m.Stats().Total()
	if total.Bisects != 4 || total.Retries != 2 || total.OnFailureRecords != 1 || total.Invocations != 11 {
		t.Errorf("stats %+v", total)
	}
	if got := total; got.Pending != 0 {
		t.Errorf("pending %d", got.Pending)
	}
	if st := r.m.Stats().Shards[0]; st.Checkpoint != seqs[15] {
		t.Errorf("checkpoint %s, want %s", st.Checkpoint, seqs[15])
	}
}

func TestRetryLimit(t *testing.T) {
	for _, retries := range []int{0, 3} {
		t.Run(fmt.Sprint("retries ", retries), func(t *testing.T) {
			clk := newClock()
			fk := newFakeKinesis(clk.Now, shardID(0))
			seqs := putN(fk, 15)
			rec := &recorder{fn: func(_ int, inv invocation) (events.KinesisEventResponse, error) {
				if slices.Contains(inv.seqs, seqs[4]) {
					return events.KinesisEventResponse{}, errors.New("boom")
				}
				return events.KinesisEventResponse{}, nil
			}}
			dest := &destination{}
			opts := testOptions(t)
			opts.BatchSize = 10
			opts.MaximumRetryAttempts = aws.Int(retries)
			opts.OnFailure = dest
			opts.Now = clk.Now
			r := start(t, fk, rec, opts)
			r.idle(t)

			var want [][]string
			for range retries + 1 {
				want = append(want, seqs[0:10])
			}
			want = append(want, seqs[10:15])
			if got := seqsOf(rec.invocations()); !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("invocations\n got %v\nwant %v", got, want)
			}
			recs := dest.all()
			if len(recs) != 1 {
				t.Fatalf("on-failure records %+v, want 1", recs)
			}
			fr := recs[0]
			arrival := formatFailureTime(clk.Now())
			want1 := FailureRecord{
				RequestContext: FailureRequestContext{
					RequestID:              fr.RequestContext.RequestID,
					FunctionARN:            "arn:aws:lambda:eu-west-1:123456789012:function:function",
					Condition:              RetryAttemptsExhausted,
					ApproximateInvokeCount: retries + 1,
				},
				ResponseContext: &FailureResponseContext{StatusCode: 200, ExecutedVersion: "$LATEST", FunctionError: "Unhandled"},
				Version:         "1.0",
				Timestamp:       arrival,
				KinesisBatchInfo: KinesisBatchInfo{
					ShardID: shardID(0), StartSequenceNumber: seqs[0], EndSequenceNumber: seqs[9],
					ApproximateArrivalOfFirstRecord: arrival, ApproximateArrivalOfLastRecord: arrival,
					BatchSize: 10, StreamARN: testStreamARN,
				},
			}
			if a, b := mustJSON(t, fr), mustJSON(t, want1); a != b {
				t.Errorf("on-failure record\n got %s\nwant %s", a, b)
			}
			if len(fr.RequestContext.RequestID) != 36 {
				t.Errorf("requestId %q is not a UUID", fr.RequestContext.RequestID)
			}
			if st := r.m.Stats().Shards[0]; st.Retries != retries || st.Checkpoint != seqs[14] || st.OnFailureBatches != 1 || st.OnFailureRecords != 10 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestRetriesExhaustedAfterPartialFailures(t *testing.T) {
	fk := newFakeKinesis(newClock().Now, shardID(0))
	seqs := putN(fk, 10)
	rec := &recorder{fn: func(_ int, inv invocation) (events.KinesisEventResponse, error) {
		return failures(seqs[5]), nil
	}}
	dest := &destination{}
	opts := testOptions(t)
	opts.ReportBatchItemFailures = true
	opts.MaximumRetryAttempts = aws.Int(1)
	opts.OnFailure = dest
	r := start(t, fk, rec, opts)
	r.idle(t)
	if got, want := seqsOf(rec.invocations()), [][]string{seqs[0:10], seqs[5:10]}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("invocations\n got %v\nwant %v", got, want)
	}
	recs := dest.all()
	if len(recs) != 1 {
		t.Fatalf("on-failure records %+v", recs)
	}
	info, rc := recs[0].KinesisBatchInfo, recs[0].ResponseContext
	if info.StartSequenceNumber != seqs[5] || info.EndSequenceNumber != seqs[9] || info.BatchSize != 5 ||
		recs[0].RequestContext.ApproximateInvokeCount != 2 || rc == nil || rc.FunctionError != "" {
		t.Errorf("on-failure record %s", mustJSON(t, recs[0]))
	}
}

func TestRecordAgeEndsInfiniteRetries(t *testing.T) {
	clk := newClock()
	fk := newFakeKinesis(clk.Now, shardID(0))
	seqs := putN(fk, 3)
	rec := &recorder{fn: func(int, invocation) (events.KinesisEventResponse, error) {
		clk.Add(25 * time.Second)
		return events.KinesisEventResponse{}, errors.New("down")
	}}
	dest := &destination{}
	opts := testOptions(t)
	opts.MaximumRecordAgeInSeconds = 60
	opts.OnFailure = dest
	opts.Now = clk.Now
	r := start(t, fk, rec, opts)
	r.idle(t)
	// Invoked at 0 s, 25 s and 50 s; at 75 s the records are too old.
	if got := len(rec.invocations()); got != 3 {
		t.Errorf("%d invocations, want 3", got)
	}
	recs := dest.all()
	if len(recs) != 1 || recs[0].RequestContext.Condition != RecordAgeExceeded ||
		recs[0].RequestContext.ApproximateInvokeCount != 3 || recs[0].KinesisBatchInfo.BatchSize != 3 ||
		recs[0].KinesisBatchInfo.EndSequenceNumber != seqs[2] {
		t.Errorf("on-failure records %s", mustJSON(t, recs))
	}
}

func TestRecordAgeDiscardsBeforeTheFirstInvocation(t *testing.T) {
	clk := newClock()
	fk := newFakeKinesis(clk.Now, shardID(0))
	old := clk.Now().Add(-2 * time.Hour)
	var olds []string
	for i := range 3 {
		olds = append(olds, fk.putAt(shardID(0), "k", []byte(fmt.Sprint("old", i)), old))
	}
	fresh := fk.put(shardID(0), "k", "fresh")
	rec := &recorder{}
	dest := &destination{}
	opts := testOptions(t)
	opts.MaximumRecordAgeInSeconds = 3600
	opts.OnFailure = dest
	opts.Now = clk.Now
	r := start(t, fk, rec, opts)
	r.idle(t)
	if got := seqsOf(rec.invocations()); len(got) != 1 || !slices.Equal(got[0], []string{fresh}) {
		t.Errorf("invocations %v, want only the fresh record", got)
	}
	recs := dest.all()
	if len(recs) != 1 {
		t.Fatalf("on-failure records %s", mustJSON(t, recs))
	}
	fr := recs[0]
	if fr.RequestContext.Condition != RecordAgeExceeded || fr.RequestContext.ApproximateInvokeCount != 0 || fr.ResponseContext != nil ||
		fr.KinesisBatchInfo.StartSequenceNumber != olds[0] || fr.KinesisBatchInfo.EndSequenceNumber != olds[2] ||
		fr.KinesisBatchInfo.ApproximateArrivalOfFirstRecord != formatFailureTime(old) {
		t.Errorf("on-failure record %s", mustJSON(t, fr))
	}
}

func TestNotInvokedCountsNoRetry(t *testing.T) {
	fk := newFakeKinesis(newClock().Now, shardID(0))
	seqs := putN(fk, 4)
	rec := &recorder{fn: func(n int, _ invocation) (events.KinesisEventResponse, error) {
		if n <= 2 {
			return events.KinesisEventResponse{}, &NotInvokedError{Err: errors.New("throttled")}
		}
		return events.KinesisEventResponse{}, nil
	}}
	dest := &destination{}
	opts := testOptions(t)
	opts.MaximumRetryAttempts = aws.Int(0)
	opts.BisectBatchOnFunctionError = true
	opts.OnFailure = dest
	r := start(t, fk, rec, opts)
	r.idle(t)
	if got, want := seqsOf(rec.invocations()), [][]string{seqs, seqs, seqs}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("invocations %v, want the whole batch three times", got)
	}
	st := r.m.Stats().Total()
	if st.NotInvoked != 2 || st.Retries != 0 || st.Bisects != 0 || st.Invocations != 1 || len(dest.all()) != 0 {
		t.Errorf("stats %+v, on-failure %v", st, dest.all())
	}
}

func TestOnFailureSendIsRetried(t *testing.T) {
	fk := newFakeKinesis(newClock().Now, shardID(0))
	seqs := putN(fk, 2)
	rec := &recorder{fn: func(int, invocation) (events.KinesisEventResponse, error) {
		return events.KinesisEventResponse{}, errors.New("boom")
	}}
	dest := &destination{failFirst: 2}
	opts := testOptions(t)
	opts.MaximumRetryAttempts = aws.Int(0)
	opts.OnFailure = dest
	r := start(t, fk, rec, opts)
	r.idle(t)
	if got := dest.all(); len(got) != 1 || dest.attempts != 3 {
		t.Errorf("on-failure records %v after %d attempts", got, dest.attempts)
	}
	if st := r.m.Stats().Shards[0]; st.Checkpoint != seqs[1] {
		t.Errorf("checkpoint %s, want %s", st.Checkpoint, seqs[1])
	}
}

func TestWithoutDestinationRecordsAreDropped(t *testing.T) {
	fk := newFakeKinesis(newClock().Now, shardID(0))
	seqs := putN(fk, 3)
	rec := &recorder{fn: func(int, invocation) (events.KinesisEventResponse, error) {
		return events.KinesisEventResponse{}, errors.New("boom")
	}}
	opts := testOptions(t)
	opts.MaximumRetryAttempts = aws.Int(1)
	r := start(t, fk, rec, opts)
	r.idle(t)
	if st := r.m.Stats().Shards[0]; st.DiscardedRecords != 3 || st.Checkpoint != seqs[2] || st.Invocations != 2 {
		t.Errorf("stats %+v", st)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
