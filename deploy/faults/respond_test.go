package faults

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestForwardsUnchanged(t *testing.T) {
	tg := newTarget(t)
	p := startProxy(t, tg.URL, Options{})
	c := newClient(t, 30*time.Second)
	got := send(c, http.MethodPost, p.URL()+"/v1/traces?x=1", nil, "payload")
	if got.err != nil || got.status != http.StatusOK || got.body != "ok "+sha("payload") {
		t.Fatalf("got %+v, want 200 %q", got, "ok "+sha("payload"))
	}
	reqs := p.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/v1/traces" || !reqs[0].Forwarded || reqs[0].Injected || reqs[0].Status != 200 {
		t.Fatalf("request log %+v", reqs)
	}
	if s := p.Stats(); s.Requests != 1 || s.Forwarded != 1 || s.Injected != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestRespond(t *testing.T) {
	date := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC).Format(http.TimeFormat)
	tests := []struct {
		name       string
		action     Respond
		reqType    string
		wantStatus int
		wantBody   string
		wantHeader map[string]string
	}{
		{"503 with seconds", Respond{Status: 503, Body: "busy", RetryAfter: "2"}, "", 503, "busy",
			map[string]string{"Retry-After": "2", "Content-Type": "text/plain; charset=utf-8"}},
		{"429 with date", Respond{Status: 429, RetryAfter: date}, "", 429, "",
			map[string]string{"Retry-After": date}},
		{"zero status is 503", Respond{}, "", 503, "", map[string]string{"Retry-After": ""}},
		{"400 with type", Respond{Status: 400, Body: "bad", ContentType: "application/json"}, "", 400, "bad",
			map[string]string{"Content-Type": "application/json"}},
		{"aws kinesis", AWSError(503, "ServiceUnavailable", "down for a while"), "application/x-amz-json-1.1", 503,
			`{"__type":"ServiceUnavailable","message":"down for a while"}`,
			map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amzn-Errortype": "ServiceUnavailable"}},
		{"aws sqs", AWSError(400, "ThrottlingException", "Rate exceeded"), "application/x-amz-json-1.0", 400,
			`{"__type":"ThrottlingException","message":"Rate exceeded"}`,
			map[string]string{"Content-Type": "application/x-amz-json-1.0"}},
		{"extra header", Respond{Status: 503, Header: http.Header{"X-Amz-Retry-After": {"1500"}}}, "", 503, "",
			map[string]string{"X-Amz-Retry-After": "1500"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := newTarget(t)
			p := startProxy(t, tg.URL, Options{})
			mustSet(t, p, Rule{Times: 2, Action: tt.action})
			c := newClient(t, 30*time.Second)
			h := http.Header{}
			if tt.reqType != "" {
				h.Set("Content-Type", tt.reqType)
			}
			for i := range 2 {
				got := send(c, http.MethodPost, p.URL()+"/v1/traces", h, "data")
				if got.err != nil || got.status != tt.wantStatus || got.body != tt.wantBody {
					t.Fatalf("request %d: got %d %q (%v), want %d %q", i, got.status, got.body, got.err, tt.wantStatus, tt.wantBody)
				}
				for k, v := range tt.wantHeader {
					if g := got.header.Get(k); g != v {
						t.Errorf("header %s = %q, want %q", k, g, v)
					}
				}
			}
			if n := tg.hits.Load(); n != 0 {
				t.Fatalf("target got %d requests while the rule answered", n)
			}
			// Times used up: forwarded.
			if got := send(c, http.MethodPost, p.URL()+"/v1/traces", h, "data"); got.status != 200 || tg.hits.Load() != 1 {
				t.Fatalf("after Times: got %d, target hits %d; want forwarded", got.status, tg.hits.Load())
			}
			s := p.Stats()
			if s.Requests != 3 || s.Injected != 2 || s.Forwarded != 1 || s.Rules[tt.action.String()] != 2 {
				t.Fatalf("stats %+v", s)
			}
		})
	}
}

