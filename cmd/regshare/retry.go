package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// answerError is an error answer of the API.
type answerError struct {
	status int
	code   string // REGSHARE.…, when the body had one
	msg    string
	// retryAfter is the answer's Retry-After header, if any.
	retryAfter string
	// body is the answer when it is not an SWR error (a bulk change's
	// refusal, for one).
	body []byte
}

func (e *answerError) Error() string { return e.msg }

// changeRetries are the waits between the attempts of one share change
// while the server answers 503 (etcd away, an outcome unknown, an index
// loading), a proxy in front 502 or 504, or nothing at all: a retry under
// the same Idempotency-Key is made at most once.
var changeRetries = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}

// change sends a share change under an Idempotency-Key (key, or a new
// one) and retries it while the answer is 503.
func (c *client) change(ctx context.Context, method, path string, body any, key string, stderr io.Writer) ([]byte, error) {
	if key == "" {
		key = rand.Text()
	}
	hdr := http.Header{"Idempotency-Key": {key}}
	for attempt := 0; ; attempt++ {
		data, got, err := c.send(ctx, method, path, body, hdr)
		if err == nil {
			if got.Get("Idempotent-Replayed") == "true" {
				fmt.Fprintln(stderr, "(an earlier attempt had made this change)")
			}
			return data, nil
		}
		if !unsure(err) {
			return nil, err
		}
		if attempt == len(changeRetries) || ctx.Err() != nil {
			return nil, fmt.Errorf("%w; run the command again with --idempotency-key %s to retry it safely", err, key)
		}
		fmt.Fprintf(stderr, "%v; retrying in %v\n", err, changeRetries[attempt])
		select {
		case <-time.After(changeRetries[attempt]):
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (gave up: %w; run it again with --idempotency-key %s to retry safely)", err, ctx.Err(), key)
		}
	}
}

// unsure reports whether err leaves the change's outcome open, or says it
// may be retried: no answer, or 502, 503, 504.
func unsure(err error) bool {
	var ae *answerError
	if !errors.As(err, &ae) {
		return true // no answer: the request may have arrived
	}
	switch ae.status {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}
