package dlq

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

func expected(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "envelope", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func meta() Message {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	return Message{Reason: RetriesExhausted, Collector: "c", Signal: "traces", Status: 503, Error: "503 Service Unavailable",
		BodyExcerpt: "busy", Attempts: 4, FirstFailure: now, LastFailure: now.Add(time.Second), Items: 6,
		Source: Source{Stream: "arn:aws:kinesis:eu-west-1:1:stream/export", Shard: "shardId-000000000001", FirstSeq: "1", LastSeq: "9"}}
}

func TestBuildParseRoundTrip(t *testing.T) {
	raw := expected(t, "v0.17.3-gzip6.expected.pb")
	bodies, err := Build(meta(), raw, 0)
	if err != nil || len(bodies) != 1 {
		t.Fatalf("Build = %d bodies, %v", len(bodies), err)
	}
	m, err := Parse(bodies[0])
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Raw()
	if err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("Raw = %d bytes, %v", len(got), err)
	}
	want := meta()
	if m.V != Version || m.Reason != want.Reason || m.Status != 503 || m.Items != 6 || m.Source != want.Source ||
		!m.FirstFailure.Equal(want.FirstFailure) || m.Encoding != "gzip" || m.SignalOf() != otlp.Traces {
		t.Fatalf("metadata %+v", m)
	}
}

// A request larger than a message splits on OTLP boundaries: every part
// is a valid request, within the limit, and the items add up.
func TestBuildSplitsOnOTLPBoundaries(t *testing.T) {
	var reqs [][]byte
	for _, n := range []string{"v0.17.3-multi-service.1.expected.pb", "v0.17.3-multi-service.2.expected.pb", "v0.17.3-multi-service.3.expected.pb"} {
		reqs = append(reqs, expected(t, n))
	}
	merged, err := otlp.Merge(otlp.Traces, reqs, 0)
	if err != nil || len(merged) != 1 {
		t.Fatal(err)
	}
	m := meta()
	m.Items = merged[0].Items
	const limit = 2500
	bodies, err := Build(m, merged[0].Data, limit)
	if err != nil {
		t.Fatal(err)
	}
	if len(bodies) < 3 {
		t.Fatalf("%d bodies; want a split", len(bodies))
	}
	items := 0
	for _, b := range bodies {
		if len(b) > limit {
			t.Fatalf("body of %d bytes exceeds %d", len(b), limit)
		}
		p, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		if p.Chunk != nil {
			t.Fatal("an OTLP request was cut into byte chunks instead of split")
		}
		raw, err := p.Raw()
		if err != nil {
			t.Fatal(err)
		}
		st, err := otlp.Scan(otlp.Traces, raw)
		if err != nil || st.Items != p.Items {
			t.Fatalf("part: %+v, %v (says %d items)", st, err, p.Items)
		}
		items += p.Items
	}
	if items != merged[0].Items {
		t.Fatalf("parts hold %d items, want %d", items, merged[0].Items)
	}
}

// noise returns n incompressible bytes (xorshift).
func noise(n int) []byte {
	raw := make([]byte, n)
	x := uint32(2463534242)
	for i := range raw {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		raw[i] = byte(x)
	}
	return raw
}

// sqsAllowed is the character set SQS accepts in a message body.
func sqsAllowed(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

// An error or excerpt quoting an application's line may hold U+FFFE and
// U+FFFF, which SQS refuses: the body escapes them and Parse gives the
// text back unchanged.
func TestBodyHoldsOnlyWhatSQSAccepts(t *testing.T) {
	m := meta()
	m.Error = "request \uFFFF\x00\x1f: no Duration \uFFFE \xff"
	m.BodyExcerpt = "busy \uFFFF"
	m.LogGroup = "/aws/lambda/\uFFFE"
	bodies, err := Build(m, expected(t, "v0.17.3-multi-service.jsonl"), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bodies {
		for i, r := range b {
			if !sqsAllowed(r) {
				t.Fatalf("body holds %U at %d, which SQS refuses: %q", r, i, b)
			}
		}
		got, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		if got.Error != strings.ToValidUTF8(m.Error, "\uFFFD") || got.BodyExcerpt != m.BodyExcerpt || got.LogGroup != m.LogGroup {
			t.Fatalf("parsed %q %q %q", got.Error, got.BodyExcerpt, got.LogGroup)
		}
	}
}

// A payload of a signal that is not a valid request (a damaged item
// dead-lettered for that reason) and too big for one message is cut into
// chunks, not refused.
func TestDamagedRequestTooBigIsChunked(t *testing.T) {
	raw := noise(400 << 10)
	bodies, err := Build(meta(), raw, 0)
	if err != nil || len(bodies) < 2 {
		t.Fatalf("Build = %d bodies, %v", len(bodies), err)
	}
	var parts []*Message
	for _, b := range bodies {
		p, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, p)
	}
	whole, err := Join(parts)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := whole.Raw(); err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("joined payload differs (%v)", err)
	}
}

// Bytes that are not OTLP are cut into chunks that Join puts back.
func TestUndecodableChunksAndJoin(t *testing.T) {
	raw := noise(20000)
	m := Message{Reason: Undecodable, Error: "gunzip: unexpected EOF", Source: Source{Shard: "s", FirstSeq: "5", LastSeq: "5"}, LogGroup: "/aws/lambda/x"}
	bodies, err := Build(m, raw, 4096)
	if err != nil || len(bodies) < 2 {
		t.Fatalf("Build = %d bodies, %v", len(bodies), err)
	}
	var parts []*Message
	for i := len(bodies) - 1; i >= 0; i-- { // any order
		if len(bodies[i]) > 4096 {
			t.Fatalf("chunk of %d bytes", len(bodies[i]))
		}
		p, err := Parse(bodies[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Raw(); err == nil || !strings.Contains(err.Error(), "join the group first") {
			t.Fatalf("Raw of a chunk: %v", err)
		}
		parts = append(parts, p)
	}
	whole, err := Join(parts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := whole.Raw()
	if err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("joined payload differs (%v)", err)
	}
	if _, err := Join(parts[1:]); err == nil {
		t.Fatal("Join with a chunk missing succeeded")
	}
}

func TestParseErrors(t *testing.T) {
	for body, want := range map[string]string{
		"hello":                         "not an otlpfwd message",
		`{"reason":"permanent"}`:        "no version",
		`{"v":99,"reason":"permanent"}`: "newer than this build",
		`{"v":1,"payload":"AAAA"}`:      "no reason",
		`{"v":1,"reason":"permanent"}`:  "no payload",
	} {
		if _, err := Parse(body); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%s) = %v, want %q", body, err, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	b, err := Build(meta(), []byte{0x0a, 0x00}, 0)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b[0])
	f.Fuzz(func(t *testing.T, body string) {
		m, err := Parse(body)
		if err != nil {
			return
		}
		_, _ = m.Raw()
	})
}
