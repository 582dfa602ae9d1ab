package peakmem

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/otlpfwd/otlpfwd/shared/record"
)

// Kinesis answers PutRecords like Kinesis, accepting every record, and
// counts the tier-2 records and items it got. Other calls get an error.
// Its zero value is ready to use.
type Kinesis struct {
	mu      sync.Mutex
	calls   int
	records int
	items   int
	bytes   int
	bad     []string
}

// Counts are what a Kinesis got.
type Counts struct {
	Calls, Records, Items, Bytes int
	// Bad lists calls it refused or records it could not read.
	Bad []string
}

// Counts returns what it got so far.
func (k *Kinesis) Counts() Counts {
	k.mu.Lock()
	defer k.mu.Unlock()
	return Counts{Calls: k.calls, Records: k.records, Items: k.items, Bytes: k.bytes, Bad: append([]string(nil), k.bad...)}
}

type putRecordsInput struct {
	Records []struct {
		Data         []byte
		PartitionKey string
	}
}

type putResult struct {
	SequenceNumber string
	ShardId        string
}

// ServeHTTP implements http.Handler.
func (k *Kinesis) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	if target != "Kinesis_20131202.PutRecords" {
		k.fail(w, fmt.Sprintf("unexpected call %s %s (target %q)", r.Method, r.URL.Path, target))
		return
	}
	body, err := io.ReadAll(r.Body)
	var in putRecordsInput
	if err == nil {
		err = json.Unmarshal(body, &in)
	}
	if err != nil {
		k.fail(w, "PutRecords: "+err.Error())
		return
	}
	out := struct {
		FailedRecordCount int
		Records           []putResult
	}{Records: make([]putResult, len(in.Records))}
	k.mu.Lock()
	k.calls++
	for i, rec := range in.Records {
		k.records++
		k.bytes += len(rec.Data)
		out.Records[i] = putResult{SequenceNumber: strconv.Itoa(k.records), ShardId: "shardId-000000000000"}
		t2, err := record.Unmarshal(rec.Data)
		if err != nil {
			k.bad = append(k.bad, "tier-2 record: "+err.Error())
			continue
		}
		for _, it := range t2.Items {
			k.items += it.Items
		}
	}
	k.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(out)
}

func (k *Kinesis) fail(w http.ResponseWriter, msg string) {
	k.mu.Lock()
	k.bad = append(k.bad, msg)
	k.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"__type": "InvalidArgumentException", "message": msg})
}
