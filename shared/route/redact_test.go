package route

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

const (
	secretA = "s3cr3t-api-key-AAAA"
	secretB = "Bearer s3cr3t-token-BBBB"
)

func secretCollector() Collector {
	return Collector{
		Name:               "vendor",
		Endpoint:           "https://otlp.vendor.example",
		Headers:            Headers{"x-api-key": secretA, "Authorization": secretB},
		Signals:            Signals{otlp.Traces},
		PassHeaders:        []string{"x-tenant"},
		InsecureSkipVerify: true,
	}
}

// TestHeaderValuesNeverPrinted renders a Collector every way that could
// reach a log line and checks that no header value appears, while the
// header names do.
func TestHeaderValuesNeverPrinted(t *testing.T) {
	c := secretCollector()
	tbl := mustTable(t, []Collector{c})
	tc, _ := tbl.Get("vendor")

	// A log record as another package might build one.
	type logRecord struct {
		Msg       string
		Collector Collector
		Ptr       *Collector
		Headers   Headers
		List      []Collector
	}
	rec := logRecord{Msg: "export failed", Collector: c, Ptr: tc, Headers: c.Headers, List: []Collector{c}}

	var outputs []string
	add := func(what string, s string) { outputs = append(outputs, what+": "+s) }
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		add(verb, fmt.Sprintf(verb, c))
		add(verb+" ptr", fmt.Sprintf(verb, tc))
		add(verb+" headers", fmt.Sprintf(verb, c.Headers))
		add(verb+" record", fmt.Sprintf(verb, rec))
		add(verb+" &record", fmt.Sprintf(verb, &rec))
	}
	add("String", c.String())
	add("GoString", c.GoString())
	add("error", fmt.Errorf("send to %v: %w", tc, errors.New("boom")).Error())

	for _, h := range []slog.Handler{
		slog.NewJSONHandler(&bytes.Buffer{}, nil), slog.NewTextHandler(&bytes.Buffer{}, nil),
	} {
		var buf bytes.Buffer
		switch h.(type) {
		case *slog.JSONHandler:
			h = slog.NewJSONHandler(&buf, nil)
		default:
			h = slog.NewTextHandler(&buf, nil)
		}
		log := slog.New(h)
		log.Info("collector", "collector", c, "ptr", tc, "headers", c.Headers, "record", rec, "list", []Collector{c})
		log.Info("group", slog.Group("g", slog.Any("collector", c)))
		add(fmt.Sprintf("slog %T", h), buf.String())
	}

	for name, v := range map[string]any{"collector": c, "ptr": tc, "record": rec, "&record": &rec, "headers": c.Headers} {
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%s): %v", name, err)
		}
		add("json "+name, string(j))
		y, err := yaml.Marshal(v)
		if err != nil {
			t.Fatalf("yaml.Marshal(%s): %v", name, err)
		}
		add("yaml "+name, string(y))
	}

	for _, out := range outputs {
		for _, secret := range []string{secretA, secretB, "s3cr3t"} {
			if strings.Contains(out, secret) {
				t.Errorf("header value leaked in %s", out)
			}
		}
	}
	// The names are still there to help debugging, in the forms meant for
	// people.
	for _, out := range outputs[:4] {
		if !strings.Contains(strings.ToLower(out), "x-api-key") && !strings.Contains(out, "782d6170692d6b6579") {
			t.Errorf("header name missing from %s", out)
		}
	}
	// And the values are intact where they are used.
	if tc.Headers["x-api-key"] != secretA {
		t.Fatal("redaction changed the collector's headers")
	}
	cfg, err := c.ConfigJSON()
	if err != nil || !bytes.Contains(cfg, []byte(secretA)) {
		t.Fatalf("ConfigJSON lost the header values: %s, %v", cfg, err)
	}
}

func TestCollectorFormats(t *testing.T) {
	c := secretCollector()
	if got, want := fmt.Sprint(c), `collector "vendor" https://otlp.vendor.example signals=[traces] headers={Authorization:REDACTED, x-api-key:REDACTED} insecure_skip_verify`; got != want {
		t.Errorf("%%v = %s\nwant  %s", got, want)
	}
	if got := fmt.Sprintf("%#v", c); !strings.HasPrefix(got, `route.Collector{Name:"vendor", Endpoint:"https://otlp.vendor.example", Headers:route.Headers{"Authorization":"REDACTED", "x-api-key":"REDACTED"}`) {
		t.Errorf("%%#v = %s", got)
	}
	if got := fmt.Sprintf("%+v", c); !strings.Contains(got, "Name:vendor ") || !strings.Contains(got, "InsecureSkipVerify:true") {
		t.Errorf("%%+v = %s", got)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "collector", c)
	var line struct {
		Collector map[string]any `json:"collector"`
	}
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if line.Collector["name"] != "vendor" || fmt.Sprint(line.Collector["header_names"]) != "[Authorization x-api-key]" ||
		line.Collector["insecure_skip_verify"] != true {
		t.Errorf("slog JSON = %s", buf.String())
	}
}
