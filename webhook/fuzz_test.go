package webhook

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ParseSecret never panics, accepts only keys of the allowed length, and
// accepts a secret only in the one spelling NewSecret would give its key.
func FuzzParseSecret(f *testing.F) {
	f.Add(vectorSecret)
	f.Add(NewSecret())
	f.Add("whsec_")
	f.Add("whsec_====")
	f.Add("whsec_" + base64.RawStdEncoding.EncodeToString(make([]byte, 32)))
	f.Add(strings.TrimPrefix(vectorSecret, "whsec_"))
	f.Fuzz(func(t *testing.T, s string) {
		key, err := ParseSecret(s)
		if err != nil {
			return
		}
		if len(key) < minSecretBytes || len(key) > maxSecretBytes {
			t.Fatalf("ParseSecret(%q) accepted %d bytes", s, len(key))
		}
		if again := "whsec_" + base64.StdEncoding.EncodeToString(key); again != s {
			t.Fatalf("ParseSecret(%q) accepted a second spelling of %q", s, again)
		}
	})
}

// Verify never panics; it passes only a header that carries the signature
// Sign makes for the same id, timestamp and body; and what Send would send
// always passes.
func FuzzVerify(f *testing.F) {
	f.Add(vectorID, strconv.Itoa(vectorUnix), vectorSignature, []byte(vectorPayload))
	f.Add(vectorID, "01614265330", vectorSignature, []byte(vectorPayload))
	f.Add("msg.1", "0", "v1,", []byte{})
	f.Add("a", "-1", "v1a,AAAA v1,AAAA==  v1,,", []byte("{}"))
	f.Add("", "99999999999999999999", "v1 v1, ,v1", []byte(nil))
	key, _ := vector(f)
	now := time.Unix(vectorUnix, 0)
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set(HeaderID, id)
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, sig)
		if err := Verify(key, h, body, now, time.Hour); err == nil {
			n, _ := strconv.ParseInt(ts, 10, 64)
			if want := Sign(key, Message{id, time.Unix(n, 0), body}); !strings.Contains(" "+sig+" ", " "+want+" ") {
				t.Fatalf("Verify passed %q, which lacks %q", sig, want)
			}
		}
		n, err := strconv.ParseInt(ts, 10, 64)
		if checkID(id) != nil || err != nil || n <= 0 {
			return
		}
		m := Message{ID: id, Timestamp: time.Unix(n, 0), Payload: bytes.Clone(body)}
		h = http.Header{}
		h.Set(HeaderID, m.ID)
		h.Set(HeaderTimestamp, strconv.FormatInt(n, 10))
		h.Set(HeaderSignature, sig+" "+Sign(key, m))
		if err := Verify(key, h, body, m.Timestamp, time.Second); err != nil {
			t.Fatalf("Verify of a signed message = %v", err)
		}
	})
}
