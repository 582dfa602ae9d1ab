package bootstrap

import "fmt"

// Endpoints say where a function's calls go. Their zero values point at
// 127.0.0.1:9, where nothing listens: a cold start makes no call.
type Endpoints struct {
	// AWS is AWS_ENDPOINT_URL: Kinesis, SQS (and Secrets Manager).
	AWS string
	// Collector is the one collector's endpoint.
	Collector string
	// Mode is the collector's mode: "merge" (default) or "passthrough".
	Mode string
}

const nowhere = "http://127.0.0.1:9"

// Env is the whole environment of fn as Lambda runs it: what Lambda sets
// for a provided.al2023 function of 128 MB, static credentials, and the
// OTLPFWD_* settings the stack gives the function, the collectors inline so
// that no call is needed to start. home is HOME (an empty folder: the SDK
// finds no ~/.aws files, as in Lambda). AWS_LAMBDA_RUNTIME_API is the
// caller's to add.
func Env(fn Function, home string, ep Endpoints) []string {
	if ep.AWS == "" {
		ep.AWS = nowhere
	}
	if ep.Collector == "" {
		ep.Collector = nowhere
	}
	if ep.Mode == "" {
		ep.Mode = "merge"
	}
	name := "otlpfwd-" + fn.Name
	env := []string{
		"PATH=/usr/local/bin:/usr/bin/:/bin:/opt/bin",
		"LANG=en_US.UTF-8",
		"TZ=:UTC",
		"HOME=" + home,
		"LAMBDA_TASK_ROOT=/var/task",
		"LAMBDA_RUNTIME_DIR=/var/runtime",
		"_HANDLER=bootstrap",
		"AWS_EXECUTION_ENV=AWS_Lambda_provided.al2023",
		"AWS_LAMBDA_FUNCTION_NAME=" + name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + name,
		"AWS_LAMBDA_LOG_STREAM_NAME=2026/11/24/[$LATEST]0123456789abcdef0123456789abcdef",
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIALOADTEST0000000",
		"AWS_SECRET_ACCESS_KEY=loadtest-secret-key",
		"AWS_SESSION_TOKEN=loadtest-session-token",
		"AWS_ENDPOINT_URL=" + ep.AWS,
	}
	if fn == Floor {
		return env
	}
	return append(env,
		"OTLPFWD_EXPORT_STREAM=otlpfwd-export",
		"OTLPFWD_RAW_STREAM=otlpfwd-raw",
		"OTLPFWD_DLQ_URL="+ep.AWS+"/123456789012/otlpfwd-dlq",
		"OTLPFWD_OWN_LOG_GROUPS=/aws/lambda/otlpfwd-ingest,/aws/lambda/otlpfwd-export",
		fmt.Sprintf(`OTLPFWD_COLLECTORS=[{"name":"main","endpoint":%q,"mode":%q}]`, ep.Collector, ep.Mode),
	)
}
