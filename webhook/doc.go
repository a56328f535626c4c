// Package webhook delivers signed webhooks the way the Standard Webhooks
// specification (version 1.0.0) describes them, and decides when to retry.
//
// It is the delivery machinery only: it keeps no state, runs no goroutines
// and never reads the clock for a decision (callers pass the attempt's time
// and now). What it guarantees:
//
//   - Sign produces the spec's symmetric signature, "v1," + base64 of
//     HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{body}", with a secret
//     written "whsec_" + base64 (NewSecret, ParseSecret); Verify checks one the
//     way a receiver must (constant-time, with a timestamp tolerance).
//   - A Client connects only to public addresses unless told otherwise: the
//     check runs on the address actually dialled, so a name that resolves to
//     a public address at registration and a private one later is still
//     refused. It follows no redirects, bounds each attempt's time and reads
//     a bounded amount of the answer.
//   - A RetryPolicy spaces attempts with capped exponential backoff and full
//     jitter, and gives up after a bounded time.
package webhook
