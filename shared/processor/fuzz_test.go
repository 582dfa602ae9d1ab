package processor

import (
	"errors"
	"testing"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// fuzzProcessor seeds f from the cases of files and checks that p never
// panics, and that whatever it makes is a valid OTLP request of its signal
// (otlp.Scan, which is what the Chain runs) with one resource.
func fuzzProcessor(f *testing.F, p Processor, newEvent func(string) *Event, files ...string) {
	for _, file := range files {
		c := cases(f, file)
		for _, name := range sortedNames(c) {
			f.Add(c[name])
		}
	}
	f.Fuzz(func(t *testing.T, msg string) {
		out, err := p.Process(newEvent(msg), nil)
		if err != nil {
			if len(out) != 0 {
				t.Fatalf("error %v with %d requests", err, len(out))
			}
			if errors.Is(err, ErrNotMine) || errors.Is(err, ErrInProgress) {
				return
			}
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		for _, tel := range out {
			st, err := otlp.Scan(tel.Signal, tel.Proto)
			if err != nil {
				t.Fatalf("%s made an invalid %s request from %q: %v", p.Name(), tel.Signal, msg, err)
			}
			if st.Resources != 1 || st.Scopes != 1 {
				t.Fatalf("stats %+v", st)
			}
		}
	})
}

func FuzzAWSSpans(f *testing.F) {
	fuzzProcessor(f, AWSSpans{}, spansEvent, "aws-spans.json")
}

func FuzzLambdaPlatform(f *testing.F) {
	fuzzProcessor(f, LambdaPlatform{}, lambdaEvent, "lambda-platform.json", "plain-logs.json")
}

func FuzzPlainLogs(f *testing.F) {
	fuzzProcessor(f, PlainLogs{}, plainEvent, "plain-logs.json", "lambda-platform.json")
}

// FuzzChain runs every processor in order on any line, in a Lambda log
// group and in aws/spans, with plain logs asked for.
func FuzzChain(f *testing.F) {
	for _, file := range []string{"aws-spans.json", "lambda-platform.json", "plain-logs.json"} {
		c := cases(f, file)
		for _, name := range sortedNames(c) {
			f.Add(c[name], file == "aws-spans.json")
		}
	}
	chain := Default()
	f.Fuzz(func(t *testing.T, msg string, spans bool) {
		ev := plainEvent(msg)
		if spans {
			ev.LogGroup = SpansLogGroup
		}
		out, outcome, err := chain.Process(ev, nil)
		if (outcome == Undecodable) != (err != nil) || (outcome != Decoded && len(out) != 0) {
			t.Fatalf("outcome %v, err %v, %d requests", outcome, err, len(out))
		}
		if outcome == Decoded && len(out) == 0 {
			t.Fatal("decoded to nothing")
		}
		MergePayload(out)
	})
}
