package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The header names of the specification.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

const (
	secretPrefix = "whsec_"
	// The spec asks for at least 24 bytes of key and allows up to 512 bits.
	minSecretBytes = 24
	maxSecretBytes = 64
	newSecretBytes = 32
	maxIDBytes     = 256
	// DefaultTolerance is the timestamp tolerance Verify applies when given
	// none: the window in which a captured request can be replayed.
	DefaultTolerance = 5 * time.Minute
)

var (
	// ErrSecret means a secret is not "whsec_" + canonical base64 of 24–64 bytes.
	ErrSecret = errors.New("webhook: invalid secret")
	// ErrHeaders means a webhook header is missing or malformed.
	ErrHeaders = errors.New("webhook: invalid headers")
	// ErrTimestamp means webhook-timestamp is outside the tolerance.
	ErrTimestamp = errors.New("webhook: timestamp outside tolerance")
	// ErrSignature means no v1 signature in webhook-signature matches.
	ErrSignature = errors.New("webhook: no matching signature")
)

// NewSecret returns a new random secret (32 bytes) in the spec's format.
func NewSecret() string {
	b := make([]byte, newSecretBytes)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return secretPrefix + base64.StdEncoding.EncodeToString(b)
}

// ParseSecret returns the key bytes of a secret written "whsec_" + standard
// base64 (with padding) of 24 to 64 bytes. Only the canonical encoding is
// accepted, so a secret has exactly one spelling.
func ParseSecret(s string) ([]byte, error) {
	enc, ok := strings.CutPrefix(s, secretPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: no %q prefix", ErrSecret, secretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(enc)
	// The decoder skips CR and LF and tolerates odd trailing bits; re-encoding
	// rejects both.
	if err != nil || base64.StdEncoding.EncodeToString(key) != enc {
		return nil, fmt.Errorf("%w: not canonical base64", ErrSecret)
	}
	if len(key) < minSecretBytes || len(key) > maxSecretBytes {
		return nil, fmt.Errorf("%w: %d bytes, want %d to %d", ErrSecret, len(key), minSecretBytes, maxSecretBytes)
	}
	return key, nil
}

// Message is one event to one endpoint.
type Message struct {
	// ID is webhook-id: the same for every retry of this event to this
	// endpoint, so receivers can drop duplicates. Send accepts 1 to 256
	// bytes of ASCII letters, digits, '_' and '-' (the spec forbids '.',
	// which delimits the signed content).
	ID string
	// Timestamp is webhook-timestamp: the time of this attempt, not of the
	// event; it is sent in Unix seconds.
	Timestamp time.Time
	// Payload is the body, sent and signed byte for byte as given.
	Payload json.RawMessage
}

// Sign returns the webhook-signature value for m: "v1," + base64 of
// HMAC-SHA256(secret, id "." unix-seconds "." payload). It signs what it is
// given; Send checks the ID and secret first. For a secret rotation, join
// the values of the old and the new secret with a space.
func Sign(secret []byte, m Message) string {
	return "v1," + base64.StdEncoding.EncodeToString(mac(secret, m.ID, strconv.FormatInt(m.Timestamp.Unix(), 10), m.Payload))
}

func mac(secret []byte, id, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a request as a receiver does: webhook-id is valid,
// webhook-timestamp is canonical Unix seconds within tolerance of now (either
// side; DefaultTolerance when tolerance <= 0), and one of the space-separated
// "v1,<base64>" entries of webhook-signature is the HMAC of id, timestamp and
// body under secret. Entries of other versions (such as v1a) are skipped.
// h is read with Get, so its keys must be canonical, as net/http makes them.
func Verify(secret []byte, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	id, ts, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Values(HeaderSignature)
	if err := checkID(id); err != nil {
		return err
	}
	unix, err := parseTimestamp(ts)
	if err != nil {
		return err
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	// Sub saturates, so an absurd timestamp cannot overflow into the window.
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: %s is %s from now", ErrTimestamp, ts, d.Round(time.Second))
	}
	if len(sigs) == 0 {
		return fmt.Errorf("%w: no %s", ErrHeaders, HeaderSignature)
	}
	want := mac(secret, id, ts, body)
	for _, v := range sigs {
		for _, entry := range strings.Fields(v) {
			enc, ok := strings.CutPrefix(entry, "v1,")
			if !ok {
				continue
			}
			got, err := base64.StdEncoding.DecodeString(enc)
			if err == nil && hmac.Equal(got, want) {
				return nil
			}
		}
	}
	return ErrSignature
}

func checkID(id string) error {
	if id == "" || len(id) > maxIDBytes {
		return fmt.Errorf("%w: %s must be 1 to %d bytes", ErrHeaders, HeaderID, maxIDBytes)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("%w: %s has byte %q at %d", ErrHeaders, HeaderID, c, i)
		}
	}
	return nil
}

// parseTimestamp accepts only the form Sign writes, because the MAC covers
// the header's text: "+5" or "05" would otherwise name the same second with
// a different signature.
func parseTimestamp(ts string) (int64, error) {
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != ts {
		return 0, fmt.Errorf("%w: %s %q is not Unix seconds", ErrHeaders, HeaderTimestamp, ts)
	}
	return n, nil
}
