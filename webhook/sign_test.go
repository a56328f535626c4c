package webhook

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The vector of the Standard Webhooks reference libraries' test suites
// ("sign function works"); the spec document itself prints a signature but
// not the secret that made it.
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorUnix      = 1614265330
	vectorPayload   = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func vector(t testing.TB) ([]byte, Message) {
	t.Helper()
	key, err := ParseSecret(vectorSecret)
	if err != nil {
		t.Fatal(err)
	}
	return key, Message{ID: vectorID, Timestamp: time.Unix(vectorUnix, 0), Payload: []byte(vectorPayload)}
}

func headersFor(id string, ts int64, sig string) http.Header {
	h := http.Header{}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderSignature, sig)
	return h
}

func TestSignMatchesSpecVector(t *testing.T) {
	key, m := vector(t)
	if got := Sign(key, m); got != vectorSignature {
		t.Fatalf("Sign = %s, want %s", got, vectorSignature)
	}
	// Sub-second parts are not sent, so they must not be signed either.
	m.Timestamp = m.Timestamp.Add(999 * time.Millisecond)
	if got := Sign(key, m); got != vectorSignature {
		t.Fatalf("Sign with milliseconds = %s, want %s", got, vectorSignature)
	}
	h := headersFor(vectorID, vectorUnix, vectorSignature)
	if err := Verify(key, h, []byte(vectorPayload), time.Unix(vectorUnix, 0), time.Minute); err != nil {
		t.Fatalf("Verify(vector) = %v", err)
	}
}

