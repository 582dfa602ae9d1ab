package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/spf13/cobra"

	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/cwlogs"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/processor"
)

// maxDecodeInput bounds what decode reads (a Lambda Kinesis batch is at
// most 6 MB of payload, more once base64-encoded in the event).
const maxDecodeInput = 256 << 20

func newDecodeCmd(std IO) *cobra.Command {
	var raw bool
	cmd := &cobra.Command{
		Use:   "decode [FILE]",
		Short: "Decode a Lambda Kinesis event or a CloudWatch Logs payload to OTLP/JSON",
		Long: `decode reads FILE (or stdin) holding either a Lambda Kinesis event (JSON, as
Lambda delivers it to the ingest function) or one CloudWatch Logs subscription
payload (gzip or JSON), decodes every log event as the ingest Lambda does, and
writes one JSON line per OTLP request found:

  {"signal":"traces","source":"checkout","log_group":"/aws/lambda/checkout","request":{...}}

where request is the OTLP/JSON export request (hex trace and span ids), with
the resource attributes ingest adds (log group, stream, account, region) unless
--raw. A one-line JSON summary goes to stderr. It exits 0 when it could read the
input, even if some records were undecodable (they are listed in the summary).`,
		Args: args(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			in := std.In
			name := "stdin"
			if len(args) == 1 && args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				in, name = f, args[0]
			}
			data, err := io.ReadAll(io.LimitReader(in, maxDecodeInput+1))
			if err != nil {
				return fmt.Errorf("read %s: %w", name, err)
			}
			if len(data) > maxDecodeInput {
				return fmt.Errorf("%s is larger than %d MiB: not a Lambda Kinesis event or a CloudWatch Logs payload", name, maxDecodeInput>>20)
			}
			return runDecode(data, name, raw, std)
		},
	}
	cmd.Flags().BoolVar(&raw, "raw", false, "print requests as the application wrote them, without the resource attributes ingest adds")
	return cmd
}

// decodeSummary is the stderr summary line.
type decodeSummary struct {
	Records         int               `json:"records"`
	ControlMessages int               `json:"control_messages"`
	LogEvents       int               `json:"log_events"`
	Telemetry       int               `json:"telemetry"`
	SkippedLines    int               `json:"skipped_lines"`
	Undecodable     []undecodableNote `json:"undecodable"`
}

type undecodableNote struct {
	Sequence string `json:"sequence,omitempty"`
	LogGroup string `json:"log_group,omitempty"`
	Error    string `json:"error"`
}

type decodedLine struct {
	Signal   string          `json:"signal"`
	Source   string          `json:"source"`
	LogGroup string          `json:"log_group"`
	Request  json.RawMessage `json:"request"`
}

func runDecode(data []byte, name string, raw bool, std IO) error {
	type input struct {
		seq, region string
		data        []byte
	}
	var inputs []input
	trimmed := bytes.TrimSpace(data)
	switch {
	case compress.IsGzip(data):
		inputs = append(inputs, input{data: data})
	case len(trimmed) > 0 && trimmed[0] == '{':
		var probe struct {
			Records     json.RawMessage `json:"Records"`
			MessageType string          `json:"messageType"`
		}
		if err := json.Unmarshal(trimmed, &probe); err != nil {
			return fmt.Errorf("%s: not JSON: %w", name, err)
		}
		switch {
		case probe.Records != nil:
			var ev events.KinesisEvent
			if err := json.Unmarshal(trimmed, &ev); err != nil {
				return fmt.Errorf("%s: not a Lambda Kinesis event: %w", name, err)
			}
			for _, r := range ev.Records {
				inputs = append(inputs, input{seq: r.Kinesis.SequenceNumber, region: r.AwsRegion, data: r.Kinesis.Data})
			}
		case probe.MessageType != "":
			inputs = append(inputs, input{data: trimmed})
		default:
			return fmt.Errorf("%s: neither a Lambda Kinesis event (no \"Records\") nor a CloudWatch Logs payload (no \"messageType\")", name)
		}
	default:
		return fmt.Errorf("%s: neither a Lambda Kinesis event (JSON) nor a CloudWatch Logs payload (gzip or JSON)", name)
	}

	out := bufio.NewWriter(std.Out)
	defer out.Flush()
	enc := json.NewEncoder(out)
	sum := decodeSummary{Undecodable: []undecodableNote{}}
	chain := processor.Default()
	var tel []processor.Telemetry
	for _, in := range inputs {
		sum.Records++
		p, _, err := cwlogs.Decode(in.data, nil, cwlogs.Options{})
		if err != nil {
			sum.Undecodable = append(sum.Undecodable, undecodableNote{Sequence: in.seq, Error: err.Error()})
			continue
		}
		if p.IsControl() {
			sum.ControlMessages++
			continue
		}
		for _, le := range p.LogEvents {
			sum.LogEvents++
			ev := processor.Event{Owner: p.Owner, Region: in.region, LogGroup: p.LogGroup, LogStream: p.LogStream,
				ID: string(le.ID), Time: time.UnixMilli(le.Timestamp), Message: le.Message}
			var outcome processor.Outcome
			tel, outcome, err = chain.Process(&ev, tel[:0])
			switch outcome {
			case processor.Skipped:
				sum.SkippedLines++
				continue
			case processor.Undecodable:
				sum.Undecodable = append(sum.Undecodable, undecodableNote{Sequence: in.seq, LogGroup: p.LogGroup, Error: err.Error()})
				continue
			}
			for _, t := range tel {
				sum.Telemetry++
				body := t.Proto
				if !raw {
					body = otlp.Enrich(t.Signal, body, otlp.AWSResource(ev.Owner, ev.Region, ev.LogGroup, ev.LogStream))
				}
				js, err := otlp.MarshalJSON(t.Signal, body)
				if err != nil {
					return fmt.Errorf("encode %s request from %s: %w", t.Signal, p.LogGroup, err)
				}
				if err := enc.Encode(decodedLine{Signal: t.Signal.String(), Source: t.Source, LogGroup: p.LogGroup, Request: js}); err != nil {
					return err
				}
			}
		}
	}
	if err := out.Flush(); err != nil {
		return err
	}
	line, err := json.Marshal(sum)
	if err != nil {
		return errors.New("encode summary: " + err.Error())
	}
	_, err = fmt.Fprintf(std.Err, "%s\n", line)
	return err
}
