package webhook

import (
	"math"
	"math/rand/v2"
	"time"
)

// Defaults of RetryPolicy.
const (
	DefaultRetryInitial = 5 * time.Second
	DefaultRetryMax     = time.Hour
	DefaultRetryGive    = 24 * time.Hour
)

// RetryPolicy spaces the attempts at one message: exponential backoff with
// full jitter, for a bounded time. Zero fields take the defaults.
type RetryPolicy struct {
	Initial time.Duration // the cap after the first failure
	Max     time.Duration // the cap never exceeds this
	Give    time.Duration // no attempt later than this after the first
}

// Next returns when to try again after the attempt-th failed attempt
// (1-based) of a message first tried at first, the failure being at now.
// The delay is drawn from [0, min(Max, Initial·2^(attempt-1))] by rnd, which
// returns a number in [0, n) like rand.Int64N (used when rnd is nil). Full
// jitter spreads the retries of many messages that failed together. ok is
// false when the policy gives up: the next try would come after first+Give.
func (p RetryPolicy) Next(attempt int, first, now time.Time, rnd func(n int64) int64) (at time.Time, ok bool) {
	if p.Initial <= 0 {
		p.Initial = DefaultRetryInitial
	}
	if p.Max <= 0 {
		p.Max = DefaultRetryMax
	}
	if p.Give <= 0 {
		p.Give = DefaultRetryGive
	}
	if rnd == nil {
		rnd = rand.Int64N
	}
	// Doubling stops at Max, so neither a large attempt nor a large Max
	// overflows.
	limit := min(p.Initial, p.Max)
	for i := 1; i < attempt && limit < p.Max; i++ {
		if limit > p.Max/2 {
			limit = p.Max
		} else {
			limit *= 2
		}
	}
	n := int64(limit)
	if n < math.MaxInt64 {
		n++ // rnd draws from [0, n): include the cap itself
	}
	d := time.Duration(rnd(n))
	d = max(0, min(d, limit)) // a misbehaving rnd cannot leave [0, limit]
	at = now.Add(d)
	if at.After(first.Add(p.Give)) {
		return time.Time{}, false
	}
	return at, true
}
