package esm

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestDeliversEveryRecordInShardOrder(t *testing.T) {
	clk := newClock()
	fk := newFakeKinesis(clk.Now, shardID(0), shardID(1), shardID(2))
	want := map[string][]string{} // shard -> seqs in put order
	for i := range 250 {
		for s := range 3 {
			id := shardID(s)
			want[id] = append(want[id], fk.put(id, fmt.Sprintf("k%d", i%10), fmt.Sprintf("r%d-%d", s, i)))
		}
	}
	rec := &recorder{}
	cps := NewMemoryCheckpoints()
	opts := testOptions(t)
	opts.BatchSize = 7
	opts.Checkpoints = cps
	r := start(t, fk, rec, opts)
	r.idle(t)

	got := map[string][]string{}
	for _, inv := range rec.invocations() {
		if len(inv.seqs) == 0 || len(inv.seqs) > 7 {
			t.Fatalf("batch of %d records, want 1 to 7", len(inv.seqs))
		}
		got[inv.shard] = append(got[inv.shard], inv.seqs...)
	}
	for id, seqs := range want {
		if !slices.Equal(got[id], seqs) {
			t.Errorf("shard %s: delivered %d records, not each once in order (want %d)", id, len(got[id]), len(seqs))
		}
		if cp, _ := cps.Load(t.Context(), checkpointKey(DefaultFunctionName, testStreamARN, id)); cp != seqs[len(seqs)-1] {
			t.Errorf("shard %s: checkpoint %s, want the last record %s", id, cp, seqs[len(seqs)-1])
		}
	}
	total := r.m.Stats().Total()
	if total.RecordsRead != 750 || total.RecordsInvoked != 750 || total.Retries != 0 || total.Pending != 0 || total.OnFailureRecords != 0 {
		t.Errorf("stats %+v", total)
	}
}

func TestEventRecordsLookLikeLambdas(t *testing.T) {
	clk := newClock()
	fk := newFakeKinesis(clk.Now, shardID(6))
	arrival := time.Date(2018, 12, 17, 22, 10, 50, 987_000_000, time.UTC)
	seq := fk.putAt(shardID(6), "1", []byte("Hello, this is a test."), arrival)
	rec := &recorder{}
	opts := testOptions(t)
	opts.InvokeIdentityARN = "arn:aws:iam::123456789012:role/lambda-role"
	r := start(t, fk, rec, opts)
	r.idle(t)

	invs := rec.invocations()
	if len(invs) != 1 || len(invs[0].ev.Records) != 1 {
		t.Fatalf("invocations %+v", seqsOf(invs))
	}
	got := invs[0].ev.Records[0]
	if got.EventID != shardID(6)+":"+seq || got.EventSource != "aws:kinesis" || got.EventName != "aws:kinesis:record" ||
		got.EventVersion != "1.0" || got.EventSourceArn != testStreamARN || got.AwsRegion != testRegion ||
		got.InvokeIdentityArn != opts.InvokeIdentityARN {
		t.Errorf("event record %+v", got)
	}
	k := got.Kinesis
	if k.KinesisSchemaVersion != "1.0" || k.PartitionKey != "1" || k.SequenceNumber != seq ||
		string(k.Data) != "Hello, this is a test." || !k.ApproximateArrivalTimestamp.Equal(arrival) {
		t.Errorf("kinesis part %+v", k)
	}
	// On the wire: data is base64, the arrival epoch seconds.
	b, err := json.Marshal(invs[0].ev)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"data":"` + base64.StdEncoding.EncodeToString([]byte("Hello, this is a test.")) + `"`, `"approximateArrivalTimestamp":1545084650.987`, `"Records":[{`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("event JSON lacks %s: %s", want, b)
		}
	}
	if r.m.StreamARN() != testStreamARN {
		t.Errorf("StreamARN %q", r.m.StreamARN())
	}
}

func TestStartingPositionLatestSkipsOlderRecords(t *testing.T) {
	clk := newClock()
	fk := newFakeKinesis(clk.Now, shardID(0))
	for i := range 5 {
		fk.put(shardID(0), "k", fmt.Sprint("old", i))
	}
	rec := &recorder{}
	opts := testOptions(t)
	opts.StartingPosition = Latest
	r := start(t, fk, rec, opts)
	r.idle(t)
	var want []string
	for i := range 3 {
		want = append(want, fk.put(shardID(0), "k", fmt.Sprint("new", i)))
	}
	r.idle(t)
	var got []string
	for _, inv := range rec.invocations() {
		got = append(got, inv.seqs...)
	}
	if !slices.Equal(got, want) {
		t.Errorf("delivered %v, want only the records put after the start %v", got, want)
	}
}

func TestStartingPositionAtTimestamp(t *testing.T) {
	clk := newClock()
	fk := newFakeKinesis(clk.Now, shardID(0))
	fk.put(shardID(0), "k", "before")
	clk.Add(time.Minute)
	want := fk.put(shardID(0), "k", "after")
	rec := &recorder{}
	opts := testOptions(t)
	opts.StartingPosition = AtTimestamp
	opts.StartingPositionTimestamp = clk.Now()
	r := start(t, fk, rec, opts)
	r.idle(t)
	if got := seqsOf(rec.invocations()); len(got) != 1 || !slices.Equal(got[0], []string{want}) {
		t.Errorf("delivered %v, want [[%s]]", got, want)
	}
}