func TestForwardThenFail(t *testing.T) {
	tg := newTarget(t)
	p := startProxy(t, tg.URL, Options{})
	mustSet(t, p, Rule{Times: 1, Action: Respond{Status: 503, Body: "lost answer", Forward: true}})
	c := newClient(t, 30*time.Second)
	got := send(c, http.MethodPost, p.URL()+"/v1/logs", nil, "processed once")
	if got.err != nil || got.status != 503 || got.body != "lost answer" {
		t.Fatalf("got %+v, want 503 lost answer", got)
	}
	tg.mu.Lock()
	bodies := append([]string(nil), tg.bodies...)
	tg.mu.Unlock()
	if len(bodies) != 1 || bodies[0] != sha("processed once") {
		t.Fatalf("target bodies %q, want the one request whole", bodies)
	}
	if r := p.Requests()[0]; !r.Forwarded || !r.Injected || r.Status != 503 || r.Action != "forward then respond 503" {
		t.Fatalf("log entry %+v", r)
	}
}

func TestMatch(t *testing.T) {
	teapot := Respond{Status: http.StatusTeapot}
	kinesis := func(op string) http.Header {
		return http.Header{"X-Amz-Target": {"Kinesis_20131202." + op}, "Content-Type": {"application/x-amz-json-1.1"}}
	}
	arn := "arn:aws:kinesis:us-east-1:123456789012:stream/export"
	tests := []struct {
		name   string
		rule   Rule
		method string
		path   string
		header http.Header
		body   string
		want   bool // the rule applies
	}{
		{"no condition", Rule{}, "GET", "/", nil, "", true},
		{"method", Rule{Method: "POST"}, "POST", "/v1/traces", nil, "x", true},
		{"other method", Rule{Method: "POST"}, "GET", "/v1/traces", nil, "", false},
		{"path prefix", Rule{PathPrefix: "/v1/traces"}, "POST", "/v1/traces", nil, "x", true},
		{"other path", Rule{PathPrefix: "/v1/traces"}, "POST", "/v1/logs", nil, "x", false},
		{"operation short", Rule{Operation: "PutRecords"}, "POST", "/", kinesis("PutRecords"), "{}", true},
		{"operation full", Rule{Operation: "Kinesis_20131202.PutRecords"}, "POST", "/", kinesis("PutRecords"), "{}", true},
		{"other operation", Rule{Operation: "PutRecords"}, "POST", "/", kinesis("PutRecord"), "{}", false},
		{"no target header", Rule{Operation: "PutRecords"}, "POST", "/", nil, "{}", false},
		{"stream name", Rule{Stream: "export"}, "POST", "/", kinesis("PutRecords"), `{"StreamName":"export","Records":[]}`, true},
		{"stream by name in arn", Rule{Stream: "export"}, "POST", "/", kinesis("PutRecords"), `{"StreamARN":"` + arn + `"}`, true},
		{"stream arn", Rule{Stream: arn}, "POST", "/", kinesis("PutRecords"), `{"StreamARN":"` + arn + `"}`, true},
		{"other stream", Rule{Stream: "export"}, "POST", "/", kinesis("PutRecords"), `{"StreamName":"raw"}`, false},
		{"stream suffix only", Rule{Stream: "port"}, "POST", "/", kinesis("PutRecords"), `{"StreamARN":"` + arn + `"}`, false},
		{"queue name", Rule{Queue: "otlpfwd-dlq"}, "POST", "/", nil, `{"QueueUrl":"http://127.0.0.1:5000/123456789012/otlpfwd-dlq","Entries":[]}`, true},
		{"other queue", Rule{Queue: "otlpfwd-dlq"}, "POST", "/", nil, `{"QueueUrl":"http://127.0.0.1:5000/123456789012/other"}`, false},
		{"body predicate", Rule{Body: func(b []byte) bool { return bytes.Contains(b, []byte("tag-7")) }}, "POST", "/", nil, "span tag-7", true},
		{"body predicate false", Rule{Body: func(b []byte) bool { return bytes.Contains(b, []byte("tag-7")) }}, "POST", "/", nil, "span tag-8", false},
		{"all conditions", Rule{Method: "POST", Operation: "PutRecords", Stream: "export", Body: func(b []byte) bool { return true }},
			"POST", "/", kinesis("PutRecords"), `{"StreamName":"export"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := newTarget(t)
			p := startProxy(t, tg.URL, Options{})
			tt.rule.Action = teapot
			mustSet(t, p, tt.rule)
			got := send(newClient(t, 30*time.Second), tt.method, p.URL()+tt.path, tt.header, tt.body)
			if got.err != nil {
				t.Fatal(got.err)
			}
			if applied := got.status == http.StatusTeapot; applied != tt.want {
				t.Fatalf("status %d: rule applied %v, want %v", got.status, applied, tt.want)
			}
			if !tt.want && got.body != "ok "+sha(tt.body) {
				t.Fatalf("forwarded body reached the target as %q, want the hash of %q", got.body, tt.body)
			}
		})
	}
}

func TestRulesInOrder(t *testing.T) {
	tg := newTarget(t)
	p := startProxy(t, tg.URL, Options{})
	mustSet(t, p,
		Rule{Name: "let one through", PathPrefix: "/v1/traces", Times: 1},
		Rule{Name: "then 503 twice", PathPrefix: "/v1/traces", Times: 2, Action: Respond{Status: 503}},
		Rule{Name: "then 429", PathPrefix: "/v1/traces", Action: Respond{Status: 429}},
	)
	c := newClient(t, 30*time.Second)
	var statuses []int
	for range 5 {
		statuses = append(statuses, send(c, "POST", p.URL()+"/v1/traces", nil, "x").status)
	}
	if want := []int{200, 503, 503, 429, 429}; !equalInts(statuses, want) {
		t.Fatalf("statuses %v, want %v", statuses, want)
	}
	s := p.Stats()
	if s.Rules["let one through"] != 1 || s.Rules["then 503 twice"] != 2 || s.Rules["then 429"] != 2 || s.Injected != 4 {
		t.Fatalf("stats %+v", s)
	}
	p.Clear()
	if got := send(c, "POST", p.URL()+"/v1/traces", nil, "x"); got.status != 200 {
		t.Fatalf("after Clear: %d, want 200", got.status)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestWindow(t *testing.T) {
	var now atomic.Int64
	base := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	now.Store(base.UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	tg := newTarget(t)
	p := startProxy(t, tg.URL, Options{Now: clock})
	mustSet(t, p, Rule{After: 10 * time.Second, For: 5 * time.Second, Action: Respond{Status: 503}})
	c := newClient(t, 30*time.Second)
	for _, step := range []struct {
		at   time.Duration
		want int
	}{{0, 200}, {9 * time.Second, 200}, {10 * time.Second, 503}, {14 * time.Second, 503}, {15 * time.Second, 200}, {time.Hour, 200}} {
		now.Store(base.Add(step.at).UnixNano())
		if got := send(c, "GET", p.URL()+"/", nil, ""); got.status != step.want {
			t.Fatalf("at +%v: status %d, want %d", step.at, got.status, step.want)
		}
	}
	if r := p.Requests()[0]; !r.Time.Equal(base) {
		t.Fatalf("log time %v, want the injected clock's %v", r.Time, base)
	}
}

func TestTimesUnderConcurrency(t *testing.T) {
	tg := newTarget(t)
	p := startProxy(t, tg.URL, Options{})
	mustSet(t, p, Rule{Times: 10, Action: Respond{Status: 503}})
	c := newClient(t, 30*time.Second)
	const n = 64
	var wg sync.WaitGroup
	var injected, forwarded, failed atomic.Int64
	for i := range n {
		wg.Go(func() {
			body := strings.Repeat("x", 1000+i)
			switch got := send(c, "POST", p.URL()+"/v1/traces", nil, body); {
			case got.err != nil:
				failed.Add(1)
			case got.status == 503:
				injected.Add(1)
			case got.status == 200 && got.body == "ok "+sha(body):
				forwarded.Add(1)
			default:
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if injected.Load() != 10 || forwarded.Load() != n-10 || failed.Load() != 0 || tg.hits.Load() != n-10 {
		t.Fatalf("injected %d forwarded %d failed %d target hits %d; want 10, %d, 0, %d",
			injected.Load(), forwarded.Load(), failed.Load(), tg.hits.Load(), n-10, n-10)
	}
	if s := p.Stats(); s.Requests != n || s.Injected != 10 || s.Forwarded != n-10 {
		t.Fatalf("stats %+v", s)
	}
}

func TestSetRejectsBadRules(t *testing.T) {
	tg := newTarget(t)
	p := startProxy(t, tg.URL, Options{})
	mustSet(t, p, Rule{Name: "keep", Action: Respond{Status: 418}})
	err := p.Set(
		Rule{Times: -1},
		Rule{Action: Respond{Status: 99}},
		Rule{Action: Respond{RetryAfter: "soon"}},
		Rule{Action: KinesisPartialFailure{}},
		Rule{Action: Delay{Duration: -time.Second}},
		Rule{For: -time.Second},
	)
	if err == nil {
		t.Fatal("Set accepted bad rules")
	}
	for _, want := range []string{"rule 0", "rule 1", "rule 2", "rule 3", "rule 4", "rule 5"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if got := send(newClient(t, 30*time.Second), "GET", p.URL()+"/", nil, ""); got.status != 418 {
		t.Fatalf("status %d after a failed Set: the old rules must stay", got.status)
	}
}

func TestStartRejectsBadTarget(t *testing.T) {
	for _, target := range []string{"", "127.0.0.1:4318", "ftp://x/", "http://", "://"} {
		if p, err := Start(t.Context(), target, Options{}); err == nil {
			p.Close()
			t.Errorf("Start(%q) succeeded", target)
		}
	}
}

func TestLogIsBoundedAndHoldsNoSecrets(t *testing.T) {
	const secret = "Bearer s3cr3t-t0ken"
	const payload = "payload-4b1d"
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tg := newTarget(t)
	p := startProxy(t, tg.URL, Options{LogSize: 3, Logger: logger})
	mustSet(t, p, Rule{Times: 2, Action: Respond{Status: 503}}, Rule{Body: func([]byte) bool { return true }, Action: Forward{}})
	c := newClient(t, 30*time.Second)
	h := http.Header{"Authorization": {secret}}
	for i := range 5 {
		send(c, "POST", p.URL()+"/v1/traces/"+string(rune('a'+i)), h, payload)
	}
	reqs := p.Requests()
	if len(reqs) != 3 || reqs[0].Path != "/v1/traces/c" || reqs[2].Path != "/v1/traces/e" {
		t.Fatalf("log %+v, want the last 3 requests, oldest first", reqs)
	}
	if s := p.Stats(); s.Requests != 5 {
		t.Fatalf("stats count %d requests, want 5 (the bound is on the log only)", s.Requests)
	}
	if !strings.Contains(logs.String(), `"rule":"respond 503"`) {
		t.Fatalf("logger got no line for the injected requests: %s", logs.String())
	}
	entries, _ := json.Marshal(p.Requests())
	for _, leak := range []string{"s3cr3t", payload} {
		if strings.Contains(logs.String(), leak) || strings.Contains(string(entries), leak) {
			t.Fatalf("%q leaked into the logs:\n%s\n%s", leak, logs.String(), entries)
		}
	}
}
