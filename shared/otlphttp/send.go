package otlphttp

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// Request is one OTLP/HTTP export request.
type Request struct {
	// URL is the full endpoint, signal path included
	// ("https://collector:4318/v1/traces"). Its userinfo, query and
	// fragment never appear in errors.
	URL string
	// Signal selects the response message to decode.
	Signal otlp.Signal
	// Body is the request, already encoded and compressed by the caller.
	Body []byte
	// ContentType is "application/x-protobuf" or "application/json".
	ContentType string
	// ContentEncoding is "gzip", "zstd" or "" (none).
	ContentEncoding string
	// Headers are sent with the request (authentication). Their values are
	// never logged and never appear in errors. Content-Type,
	// Content-Encoding, Content-Length, User-Agent and Host cannot be set
	// here.
	Headers map[string]string
	// Timeout bounds this request's attempts. Zero: Options.Timeout.
	Timeout time.Duration
}

// Response is a 2xx answer: the request was delivered.
type Response struct {
	// Status is the HTTP status code (also set, next to the error, when a
	// non-2xx status was received).
	Status int
	// PartialSuccess reports the items the collector rejected, or its
	// warning. It is never retried: log and count it. Its message is
	// cleaned to one line of at most 512 bytes, header values redacted.
	PartialSuccess PartialSuccess
	// BodyErr is set when a 2xx body could not be read or decoded: the
	// request was delivered all the same, but a partial success it may have
	// reported is unknown.
	BodyErr error
}

// Send makes one attempt to deliver req. A 2xx status returns a nil error,
// a partial success included; any other outcome returns an *Error. The
// attempt is bounded by req.Timeout (or Options.Timeout) and by ctx.
func (c *Client) Send(ctx context.Context, req Request) (Response, error) {
	return c.send(ctx, req, c.attemptTimeout(req))
}

func (c *Client) attemptTimeout(req Request) time.Duration {
	if req.Timeout > 0 {
		return req.Timeout
	}
	return c.timeout
}

func (c *Client) send(ctx context.Context, req Request, timeout time.Duration) (Response, error) {
	u, err := url.Parse(req.URL)
	if err != nil {
		// A *url.Error quotes the whole URL, query included: keep its cause.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return Response{}, &Error{URL: "(invalid URL)", Err: fmt.Errorf("invalid collector URL: %w", err)}
	}
	target := safeURL(u)
	if err := validate(req, u); err != nil {
		return Response{}, &Error{URL: target, Err: err}
	}

	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(actx, http.MethodPost, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return Response{}, &Error{URL: target, Err: unwrapURLError(err)}
	}
	for k, v := range req.Headers {
		hreq.Header.Set(k, v)
	}
	hreq.Header.Set("Content-Type", req.ContentType)
	if req.ContentEncoding != "" {
		hreq.Header.Set("Content-Encoding", req.ContentEncoding)
	} else {
		hreq.Header.Del("Content-Encoding")
	}
	hreq.Header.Set("User-Agent", c.userAgent)

	resp, err := c.http.Do(hreq)
	if err != nil {
		return Response{}, transportError(ctx, target, timeout, err)
	}
	body, rerr := readBody(resp)
	closeBody(resp, len(body))
	code := resp.StatusCode

	if code >= 200 && code <= 299 {
		out := Response{Status: code}
		if rerr != nil {
			// The collector has accepted the data: resending it would only
			// duplicate it. What is lost is the partial success, if any.
			out.BodyErr = fmt.Errorf("read response body: %w", unwrapURLError(rerr))
			return out, nil
		}
		mt := mediaType(resp.Header.Get("Content-Type"))
		// The answer comes in the request's encoding; a server that labels
		// it as neither (Go's sniffs "text/plain") is read as that.
		asJSON := isJSON(mt) || (!isProtobuf(mt) && isJSON(mediaType(req.ContentType)))
		ps, err := decodePartialSuccess(body, asJSON, req.Signal)
		if err != nil && len(body) == maxBodyRead {
			err = fmt.Errorf("%w (the body is longer than the %d bytes read)", err, maxBodyRead)
		}
		ps.Message = truncate(redact(clean(ps.Message), req.Headers), maxExcerpt)
		out.PartialSuccess, out.BodyErr = ps, err
		return out, nil
	}

	e := &Error{
		URL:       target,
		Status:    code,
		Retryable: isRetryableStatus(code),
		Body:      excerpt(body, resp.Header.Get("Content-Type"), req.Headers),
	}
	if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
	}
	if rerr != nil {
		e.Err = fmt.Errorf("read response body: %w", unwrapURLError(rerr))
	}
	return Response{Status: code}, e
}

// validate refuses a request that no collector could accept, before
// anything is sent. Errors name a header, never its value.
func validate(req Request, u *url.URL) error {
	var errs []error
	if u.Scheme != "http" && u.Scheme != "https" {
		errs = append(errs, fmt.Errorf("URL scheme %q: want http or https", u.Scheme))
	}
	if u.Host == "" {
		errs = append(errs, errors.New("URL has no host"))
	}
	if !req.Signal.Valid() {
		errs = append(errs, fmt.Errorf("invalid signal %s", req.Signal))
	}
	if mt := mediaType(req.ContentType); mt != "application/x-protobuf" && mt != "application/json" {
		errs = append(errs, fmt.Errorf("content type %q: want application/x-protobuf or application/json", req.ContentType))
	}
	switch req.ContentEncoding {
	case "", "gzip", "zstd":
	default:
		errs = append(errs, fmt.Errorf("content encoding %q: want gzip, zstd or none", req.ContentEncoding))
	}
	for k, v := range req.Headers {
		if !validHeaderName(k) {
			errs = append(errs, fmt.Errorf("header name %q is not a valid HTTP token", k))
		} else if !validHeaderValue(v) {
			errs = append(errs, fmt.Errorf("header %q has a value with control characters", k))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid request: %w", errors.Join(errs...))
	}
	return nil
}

// validHeaderName reports whether k is an RFC 9110 token.
func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c < 0x80 && bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0:
		default:
			return false
		}
	}
	return true
}

// validHeaderValue reports whether v has no control characters but tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// transportError classifies a failure to get a response. Network errors
// and attempt timeouts are retryable; the caller's context ending and a
// certificate the client does not trust are not.
func transportError(ctx context.Context, target string, timeout time.Duration, err error) *Error {
	err = unwrapURLError(err)
	e := &Error{URL: target, Err: err, Retryable: true}
	switch {
	case ctx.Err() != nil:
		e.Retryable = false
		e.Err = fmt.Errorf("context ended: %w", err)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		e.Err = fmt.Errorf("no response within the attempt timeout of %s: %w", timeout, err)
	case isCertificateError(err):
		e.Retryable = false
	}
	return e
}

// unwrapURLError drops the *url.Error that net/http wraps around its
// errors: its message quotes the URL with its query, which may hold a key.
func unwrapURLError(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isCertificateError(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	return errors.As(err, &verify) || errors.As(err, &unknown) ||
		errors.As(err, &hostname) || errors.As(err, &invalid)
}
