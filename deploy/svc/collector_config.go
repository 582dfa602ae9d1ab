package svc

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Signal names an OTLP signal; each has its own pipeline and output file.
type Signal string

// The signals the collector receives.
const (
	Traces  Signal = "traces"
	Metrics Signal = "metrics"
	Logs    Signal = "logs"
)

var signals = []Signal{Traces, Metrics, Logs}

// collectorConfig renders the collector's configuration:
//   - the otlp receiver speaks HTTP only, on 127.0.0.1:port (no gRPC);
//   - one pipeline per signal, each into its own file exporter, so every
//     signal is accepted and lands in DIR/SIGNAL.jsonl, one OTLP/JSON export
//     request per line;
//   - `rotation` is set on purpose: without it the file exporter buffers
//     writes and flushes them every second, so a request is answered 200
//     before its line exists and a failing disk is noticed late. With it every
//     request is written (or fails) before the answer, and a restarted
//     collector appends instead of truncating. The size limit is far above
//     any test so no file is ever rotated away;
//   - internal metrics are off (no :8888 listener, so collectors do not
//     clash), and logs carry no stack traces.
func collectorConfig(port int, outputs map[Signal]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:%d
exporters:
`, port)
	for _, s := range signals {
		fmt.Fprintf(&b, `  file/%s:
    path: %s
    rotation:
      max_megabytes: 1000000
`, s, strconv.Quote(outputs[s]))
	}
	b.WriteString(`service:
  telemetry:
    metrics:
      level: none
    logs:
      disable_stacktrace: true
  pipelines:
`)
	for _, s := range signals {
		fmt.Fprintf(&b, `    %s:
      receivers: [otlp]
      exporters: [file/%s]
`, s, s)
	}
	return b.String()
}

// prepareOutputs creates the output files (empty, or kept as they are) and,
// in failing mode, DIR/SIGNAL.devfull links to /dev/full for the exporters to
// write to instead. It returns where each exporter writes.
func prepareOutputs(dir string, failing bool) (map[Signal]string, error) {
	targets := make(map[Signal]string, len(signals))
	for _, s := range signals {
		out := filepath.Join(dir, string(s)+".jsonl")
		f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, fmt.Errorf("create output file: %w", err)
		}
		f.Close()
		targets[s] = out
		if !failing {
			continue
		}
		link := filepath.Join(dir, string(s)+".devfull")
		if err := os.Symlink("/dev/full", link); err != nil && !os.IsExist(err) {
			return nil, fmt.Errorf("link %s to /dev/full: %w", link, err)
		}
		targets[s] = link
	}
	return targets, nil
}
