package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type received struct {
	method string
	header http.Header
	body   []byte
}

// endpoint is a receiver that records what reaches it and answers with
// handle (200 when nil).
type endpoint struct {
	*httptest.Server
	hits atomic.Int32
	got  chan received
}

func newEndpoint(t *testing.T, handle http.HandlerFunc) *endpoint {
	t.Helper()
	e := &endpoint{got: make(chan received, 16)}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		e.got <- received{r.Method, r.Header.Clone(), body}
		if handle != nil {
			handle(w, r)
		}
	}))
	t.Cleanup(e.Close)
	return e
}

func testMessage(t *testing.T) ([]byte, Message) {
	t.Helper()
	key, err := ParseSecret(NewSecret())
	if err != nil {
		t.Fatal(err)
	}
	return key, Message{
		ID:        "msg_share_created_42",
		Timestamp: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		Payload:   []byte(`{"type": "share.created",  "data": {"id": 42}}`), // odd spacing: sent as is
	}
}

var private = ClientConfig{AllowPrivate: true}

func TestSendRefusesLoopbackUnlessAllowed(t *testing.T) {
	e := newEndpoint(t, nil)
	key, m := testMessage(t)

	r := NewClient(ClientConfig{}).Send(context.Background(), e.URL, key, m)
	if !errors.Is(r.Err, ErrAddress) || r.Status != 0 {
		t.Fatalf("default client: %+v, want ErrAddress and no status", r)
	}
	if n := e.hits.Load(); n != 0 {
		t.Fatalf("refused endpoint got %d requests", n)
	}

	r = NewClient(private).Send(context.Background(), e.URL, key, m)
	if r.Err != nil || r.Status != http.StatusOK {
		t.Fatalf("AllowPrivate: %+v, want 200", r)
	}
	if n := e.hits.Load(); n != 1 {
		t.Fatalf("endpoint got %d requests, want 1", n)
	}
}

// localhost resolves to loopback addresses, which the dialer refuses.
func TestSendRefusesLocalhost(t *testing.T) {
	e := newEndpoint(t, nil)
	key, m := testMessage(t)
	url := strings.Replace(e.URL, "127.0.0.1", "localhost", 1)
	r := NewClient(ClientConfig{}).Send(context.Background(), url, key, m)
	if !errors.Is(r.Err, ErrAddress) {
		t.Fatalf("Send(%s) = %+v, want ErrAddress", url, r)
	}
	if n := e.hits.Load(); n != 0 {
		t.Fatalf("endpoint got %d requests", n)
	}
}

func TestReceiverVerifiesWhatIsSent(t *testing.T) {
	e := newEndpoint(t, nil)
	key, m := testMessage(t)
	c := NewClient(ClientConfig{AllowPrivate: true, UserAgent: "regshare-test/9"})
	if r := c.Send(context.Background(), e.URL+"/hook?tenant=a", key, m); r.Err != nil {
		t.Fatalf("Send = %+v", r)
	}
	got := <-e.got
	if got.method != http.MethodPost {
		t.Errorf("method %s, want POST", got.method)
	}
	if string(got.body) != string(m.Payload) {
		t.Errorf("body %q, want %q byte for byte", got.body, m.Payload)
	}
	for name, want := range map[string]string{
		"Content-Type":  "application/json",
		"User-Agent":    "regshare-test/9",
		HeaderID:        m.ID,
		HeaderTimestamp: fmt.Sprint(m.Timestamp.Unix()),
		HeaderSignature: Sign(key, m),
	} {
		if v := got.header.Get(name); v != want {
			t.Errorf("%s: %q, want %q", name, v, want)
		}
	}
	if err := Verify(key, got.header, got.body, m.Timestamp.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatalf("receiver's Verify = %v", err)
	}
	other, _ := ParseSecret(NewSecret())
	if err := Verify(other, got.header, got.body, m.Timestamp, 5*time.Minute); !errors.Is(err, ErrSignature) {
		t.Fatalf("Verify with another secret = %v, want ErrSignature", err)
	}
}

func TestSendDoesNotFollowRedirects(t *testing.T) {
	for _, code := range []int{301, 302, 303, 307, 308} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			target := newEndpoint(t, nil)
			from := newEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target.URL+"/elsewhere", code)
			})
			key, m := testMessage(t)
			r := NewClient(private).Send(context.Background(), from.URL, key, m)
			var se *StatusError
			if r.Status != code || !errors.As(r.Err, &se) || se.Status != code {
				t.Fatalf("Send = %+v, want a StatusError %d", r, code)
			}
			if se.Location != target.URL+"/elsewhere" || !strings.Contains(r.Err.Error(), target.URL+"/elsewhere") {
				t.Fatalf("error %q, Location %q: want it to name %s/elsewhere", r.Err, se.Location, target.URL)
			}
			if n := target.hits.Load(); n != 0 {
				t.Fatalf("redirect target got %d requests", n)
			}
		})
	}
}

