package route_test

import (
	"fmt"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

func ExampleParseConfig() {
	cs, err := route.ParseConfig([]byte(`
collectors:
  - name: honeycomb
    endpoint: https://api.honeycomb.io
    headers: {x-honeycomb-team: "hc-key"}
    signals: [traces, logs]
    match:
      log_groups: {include: ["/aws/lambda/prod-*"], exclude: ["*-canary"]}
      sources: {exclude: ["^test-"]}
    timeout: 5s
    max_request_bytes: 4MiB
  - name: local
    endpoint: http://127.0.0.1:4318
    compression: none
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range cs {
		fmt.Println(c)
		fmt.Println("  ", c.URL(otlp.Traces), c.Compression, c.Timeout, c.MaxRequestBytes)
	}
	// Output:
	// collector "honeycomb" https://api.honeycomb.io signals=[traces logs] headers={x-honeycomb-team:REDACTED}
	//    https://api.honeycomb.io/v1/traces gzip 5s 4194304
	// collector "local" http://127.0.0.1:4318 signals=[traces metrics logs]
	//    http://127.0.0.1:4318/v1/traces none 10s 8388608
}

func ExampleParseConfig_errors() {
	_, err := route.ParseConfig([]byte(`[{"name": "hc", "endpont": "https://x", "timeout": 10, "signals": ["spans", "profiles"]}]`))
	fmt.Println(err)
	// Output:
	// collectors[0] ("hc"): endpont: unknown field; did you mean "endpoint"?
	// collectors[0] ("hc"): signals[1]: unknown signal "profiles": want traces, metrics or logs
	// collectors[0] ("hc"): timeout: 10 is a bare number: give a unit, e.g. "10s"
	// collectors[0] ("hc"): endpoint: required: the collector's base URL, e.g. https://collector.example.com:4318
}

func ExampleTable_Match() {
	table, err := route.NewTable([]route.Collector{
		{Name: "all", Endpoint: "https://all.example.com"},
		{Name: "checkout", Endpoint: "https://co.example.com", Match: route.Match{Sources: route.Rules{Include: []string{"^checkout"}}}},
		{Name: "xray", Endpoint: "https://xray.us-east-1.amazonaws.com", Signals: route.Signals{otlp.Traces}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	var dst []*route.Collector // keep it between calls: Match then allocates nothing
	for _, in := range []struct{ logGroup, source string }{
		{"/aws/lambda/checkout-api", "checkout-api"},
		{"/aws/lambda/search", "search"},
		{route.SpansLogGroup, "checkout-api"}, // the loop guard keeps it from X-Ray
	} {
		dst = table.Match(dst[:0], otlp.Traces, in.logGroup, in.source)
		var names []string
		for _, c := range dst {
			names = append(names, c.Name)
		}
		fmt.Println(in.logGroup, names)
	}
	// Output:
	// /aws/lambda/checkout-api [all checkout xray]
	// /aws/lambda/search [all xray]
	// aws/spans [all checkout]
}