func TestVerify(t *testing.T) {
	key, m := vector(t)
	other, err := ParseSecret(NewSecret())
	if err != nil {
		t.Fatal(err)
	}
	good := Sign(key, m)
	now := m.Timestamp
	const tol = 5 * time.Minute
	body := []byte(vectorPayload)
	for _, tt := range []struct {
		name   string
		secret []byte
		header http.Header
		body   []byte
		now    time.Time
		want   error // nil: passes
	}{
		{"valid", key, headersFor(m.ID, vectorUnix, good), body, now, nil},
		{"body changed", key, headersFor(m.ID, vectorUnix, good), []byte(`{"test": 2432232315}`), now, ErrSignature},
		{"body reformatted", key, headersFor(m.ID, vectorUnix, good), []byte(`{"test":2432232314}`), now, ErrSignature},
		{"id changed", key, headersFor(m.ID+"x", vectorUnix, good), body, now, ErrSignature},
		{"timestamp changed", key, headersFor(m.ID, vectorUnix+1, good), body, now, ErrSignature},
		{"other secret", other, headersFor(m.ID, vectorUnix, good), body, now, ErrSignature},
		{"one of several valid", key, headersFor(m.ID, vectorUnix, "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1a,AAAA "+good+" v2,xyz"), body, now, nil},
		{"several, extra spaces", key, headersFor(m.ID, vectorUnix, "  "+Sign(other, m)+"   "+good+" "), body, now, nil},
		{"several, none valid", key, headersFor(m.ID, vectorUnix, Sign(other, m)+" v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="), body, now, ErrSignature},
		{"right MAC under another version", key, headersFor(m.ID, vectorUnix, "v1a,"+strings.TrimPrefix(good, "v1,")), body, now, ErrSignature},
		{"right MAC without version", key, headersFor(m.ID, vectorUnix, strings.TrimPrefix(good, "v1,")), body, now, ErrSignature},
		{"at the past edge", key, headersFor(m.ID, vectorUnix, good), body, now.Add(tol), nil},
		{"at the future edge", key, headersFor(m.ID, vectorUnix, good), body, now.Add(-tol), nil},
		{"too old", key, headersFor(m.ID, vectorUnix, good), body, now.Add(tol + time.Second), ErrTimestamp},
		{"too new", key, headersFor(m.ID, vectorUnix, good), body, now.Add(-tol - time.Second), ErrTimestamp},
		{"no id", key, headersFor("", vectorUnix, good), body, now, ErrHeaders},
		{"id with a dot", key, headersFor("msg.1", vectorUnix, Sign(key, Message{"msg.1", m.Timestamp, body})), body, now, ErrHeaders},
		{"no signature", key, headersFor(m.ID, vectorUnix, ""), body, now, ErrSignature},
		{"signature not base64", key, headersFor(m.ID, vectorUnix, "v1,!!!"), body, now, ErrSignature},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.header, tt.body, tt.now, tol)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyMalformedHeaders(t *testing.T) {
	key, m := vector(t)
	good := Sign(key, m)
	now := m.Timestamp
	for _, tt := range []struct {
		name string
		edit func(http.Header)
	}{
		{"no id", func(h http.Header) { h.Del(HeaderID) }},
		{"no timestamp", func(h http.Header) { h.Del(HeaderTimestamp) }},
		{"no signature header", func(h http.Header) { h.Del(HeaderSignature) }},
		{"timestamp with plus", func(h http.Header) { h.Set(HeaderTimestamp, "+"+strconv.Itoa(vectorUnix)) }},
		{"timestamp with leading zero", func(h http.Header) { h.Set(HeaderTimestamp, "0"+strconv.Itoa(vectorUnix)) }},
		{"leading zero, signed as sent", func(h http.Header) {
			// A valid MAC over the header's text is not enough: only what
			// Sign writes is accepted.
			ts := "0" + strconv.Itoa(vectorUnix)
			h.Set(HeaderTimestamp, ts)
			h.Set(HeaderSignature, "v1,"+base64.StdEncoding.EncodeToString(mac(key, m.ID, ts, m.Payload)))
		}},
		{"timestamp in milliseconds form", func(h http.Header) { h.Set(HeaderTimestamp, strconv.Itoa(vectorUnix)+".000") }},
		{"timestamp negative", func(h http.Header) { h.Set(HeaderTimestamp, "-1") }},
		{"timestamp not a number", func(h http.Header) { h.Set(HeaderTimestamp, "yesterday") }},
		{"timestamp overflows", func(h http.Header) { h.Set(HeaderTimestamp, "99999999999999999999") }},
		{"id with space", func(h http.Header) { h.Set(HeaderID, "msg 1") }},
		{"id too long", func(h http.Header) { h.Set(HeaderID, strings.Repeat("a", maxIDBytes+1)) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := headersFor(m.ID, vectorUnix, good)
			tt.edit(h)
			err := Verify(key, h, m.Payload, now, time.Minute)
			if !errors.Is(err, ErrHeaders) {
				t.Fatalf("Verify = %v, want ErrHeaders", err)
			}
		})
	}
}

// Tolerance <= 0 means DefaultTolerance, not "any time" and not "exactly now".
func TestVerifyDefaultTolerance(t *testing.T) {
	key, m := vector(t)
	h := headersFor(m.ID, vectorUnix, Sign(key, m))
	if err := Verify(key, h, m.Payload, m.Timestamp.Add(DefaultTolerance), 0); err != nil {
		t.Fatalf("at the default edge: %v", err)
	}
	if err := Verify(key, h, m.Payload, m.Timestamp.Add(DefaultTolerance+time.Second), 0); !errors.Is(err, ErrTimestamp) {
		t.Fatalf("past the default edge: %v, want ErrTimestamp", err)
	}
}

func TestParseSecret(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString
	bytesOf := func(n int) []byte { return bytes.Repeat([]byte{0xA5}, n) }
	for _, tt := range []struct {
		name string
		in   string
		want []byte // nil: refused
	}{
		{"spec vector", vectorSecret, nil}, // checked below by length
		{"24 bytes", "whsec_" + b64(bytesOf(24)), bytesOf(24)},
		{"64 bytes", "whsec_" + b64(bytesOf(64)), bytesOf(64)},
		{"23 bytes", "whsec_" + b64(bytesOf(23)), nil},
		{"65 bytes", "whsec_" + b64(bytesOf(65)), nil},
		{"no prefix", b64(bytesOf(32)), nil},
		{"other prefix", "whsk_" + b64(bytesOf(32)), nil},
		{"empty", "", nil},
		{"unpadded", "whsec_" + base64.RawStdEncoding.EncodeToString(bytesOf(32)), nil},
		{"url alphabet", "whsec_" + base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xFF}, 33)), nil},
		{"newline inside", "whsec_" + b64(bytesOf(32))[:10] + "\n" + b64(bytesOf(32))[10:], nil},
		{"trailing bits set", "whsec_" + b64(bytesOf(32))[:42] + "B=", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSecret(tt.in)
			if tt.name == "spec vector" {
				if err != nil || len(got) != 24 {
					t.Fatalf("ParseSecret = %d bytes, %v; want 24 bytes", len(got), err)
				}
				return
			}
			if tt.want == nil {
				if !errors.Is(err, ErrSecret) {
					t.Fatalf("ParseSecret = %x, %v; want ErrSecret", got, err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Fatalf("ParseSecret = %x, %v; want %x", got, err, tt.want)
			}
		})
	}
}

func TestNewSecret(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if a == b {
		t.Fatal("two secrets are equal")
	}
	key, err := ParseSecret(a)
	if err != nil || len(key) != newSecretBytes {
		t.Fatalf("ParseSecret(NewSecret()) = %d bytes, %v", len(key), err)
	}
}