func TestSendTimeout(t *testing.T) {
	stall := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	partial := func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		stall(w, r)
	}
	const timeout = 200 * time.Millisecond
	for _, tt := range []struct {
		name    string
		handle  http.HandlerFunc
		status  int
		body    string
		timeout bool
	}{
		{"no answer", stall, 0, "", true},
		// The status is the receiver's answer; a stalled body only ends the read.
		{"answer stalls", partial, http.StatusAccepted, "partial", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEndpoint(t, tt.handle)
			key, m := testMessage(t)
			// A backstop, so that a client ignoring Timeout fails here fast.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			r := NewClient(ClientConfig{AllowPrivate: true, Timeout: timeout}).Send(ctx, e.URL, key, m)
			if r.Status != tt.status || r.Body != tt.body || tt.timeout != errors.Is(r.Err, context.DeadlineExceeded) {
				t.Fatalf("Send = %+v, want status %d, body %q, timeout %v", r, tt.status, tt.body, tt.timeout)
			}
			if !tt.timeout && r.Err != nil {
				t.Fatalf("Send = %+v, want no error", r)
			}
			if r.Duration < timeout || r.Duration > 4*time.Second {
				t.Fatalf("Duration %s, want about %s", r.Duration, timeout)
			}
		})
	}
}

// The caller's context bounds the attempt too.
func TestSendHonoursContext(t *testing.T) {
	e := newEndpoint(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	key, m := testMessage(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	r := NewClient(private).Send(ctx, e.URL, key, m)
	if !errors.Is(r.Err, context.DeadlineExceeded) || r.Duration > DefaultTimeout/2 {
		t.Fatalf("Send = %+v, want the caller's deadline", r)
	}
}

func TestSendReadsAtMostMaxResponseBytes(t *testing.T) {
	endless := func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("x", 32<<10))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}
	for _, tt := range []struct {
		name string
		max  int64
		want int
	}{
		{"configured", 1000, 1000},
		{"default", 0, DefaultMaxResponseBytes},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEndpoint(t, endless)
			key, m := testMessage(t)
			// An endless answer read to its end would run into the timeout.
			c := NewClient(ClientConfig{AllowPrivate: true, MaxResponseBytes: tt.max, Timeout: 2 * time.Second})
			r := c.Send(context.Background(), e.URL, key, m)
			if r.Err != nil || r.Status != http.StatusOK || len(r.Body) != tt.want {
				t.Fatalf("Send = status %d, %d bytes, %v; want 200, %d bytes, no error", r.Status, len(r.Body), r.Err, tt.want)
			}
		})
	}
}

func TestSendStatuses(t *testing.T) {
	for _, code := range []int{200, 201, 202, 204, 299, 400, 401, 404, 410, 429, 500, 502, 503, 504} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			e := newEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(code)
				io.WriteString(w, "answer \xff") // invalid UTF-8 is made storable
			})
			key, m := testMessage(t)
			r := NewClient(private).Send(context.Background(), e.URL, key, m)
			if r.Status != code {
				t.Fatalf("Status %d, want %d", r.Status, code)
			}
			if want := "answer \uFFFD"; code != 204 && r.Body != want {
				t.Errorf("Body %q, want %q", r.Body, want)
			}
			var se *StatusError
			if ok := code < 300; ok != (r.Err == nil) || !ok && (!errors.As(r.Err, &se) || se.Status != code) {
				t.Fatalf("Err = %v for status %d", r.Err, code)
			}
			if se != nil && !strings.Contains(r.Err.Error(), fmt.Sprint(code)) {
				t.Errorf("error %q does not name the status", r.Err)
			}
		})
	}
}

// What Send refuses to send never reaches the endpoint.
func TestSendRefusesBadInput(t *testing.T) {
	e := newEndpoint(t, nil)
	key, m := testMessage(t)
	for _, tt := range []struct {
		name string
		url  string
		key  []byte
		edit func(*Message)
		want error
	}{
		{"id with a dot", e.URL, key, func(m *Message) { m.ID = "share.created" }, ErrHeaders},
		{"no id", e.URL, key, func(m *Message) { m.ID = "" }, ErrHeaders},
		{"no timestamp", e.URL, key, func(m *Message) { m.Timestamp = time.Time{} }, ErrHeaders},
		{"short secret", e.URL, key[:minSecretBytes-1], func(*Message) {}, ErrSecret},
		{"no secret", e.URL, nil, func(*Message) {}, ErrSecret},
		{"bad scheme", strings.Replace(e.URL, "http", "gopher", 1), key, func(*Message) {}, ErrURL},
		{"user info", strings.Replace(e.URL, "//", "//u:p@", 1), key, func(*Message) {}, ErrURL},
	} {
		t.Run(tt.name, func(t *testing.T) {
			msg := m
			tt.edit(&msg)
			if r := NewClient(private).Send(context.Background(), tt.url, tt.key, msg); !errors.Is(r.Err, tt.want) {
				t.Fatalf("Send = %+v, want %v", r, tt.want)
			}
		})
	}
	if n := e.hits.Load(); n != 0 {
		t.Fatalf("endpoint got %d requests", n)
	}
}
