package processor

import (
	"strconv"
	"strings"

	logspb "go.opentelemetry.io/proto/slim/otlp/logs/v1"
)

// severityOf maps a level name, any case, to its OpenTelemetry severity
// number: the names of Lambda's runtimes and log formats (TRACE, DEBUG,
// INFO, WARN, ERROR, FATAL), Python's (WARNING, CRITICAL), .NET's
// (Information, Warning, Critical) and syslog's. 0 for anything else.
func severityOf(level string) logspb.SeverityNumber {
	if len(level) < 3 || len(level) > 11 {
		return logspb.SeverityNumber_SEVERITY_NUMBER_UNSPECIFIED
	}
	switch strings.ToUpper(level) {
	case "TRACE", "VERBOSE":
		return logspb.SeverityNumber_SEVERITY_NUMBER_TRACE
	case "DEBUG":
		return logspb.SeverityNumber_SEVERITY_NUMBER_DEBUG
	case "INFO", "INFORMATION", "NOTICE":
		return logspb.SeverityNumber_SEVERITY_NUMBER_INFO
	case "WARN", "WARNING":
		return logspb.SeverityNumber_SEVERITY_NUMBER_WARN
	case "ERROR", "ERR":
		return logspb.SeverityNumber_SEVERITY_NUMBER_ERROR
	case "FATAL", "CRITICAL", "CRIT", "ALERT", "EMERG", "EMERGENCY":
		return logspb.SeverityNumber_SEVERITY_NUMBER_FATAL
	}
	return logspb.SeverityNumber_SEVERITY_NUMBER_UNSPECIFIED
}

// pinoLevels are the numeric levels of pino (and bunyan), common in
// Node.js functions: {"level":30,...}.
var pinoLevels = map[int64]string{10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL"}

// numericSeverity maps a pino level number; the text becomes its name.
func numericSeverity(n string) (logspb.SeverityNumber, string) {
	i, err := strconv.ParseInt(n, 10, 64)
	if err != nil {
		return 0, ""
	}
	name, ok := pinoLevels[i]
	if !ok {
		return 0, ""
	}
	return severityOf(name), name
}

// textSeverity finds the level of a text line in the shapes Lambda's
// runtimes write, and returns it with the line's message (the line less
// the runtime's own prefix) and the request id that prefix carries:
//
//	2026-11-24T11:15:30.003Z\t<request id>\tINFO\tmessage       (Node.js, Java, .NET text format)
//	[ERROR]\t2026-11-24T11:15:30.003Z\t<request id>\tmessage    (Python)
//	[ERROR] Runtime.ImportModuleError: ...                        (Python runtime errors)
//	INFO message, ERROR: message, WARN\tmessage                   (plain prefixes, upper case only)
//
// Lines of other shapes keep severity 0 and their whole text.
func textSeverity(line string) (sev logspb.SeverityNumber, text, msg, reqID string) {
	msg = line
	// Python: [LEVEL]
	if strings.HasPrefix(line, "[") {
		end := strings.IndexByte(line, ']')
		if end < 0 {
			return 0, "", line, ""
		}
		lvl := line[1:end]
		if sev = severityOf(lvl); sev == 0 {
			return 0, "", line, ""
		}
		rest := line[end+1:]
		if r, ok := strings.CutPrefix(rest, "\t"); ok {
			if ts, tail, ok := strings.Cut(r, "\t"); ok && looksLikeTime(ts) {
				if id, m, ok := strings.Cut(tail, "\t"); ok && id != "" && !strings.ContainsAny(id, " ") {
					return sev, lvl, m, requestID(id)
				}
			}
		}
		return sev, lvl, line, ""
	}
	// Lambda runtime text format: time \t request id \t LEVEL \t message.
	if ts, tail, ok := strings.Cut(line, "\t"); ok && looksLikeTime(ts) {
		if id, tail, ok := strings.Cut(tail, "\t"); ok && id != "" && !strings.ContainsAny(id, " ") {
			lvl, m, ok := strings.Cut(tail, "\t")
			if !ok {
				lvl, m = tail, ""
			}
			if sev = severityOf(lvl); sev != 0 {
				return sev, lvl, m, requestID(id)
			}
		}
		return 0, "", line, ""
	}
	// A leading upper-case level word.
	end := strings.IndexAny(line, " \t:")
	if end < 3 {
		return 0, "", line, ""
	}
	lvl := line[:end]
	if strings.ToUpper(lvl) != lvl {
		return 0, "", line, ""
	}
	if sev = severityOf(lvl); sev == 0 {
		return 0, "", line, ""
	}
	return sev, lvl, line, ""
}

// looksLikeTime reports whether s starts like an ISO 8601 date,
// "2026-11-24T...".
func looksLikeTime(s string) bool {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for _, i := range []int{0, 1, 2, 3, 5, 6, 8, 9} {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// requestID drops the placeholder Node.js writes outside an invocation.
func requestID(id string) string {
	if id == "undefined" || id == "null" {
		return ""
	}
	return id
}
