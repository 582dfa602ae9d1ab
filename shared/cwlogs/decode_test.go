package cwlogs

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/fixture"
)

func TestDecodeFixtures(t *testing.T) {
	m := fixture.Load(t)
	for _, name := range m.Names("cwlogs/") {
		f := m.Files[name]
		t.Run(name, func(t *testing.T) {
			p, _, err := Decode(fixture.Read(t, name), nil, Options{})
			if f.Decodable != nil && !*f.Decodable {
				if err == nil {
					t.Fatal("damaged payload decoded without error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.MessageType != f.MessageType || p.Owner != f.Owner || p.LogGroup != f.LogGroup || p.LogStream != f.LogStream {
				t.Fatalf("got %s/%s/%s/%s, want %s/%s/%s/%s", p.MessageType, p.Owner, p.LogGroup, p.LogStream, f.MessageType, f.Owner, f.LogGroup, f.LogStream)
			}
			if len(p.LogEvents) != f.LogEvents {
				t.Fatalf("%d log events, want %d", len(p.LogEvents), f.LogEvents)
			}
			for _, e := range p.LogEvents {
				if p.MessageType == DataMessage && (e.ID == "" || strings.ContainsAny(string(e.ID), ".eE+")) {
					t.Fatalf("event id %q: want the plain digits", e.ID)
				}
				if e.Timestamp <= 0 && p.MessageType == DataMessage {
					t.Fatalf("event %s has no timestamp", e.ID)
				}
			}
			if p.IsControl() != (f.MessageType == ControlMessage) {
				t.Fatalf("IsControl = %v", p.IsControl())
			}
		})
	}
}

// moto writes ids as JSON numbers; the decoded events must equal the AWS
// shape's exactly (no float rounding of 56-digit ids).
func TestNumericIDsMatchStringIDs(t *testing.T) {
	a, _, err := Decode(fixture.Read(t, "cwlogs/mixed.json.gz"), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := Decode(fixture.Read(t, "cwlogs/mixed-numeric-ids.json.gz"), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := compress.Gunzip(nil, fixture.Read(t, "cwlogs/mixed-numeric-ids.json.gz"), 0)
	if !strings.Contains(string(raw), `"id":1`) {
		t.Fatal("fixture does not hold numeric ids")
	}
	if len(a.LogEvents) != len(b.LogEvents) {
		t.Fatalf("%d vs %d events", len(a.LogEvents), len(b.LogEvents))
	}
	for i := range a.LogEvents {
		if a.LogEvents[i] != b.LogEvents[i] {
			t.Fatalf("event %d: %+v vs %+v", i, a.LogEvents[i], b.LogEvents[i])
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := map[string]struct {
		in   string
		want string
	}{
		"not json":         {"hello", "not a subscription payload"},
		"no type":          {`{"owner":"1"}`, "no messageType"},
		"unknown type":     {`{"messageType":"X"}`, `unknown messageType "X"`},
		"data no group":    {`{"messageType":"DATA_MESSAGE","logEvents":[]}`, "without logGroup"},
		"bad id":           {`{"messageType":"DATA_MESSAGE","logGroup":"g","logEvents":[{"id":true}]}`, "log event id"},
		"fractional id ok": {`{"messageType":"DATA_MESSAGE","logGroup":"g","logEvents":[{"id":1e3,"timestamp":1,"message":"m"}]}`, ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, _, err := Decode([]byte(tt.in), nil, Options{})
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestDecodeRefusesBomb(t *testing.T) {
	js, _ := json.Marshal(Payload{MessageType: DataMessage, LogGroup: "g", LogEvents: []LogEvent{{ID: "1", Message: strings.Repeat("a", 4<<20)}}})
	_, _, err := Decode(compress.Gzip(nil, js, 9), nil, Options{MaxInflated: 1 << 20})
	if !errors.Is(err, compress.ErrTooLarge) {
		t.Fatalf("error = %v, want ErrTooLarge", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range []string{"cwlogs/mixed.json.gz", "cwlogs/control-message.json.gz", "cwlogs/plain-not-gzipped.json", "cwlogs/truncated.json.gz"} {
		b, err := os.ReadFile(fixture.Path(name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, _, err := Decode(data, nil, Options{MaxInflated: 4 << 20})
		if err == nil && p.MessageType != DataMessage && p.MessageType != ControlMessage {
			t.Fatalf("accepted message type %q", p.MessageType)
		}
	})
}
