package otlphttp

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// maxBodyRead is the most of a response body that is read and parsed.
	maxBodyRead = 64 << 10
	// maxBodyDrain is the most that is read and discarded after that, so
	// that the connection can be reused; a longer body closes it instead.
	maxBodyDrain = 256 << 10
	// maxExcerpt bounds Error.Body.
	maxExcerpt = 512
)

// readBody reads at most maxBodyRead bytes of resp's body.
func readBody(resp *http.Response) ([]byte, error) {
	return io.ReadAll(io.LimitReader(resp.Body, maxBodyRead))
}

// closeBody drains a bounded remainder of resp's body, n bytes of which
// have been read, and closes it. A body that reaches EOF here lets the
// transport reuse the connection; one that is longer (or known to be, from
// its Content-Length) is closed without reading it, which closes the
// connection.
func closeBody(resp *http.Response, n int) {
	if resp.ContentLength < 0 || resp.ContentLength-int64(n) <= maxBodyDrain {
		_, _ = io.CopyN(io.Discard, resp.Body, maxBodyDrain)
	}
	_ = resp.Body.Close()
}

// mediaType returns the lower-case media type of a Content-Type value.
func mediaType(contentType string) string {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		return mt
	}
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

func isJSON(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func isProtobuf(mt string) bool {
	return mt == "application/x-protobuf" || mt == "application/protobuf" ||
		mt == "application/vnd.google.protobuf"
}

// excerpt returns the collector's message in an error body: the message of
// a google.rpc.Status (protobuf or JSON), else the text. Header values in
// secrets are redacted, then the result is cleaned of control characters
// and cut to maxExcerpt bytes.
func excerpt(body []byte, contentType string, secrets map[string]string) string {
	if len(body) == 0 {
		return ""
	}
	var s string
	mt := mediaType(contentType)
	switch {
	case isProtobuf(mt):
		code, msg, err := decodeStatusProto(body)
		switch {
		case err != nil:
			s = "undecodable google.rpc.Status: " + err.Error()
		case msg == "" && code != 0:
			s = "google.rpc.Status code " + strconv.FormatInt(int64(code), 10)
		default:
			s = msg
		}
	case isJSON(mt):
		if code, msg, ok := decodeStatusJSON(body); ok {
			s = msg
			if msg == "" && code != 0 {
				s = "google.rpc.Status code " + strconv.FormatInt(code, 10)
			}
			break
		}
		s = string(body)
	default:
		s = string(body)
	}
	return truncate(redact(clean(s), secrets), maxExcerpt)
}

// clean makes s valid UTF-8 on one line: control characters become spaces
// and runs of white space collapse to one.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// minSecret is the shortest header value, or space-separated part of one,
// that redact removes: shorter ones ("Bearer", "Basic") are not secrets and
// would mangle ordinary words.
const minSecret = 8

// redact replaces every occurrence in s of a header value in secrets (and
// of each space-separated part of one, such as the token after "Bearer")
// with "[REDACTED]". Collectors sometimes echo a rejected credential back.
func redact(s string, secrets map[string]string) string {
	for _, v := range secrets {
		for _, part := range append([]string{strings.TrimSpace(v)}, strings.Fields(v)...) {
			if len(part) >= minSecret {
				s = strings.ReplaceAll(s, part, "[REDACTED]")
			}
		}
	}
	return s
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "..."
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
