package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Defaults of ClientConfig.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultMaxResponseBytes = 64 << 10
	DefaultUserAgent        = "regshare-webhook/1"
)

// ClientConfig configures a Client. Zero fields take the defaults.
type ClientConfig struct {
	// AllowPrivate lets the client reach loopback, private, link-local and
	// other non-public addresses (for tests and closed networks).
	AllowPrivate bool
	// Timeout bounds one attempt: connecting, sending and reading the answer.
	Timeout time.Duration
	// MaxResponseBytes bounds how much of an answer is read and kept.
	MaxResponseBytes int64
	// UserAgent is sent as User-Agent.
	UserAgent string
}

// Client sends messages to endpoints. It is safe for concurrent use and
// keeps connections alive between sends.
type Client struct {
	cfg    ClientConfig
	http   *http.Client
	lookup func(ctx context.Context, host string) ([]netip.Addr, error)
}

// NewClient returns a client for cfg. It ignores proxy settings of the
// environment: through a proxy, the address check would judge the proxy's
// address and not the endpoint's.
func NewClient(cfg ClientConfig) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	d := &net.Dialer{Timeout: cfg.Timeout}
	if !cfg.AllowPrivate {
		d.Control = control
	}
	t := &http.Transport{
		Proxy:                  nil,
		DialContext:            d.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    cfg.Timeout,
		MaxIdleConns:           100,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &Client{
		cfg: cfg,
		http: &http.Client{
			Transport: t,
			// The spec counts a 3xx as a failure: the endpoint should be
			// updated, and following would also leave the checked URL.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		lookup: func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		},
	}
}

// Result is the outcome of one attempt, for the delivery log.
type Result struct {
	// Status is the HTTP status, or 0 when no answer came.
	Status int
	// Body is the start of the answer (at most MaxResponseBytes read, with
	// invalid UTF-8 replaced so it can be stored as text).
	Body string
	// Err is nil exactly when the status is 2xx. A non-2xx answer gives a
	// *StatusError; a refused address, ErrAddress; a malformed URL or
	// message, ErrURL or ErrHeaders; a timeout, context.DeadlineExceeded.
	Err error
	// Duration is how long the attempt took.
	Duration time.Duration
}

// StatusError is the error of an answer whose status is not 2xx.
type StatusError struct {
	Status   int
	Location string // the Location header of a 3xx, which is not followed
}

func (e *StatusError) Error() string {
	if e.Status >= 300 && e.Status < 400 {
		return fmt.Sprintf("webhook: status %d, redirect to %q not followed", e.Status, e.Location)
	}
	return fmt.Sprintf("webhook: status %d", e.Status)
}

// Send POSTs m.Payload to url, signed with secret, with the headers
// webhook-id, webhook-timestamp, webhook-signature, Content-Type
// (application/json) and User-Agent. It makes one attempt, bounded by
// ctx and the configured Timeout; retrying is the caller's.
func (c *Client) Send(ctx context.Context, url string, secret []byte, m Message) Result {
	// Duration is a measurement, not a decision, so the clock is read here.
	start := time.Now()
	r := c.send(ctx, url, secret, m)
	r.Duration = time.Since(start)
	return r
}

func (c *Client) send(ctx context.Context, rawURL string, secret []byte, m Message) Result {
	if _, err := parseURL(rawURL); err != nil {
		return Result{Err: err}
	}
	if err := checkID(m.ID); err != nil {
		return Result{Err: err}
	}
	if m.Timestamp.Unix() <= 0 {
		return Result{Err: fmt.Errorf("%w: no timestamp", ErrHeaders)}
	}
	if len(secret) < minSecretBytes {
		return Result{Err: fmt.Errorf("%w: %d bytes, want at least %d", ErrSecret, len(secret), minSecretBytes)}
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(m.Payload))
	if err != nil {
		return Result{Err: fmt.Errorf("%w: %v", ErrURL, err)}
	}
	req.Header.Set(HeaderID, m.ID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(m.Timestamp.Unix(), 10))
	req.Header.Set(HeaderSignature, Sign(secret, m))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)

	resp, err := c.http.Do(req)
	if err != nil {
		return Result{Err: err}
	}
	defer resp.Body.Close()
	// A read error after the status line changes nothing: the status is the
	// receiver's answer. Closing unread rest drops the connection instead
	// of draining an unbounded body.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxResponseBytes))
	r := Result{Status: resp.StatusCode, Body: strings.ToValidUTF8(string(body), "\uFFFD")}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		r.Err = &StatusError{Status: resp.StatusCode, Location: resp.Header.Get("Location")}
	}
	return r
}
