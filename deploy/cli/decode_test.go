package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

func run(t *testing.T, stdin []byte, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), args, IO{In: bytes.NewReader(stdin), Out: &out, Err: &errOut})
	return code, out.String(), errOut.String()
}

// TestDecodeKinesisEvent decodes the fixture event and checks every line
// and the summary against the manifest.
func TestDecodeKinesisEvent(t *testing.T) {
	f := fixture.Load(t).Files["kinesis/event.json"]
	code, stdout, stderr := run(t, nil, "decode", fixture.Path("kinesis/event.json"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var sum decodeSummary
	if err := json.Unmarshal([]byte(stderr), &sum); err != nil {
		t.Fatalf("stderr is not one JSON summary line: %q", stderr)
	}
	tot := f.Totals
	// The fixture's three REPORT lines, noise to the manifest, decode to
	// one metrics request each (processor lambda-platform).
	reports := strings.Count(stdout, `"otlpfwd/lambda-platform"`)
	if reports != 3 || sum.Records != f.Records || sum.ControlMessages != f.ControlRecords ||
		sum.SkippedLines != int(tot["noise_lines"].(float64))-reports ||
		sum.Telemetry != int(tot["valid_envelope_lines"].(float64))+reports || len(sum.Undecodable) != 3 {
		t.Fatalf("summary %+v (%d REPORT lines) disagrees with the manifest %v", sum, reports, tot)
	}
	for _, u := range sum.Undecodable {
		if u.Sequence == "" || u.Error == "" {
			t.Fatalf("undecodable entry %+v lacks the sequence or the error", u)
		}
	}
	var ids []string
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var l decodedLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		sig, err := otlp.ParseSignal(l.Signal)
		if err != nil || l.Source == "" || l.LogGroup == "" {
			t.Fatalf("line %s", sc.Text())
		}
		if sig == otlp.Traces && !strings.Contains(string(l.Request), `"aws.log.group.names"`) {
			t.Fatal("request lacks the resource attributes ingest adds")
		}
		pb, err := otlp.UnmarshalJSON(sig, l.Request)
		if err != nil {
			t.Fatalf("request is not OTLP/JSON: %v", err)
		}
		got, err := fixture.TestIDs(sig, pb)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range got {
			if id != "" { // REPORT metrics carry no test id
				ids = append(ids, id)
			}
		}
	}
	if len(ids) != f.TestIDOccurrences {
		t.Fatalf("%d items decoded, want %d", len(ids), f.TestIDOccurrences)
	}
	slices.Sort(ids)
	if !slices.Equal(slices.Compact(ids), f.TestIDs) {
		t.Fatalf("decoded ids %v\nwant %v", ids, f.TestIDs)
	}
}

func TestDecodePayloadFromStdinRaw(t *testing.T) {
	code, stdout, stderr := run(t, fixture.Read(t, "cwlogs/mixed.json.gz"), "decode", "--raw")
	// Four envelopes and the REPORT line's metrics.
	if code != 0 || strings.Count(stdout, "\n") != 5 {
		t.Fatalf("exit %d, %d lines: %s", code, strings.Count(stdout, "\n"), stderr)
	}
	for line := range strings.Lines(stdout) {
		// lambda-platform names the log group in its own resource; the
		// envelopes' requests stay as the application wrote them.
		if !strings.Contains(line, `"otlpfwd/lambda-platform"`) && strings.Contains(line, "aws.log.group.names") {
			t.Fatal("--raw added resource attributes")
		}
	}
}

func TestDecodeRejectsOtherInput(t *testing.T) {
	for name, in := range map[string]string{
		"json":  `{"hello":"world"}`,
		"text":  "hello",
		"array": `[1]`,
	} {
		code, _, stderr := run(t, []byte(in), "decode")
		if code == 0 || !strings.Contains(stderr, "neither a Lambda Kinesis event") && !strings.Contains(stderr, "not JSON") {
			t.Errorf("%s: exit %d, stderr %q", name, code, stderr)
		}
	}
	if code, _, _ := run(t, nil, "decode", "a", "b"); code != ExitUsage {
		t.Errorf("two files: exit %d", code)
	}
}
