package faults

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// KinesisPartialFailure fails chosen entries of a Kinesis PutRecords request
// the way AWS throttling does: it removes them from the request, forwards the
// rest (to moto), and splices an error entry into the answer at each removed
// position, raising FailedRecordCount. The failed entries are really not
// written. Match it with Operation "PutRecords"; any other request, or a
// PutRecords it cannot parse, is forwarded unchanged.
//
// The proxy changes the body the client signed, which moto does not check
// and AWS would.
type KinesisPartialFailure struct {
	// Every fails entries Every, 2*Every, ... (counting from 1) of each
	// request: 3 fails the 3rd, 6th, 9th. Zero: none by position.
	Every int
	// Key fails the entries whose partition key it returns true for. Nil:
	// none by key. With Every as well, an entry either one picks fails.
	Key func(partitionKey string) bool
	// ErrorCode is each failed entry's ErrorCode. Zero:
	// "ProvisionedThroughputExceededException".
	ErrorCode string
	// ErrorMessage is each failed entry's ErrorMessage. Zero: "Rate exceeded
	// for shard in stream NAME (fault injected by the otlpfwd proxy).".
	ErrorMessage string
}

func (a KinesisPartialFailure) String() string {
	switch {
	case a.Every > 0 && a.Key != nil:
		return "kinesis partial failure every " + strconv.Itoa(a.Every) + " and by key"
	case a.Key != nil:
		return "kinesis partial failure by key"
	default:
		return "kinesis partial failure every " + strconv.Itoa(a.Every)
	}
}

func (a KinesisPartialFailure) validate() error {
	if a.Every < 0 {
		return fmt.Errorf("Every %d is negative", a.Every)
	}
	if a.Every == 0 && a.Key == nil {
		return errors.New("KinesisPartialFailure needs Every or Key")
	}
	return nil
}

// putRecordsEntry is the part of a PutRecords entry the proxy reads; every
// other field is kept as it came.
type putRecordsEntry struct {
	PartitionKey string
}

func (a KinesisPartialFailure) serve(x *exchange) {
	if !operationIs(x.r.Header, "PutRecords") {
		x.forward()
		return
	}
	body, ok := x.body()
	var req map[string]json.RawMessage
	var records []json.RawMessage
	if !ok || json.Unmarshal(body, &req) != nil || json.Unmarshal(req["Records"], &records) != nil {
		x.fail(errors.New("not a PutRecords body: forwarded unchanged"))
		x.forward()
		return
	}
	drop := make([]bool, len(records))
	var kept []json.RawMessage
	for i, rec := range records {
		drop[i] = a.Every > 0 && (i+1)%a.Every == 0
		if !drop[i] && a.Key != nil {
			var e putRecordsEntry
			drop[i] = json.Unmarshal(rec, &e) == nil && a.Key(e.PartitionKey)
		}
		if !drop[i] {
			kept = append(kept, rec)
		}
	}
	dropped := len(records) - len(kept)
	if dropped == 0 {
		x.forward()
		return
	}
	x.entry.Dropped = dropped
	failure, _ := json.Marshal(map[string]string{"ErrorCode": a.code(), "ErrorMessage": a.message(x.names())})

	if len(kept) == 0 {
		// Nothing left to write: answer as Kinesis would, without asking.
		out := map[string]any{"FailedRecordCount": dropped, "Records": splice(drop, nil, failure)}
		x.writeJSON(http.StatusOK, "application/x-amz-json-1.1", out)
		return
	}
	req["Records"], _ = json.Marshal(kept)
	newBody, err := json.Marshal(req)
	if err != nil {
		x.fail(err)
		x.forward()
		return
	}
	x.r.Header.Set("Accept-Encoding", "identity") // the answer is rewritten
	resp, err := x.roundTrip(newBody)
	if err != nil {
		x.w.WriteHeader(http.StatusBadGateway)
		return
	}
	if resp.StatusCode != http.StatusOK {
		x.copyResponse(resp) // a whole-request error: the client sees it as is
		return
	}
	defer resp.Body.Close()
	var got map[string]json.RawMessage
	var gotRecords []json.RawMessage
	var failed int
	raw, err := io.ReadAll(resp.Body)
	if err == nil {
		err = json.Unmarshal(raw, &got)
	}
	if err == nil {
		err = errors.Join(json.Unmarshal(got["Records"], &gotRecords), json.Unmarshal(got["FailedRecordCount"], &failed))
	}
	if err == nil && len(gotRecords) != len(kept) {
		err = fmt.Errorf("target answered %d records for %d sent", len(gotRecords), len(kept))
	}
	if err != nil {
		// The kept entries were written but their answer is unreadable:
		// fail the call as a whole; the client retries it all.
		x.fail(fmt.Errorf("rewrite PutRecords answer: %w", err))
		x.respond(AWSError(http.StatusInternalServerError, "InternalFailure", "fault proxy could not rewrite the PutRecords answer"))
		return
	}
	got["Records"], _ = json.Marshal(splice(drop, gotRecords, failure))
	got["FailedRecordCount"], _ = json.Marshal(failed + dropped)
	for _, k := range []string{"Content-Length", "Content-Encoding", "X-Amz-Crc32"} {
		resp.Header.Del(k)
	}
	for k, v := range resp.Header {
		x.w.Header()[k] = v
	}
	for _, k := range hopHeaders {
		x.w.Header().Del(k)
	}
	x.writeJSON(http.StatusOK, resp.Header.Get("Content-Type"), got)
}

// splice puts failure at each dropped position and the target's answers, in
// order, everywhere else.
func splice(drop []bool, answers []json.RawMessage, failure json.RawMessage) []json.RawMessage {
	out := make([]json.RawMessage, len(drop))
	for i, d := range drop {
		if d {
			out[i] = failure
		} else {
			out[i], answers = answers[0], answers[1:]
		}
	}
	return out
}

func (a KinesisPartialFailure) code() string {
	if a.ErrorCode == "" {
		return "ProvisionedThroughputExceededException"
	}
	return a.ErrorCode
}

func (a KinesisPartialFailure) message(n *bodyNames) string {
	if a.ErrorMessage != "" {
		return a.ErrorMessage
	}
	stream := n.StreamName
	if stream == "" {
		stream = n.StreamARN
	}
	return "Rate exceeded for shard in stream " + stream + " (fault injected by the otlpfwd proxy)."
}

func (x *exchange) writeJSON(status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		x.fail(err)
		x.w.WriteHeader(http.StatusInternalServerError)
		return
	}
	if contentType == "" {
		contentType = "application/x-amz-json-1.1"
	}
	x.w.Header().Set("Content-Type", contentType)
	x.w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	x.w.WriteHeader(status)
	_, _ = x.w.Write(b)
}
