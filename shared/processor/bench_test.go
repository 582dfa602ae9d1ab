package processor

import (
	"testing"
)

// benchProcessor runs p over the named cases in turn and reports events/s
// and the bytes of log message read per second.
func benchProcessor(b *testing.B, p Processor, newEvent func(string) *Event, file string, names ...string) {
	c := cases(b, file)
	evs := make([]*Event, len(names))
	size := 0
	for i, n := range names {
		evs[i] = newEvent(c[n])
		size += len(c[n])
	}
	b.SetBytes(int64(size / len(evs)))
	b.ReportAllocs()
	dst := make([]Telemetry, 0, 1)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		var err error
		dst, err = p.Process(evs[i%len(evs)], dst[:0])
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkAWSSpans(b *testing.B) {
	benchProcessor(b, AWSSpans{}, spansEvent, "aws-spans.json", "lambda-server", "client-error", "agentcore-chat", "with-links")
}

func BenchmarkLambdaPlatform(b *testing.B) {
	b.Run("text", func(b *testing.B) {
		benchProcessor(b, LambdaPlatform{}, lambdaEvent, "lambda-platform.json", "text-cold", "text-warm", "text-snapstart")
	})
	b.Run("json", func(b *testing.B) {
		benchProcessor(b, LambdaPlatform{}, lambdaEvent, "lambda-platform.json", "json", "json-snapstart")
	})
}

func BenchmarkPlainLogs(b *testing.B) {
	b.Run("text", func(b *testing.B) {
		benchProcessor(b, PlainLogs{}, plainEvent, "plain-logs.json", "node-text", "python-text", "prefix", "plain")
	})
	b.Run("json", func(b *testing.B) {
		benchProcessor(b, PlainLogs{}, plainEvent, "plain-logs.json", "json-lambda", "json-pino", "json-dotnet", "json-powertools")
	})
}

// BenchmarkMergePayload merges the plain log records of a 100-line payload.
func BenchmarkMergePayload(b *testing.B) {
	c := cases(b, "plain-logs.json")
	tel, err := PlainLogs{}.Process(plainEvent(c["node-text"]), nil)
	if err != nil {
		b.Fatal(err)
	}
	batch := make([]Telemetry, 100)
	size := 0
	for i := range batch {
		batch[i] = tel[0]
		size += len(tel[0].Proto)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		if out := MergePayload(batch); len(out) != 1 {
			b.Fatal(len(out))
		}
	}
}
