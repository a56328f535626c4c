package tokenauth_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regshare/regshare/internal/testlog"
	"github.com/regshare/regshare/tokenauth"
)

// limitedFixture is the token endpoint with its own Authenticator, bounded
// by limits and read against the fixture's clock, and a captured audit log.
type limitedFixture struct {
	*tokenFixture
	authn *tokenauth.Authenticator
	audit *testlog.Buffer
}

func newLimitedFixture(t *testing.T, limits tokenauth.LoginLimits) *limitedFixture {
	t.Helper()
	f := newTokenFixture(t, tokenauth.AlgES256)
	authn := tokenauth.NewAuthenticator(f.grants, tokenauth.CacheConfig{}, f.now)
	authn.LimitLogins(limits)
	lf := &limitedFixture{tokenFixture: f, authn: authn, audit: &testlog.Buffer{}}
	f.serve(t, authn, tokenauth.Config{Audit: slog.New(slog.NewJSONHandler(lf.audit, nil))})
	return lf
}

// attempt asks GET /token as user from the peer remote (host:port), with
// X-Forwarded-For values when given, through the real handler.
func (f *limitedFixture) attempt(remote, user, password string, xff ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/token?"+query("repository:acme/web:pull").Encode(), nil)
	req.RemoteAddr = remote
	req.SetBasicAuth(user, password)
	for _, v := range xff {
		req.Header.Add("X-Forwarded-For", v)
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec
}

// postAttempt is attempt with the OAuth2 password grant.
func (f *limitedFixture) postAttempt(remote, user, password string) *httptest.ResponseRecorder {
	form := url.Values{"grant_type": {"password"}, "username": {user}, "password": {password}, "service": {testService}}
	req := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = remote
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec
}

func (f *limitedFixture) misses() uint64 {
	_, m := f.authn.CacheStats()
	return m
}

func (f *limitedFixture) advance(d time.Duration) { f.setNow(f.now().Add(d)) }

// want checks an answer's status; for 429, that Retry-After is a whole
// number of seconds, at least 1, and equal to retry when retry > 0, and
// that the body is the token endpoint's error.
func want(t *testing.T, what string, rec *httptest.ResponseRecorder, status int, retry int) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("%s: status %d, want %d; body %s", what, rec.Code, status, rec.Body)
	}
	if status != http.StatusTooManyRequests {
		if ra := rec.Header().Get("Retry-After"); ra != "" {
			t.Errorf("%s: Retry-After %q on a %d", what, ra, status)
		}
		return
	}
	ra := rec.Header().Get("Retry-After")
	n, err := strconv.Atoi(ra)
	if err != nil || n < 1 {
		t.Errorf("%s: Retry-After %q, want an integer number of seconds >= 1", what, ra)
	}
	if retry > 0 && n != retry {
		t.Errorf("%s: Retry-After %d, want %d", what, n, retry)
	}
	var er errorResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &er); err != nil || len(er.Errors) == 0 || er.Errors[0].Code != "TOOMANYREQUESTS" {
		t.Errorf("%s: body %s, want errors[0].code TOOMANYREQUESTS", what, rec.Body)
	}
}

// auditEvents decodes the JSON lines of the audit log.
func auditEvents(t *testing.T, log string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(log) {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		out = append(out, ev)
	}
	return out
}

var sixPerMinute = tokenauth.LoginLimits{FailuresPerMinute: 6, Burst: 3}

// Past the burst of failures of a user, every attempt of that user is
// refused with 429 before bcrypt runs, even with the right password, from
// any client; a failure's worth of time later one more attempt is let in.
func TestLoginLimitPerUser(t *testing.T) {
	f := newLimitedFixture(t, sixPerMinute)
	const (
		a1 = "192.0.2.1:40000"
		a2 = "198.51.100.7:40000"
		a3 = "203.0.113.9:40000"
	)
	alicePW := testUsers["alice"].password

	m := f.misses()
	for i := range 3 {
		want(t, "failure "+strconv.Itoa(i+1), f.attempt(a1, "alice", "guess"+strconv.Itoa(i)), http.StatusUnauthorized, 0)
	}
	if got := f.misses(); got != m+3 {
		t.Fatalf("three failures of a known user ran bcrypt %d times, want 3: the misses counter does not show bcrypt", got-m)
	}

	// The 4th, right password: refused without bcrypt. At 6/min a failure
	// comes back every 10 s.
	m = f.misses()
	want(t, "4th attempt, right password", f.attempt(a1, "alice", alicePW), http.StatusTooManyRequests, 10)
	want(t, "same user, other client", f.attempt(a2, "alice", alicePW), http.StatusTooManyRequests, 10)
	want(t, "same user, POST password grant", f.postAttempt(a2, "alice", alicePW), http.StatusTooManyRequests, 10)
	if got := f.misses(); got != m {
		t.Fatalf("bcrypt ran %d times past the limit", got-m)
	}

	// Other users from other clients are not slowed.
	want(t, "other user, other client", f.attempt(a3, "bob", testUsers["bob"].password), http.StatusOK, 0)

	// 9 s: still refused, one second to go.
	f.advance(9 * time.Second)
	want(t, "after 9 s", f.attempt(a2, "alice", alicePW), http.StatusTooManyRequests, 1)
	// 10 s: one attempt is let in; a success spends nothing, so the next
	// one too; a failure spends it.
	f.advance(time.Second)
	m = f.misses()
	want(t, "after 10 s", f.attempt(a2, "alice", alicePW), http.StatusOK, 0)
	if got := f.misses(); got != m+1 {
		t.Errorf("the attempt let in ran bcrypt %d times, want 1", got-m)
	}
	want(t, "after 10 s, again", f.attempt(a2, "alice", alicePW), http.StatusOK, 0)
	// a2 is now alice's familiar client: its failures count apart, and a
	// credential the cache verified is not refused for failures from
	// elsewhere. From a stranger, a guess is still refused unchecked.
	want(t, "after 10 s, a failure", f.attempt(a2, "alice", "guess"), http.StatusUnauthorized, 0)
	// a2's own failure, and the refusals it got while it was a stranger,
	// are its client's: even the cached credential waits for them.
	want(t, "after the failure, cached", f.attempt(a2, "alice", alicePW), http.StatusTooManyRequests, 10)
	want(t, "a stranger's guess", f.attempt(a3, "alice", "guess9"), http.StatusUnauthorized, 0)
	want(t, "a stranger's next guess", f.attempt(a3, "alice", "guess10"), http.StatusTooManyRequests, 10)

	// The audit log has each failure and each refusal, with no password.
	var failed, limited int
	for _, ev := range auditEvents(t, f.audit.String()) {
		if ev["actor"] != "alice" || ev["action"] != "login" || ev["client"] == "" {
			t.Errorf("audit event %v: want actor alice, action login and the client", ev)
		}
		switch ev["result"] {
		case "bad_credentials":
			failed++
		case "rate_limited":
			limited++
		}
	}
	if failed != 5 || limited != 6 {
		t.Errorf("audit: %d failed and %d rate-limited logins, want 5 and 6:\n%s", failed, limited, f.audit)
	}
	for _, s := range []string{alicePW, "guess"} {
		if strings.Contains(f.audit.String()+f.log.String(), s) {
			t.Errorf("a password (%q) is in the logs", s)
		}
	}
}

// Failures for many user names from one client trip that client's limit:
// then even a known user with the right password is refused from there,
// without bcrypt, and served from elsewhere.
func TestLoginLimitPerClient(t *testing.T) {
	f := newLimitedFixture(t, tokenauth.LoginLimits{
		FailuresPerMinute: 6, Burst: 3,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
	})
	bobPW := testUsers["bob"].password
	for _, c := range []struct {
		name        string
		peer, other string   // the client, and another one
		xff, xother []string // their X-Forwarded-For, through a trusted proxy
	}{
		{name: "IPv4 peer", peer: "192.0.2.1:1000", other: "192.0.2.2:1000"},
		// An IPv6 client counts by its /64: another address in it is the same client.
		{name: "IPv6 peer", peer: "[2001:db8::1]:1000", other: "[2001:db8:0:1::2]:1000"},
		{name: "behind a trusted proxy", peer: "10.0.0.1:1000", other: "10.0.0.1:1000",
			xff: []string{"203.0.113.5"}, xother: []string{"203.0.113.6"}},
		{name: "spoofed X-Forwarded-For from an untrusted peer", peer: "198.51.100.9:1000", other: "198.51.100.10:1000",
			xff: []string{"203.0.113.77, 10.0.0.2"}, xother: []string{"203.0.113.77, 10.0.0.2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for i := range 3 {
				want(t, "unknown user", f.attempt(c.peer, "nobody-"+c.name+strconv.Itoa(i), "x", c.xff...), http.StatusUnauthorized, 0)
			}
			want(t, "a 4th user name", f.attempt(c.peer, "nobody-else-"+c.name, "x", c.xff...), http.StatusTooManyRequests, 10)
			m := f.misses()
			want(t, "a known user, right password, from the client", f.attempt(c.peer, "bob", bobPW, c.xff...), http.StatusTooManyRequests, 10)
			if got := f.misses(); got != m {
				t.Errorf("bcrypt ran %d times past the client's limit", got-m)
			}
			want(t, "the same user from another client", f.attempt(c.other, "bob", bobPW, c.xother...), http.StatusOK, 0)
		})
	}
	t.Run("IPv6 /64", func(t *testing.T) {
		for i := range 3 {
			want(t, "unknown user", f.attempt(fmt.Sprintf("[2001:db8:5:5::%d]:1000", i+1), "nobody-v6-"+strconv.Itoa(i), "x"), http.StatusUnauthorized, 0)
		}
		want(t, "another address in the /64", f.attempt("[2001:db8:5:5::99]:1000", "bob", bobPW), http.StatusTooManyRequests, 10)
	})
}

// Attempts sent in parallel cannot outrun the limit while bcrypt runs:
// each takes its failure before its password is checked.
func TestLoginLimitParallel(t *testing.T) {
	f := newLimitedFixture(t, tokenauth.LoginLimits{FailuresPerMinute: 6, Burst: 3})
	const n = 40
	codes := make(chan int, n)
	var wg sync.WaitGroup
	m := f.misses()
	for i := range n {
		wg.Go(func() {
			codes <- f.attempt(fmt.Sprintf("192.0.2.%d:1000", i+1), "bob", fmt.Sprintf("guess-%d", i)).Code
		})
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	if count[http.StatusUnauthorized] > 3 || count[http.StatusTooManyRequests] < n-3 {
		t.Errorf("40 parallel wrong passwords for one user: %v, want at most 3 checked (401) and the rest 429", count)
	}
	if got := f.misses() - m; got > 3 {
		t.Errorf("bcrypt ran %d times, want at most 3", got)
	}
}

// Many identical right logins at once, with nothing cached (a CI fleet
// starting together), are one check: none is refused, bcrypt runs once.
func TestLoginLimitParallelSuccesses(t *testing.T) {
	f := newLimitedFixture(t, tokenauth.LoginLimits{FailuresPerMinute: 6, Burst: 3})
	const n = 16
	codes := make(chan int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			codes <- f.attempt("192.0.2.1:1000", "bob", testUsers["bob"].password).Code
		})
	}
	close(start)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Fatalf("a right login among %d parallel ones got %d", n, c)
		}
	}
}

// Successful logins never spend a failure: 100 in a row are all served,
// and they do not refill what failures spent either.
func TestLoginLimitSuccessesNeverConsume(t *testing.T) {
	f := newLimitedFixture(t, sixPerMinute)
	const peer = "192.0.2.1:1000"
	for i := range 100 {
		if rec := f.attempt(peer, "bob", testUsers["bob"].password); rec.Code != http.StatusOK {
			t.Fatalf("success %d: status %d", i+1, rec.Code)
		}
	}
	want(t, "failure 1", f.attempt(peer, "bob", "x"), http.StatusUnauthorized, 0)
	want(t, "failure 2", f.attempt(peer, "bob", "x"), http.StatusUnauthorized, 0)
	for i := range 100 {
		if rec := f.attempt(peer, "bob", testUsers["bob"].password); rec.Code != http.StatusOK {
			t.Fatalf("success %d after two failures: status %d", i+1, rec.Code)
		}
	}
	want(t, "failure 3", f.attempt(peer, "bob", "x"), http.StatusUnauthorized, 0)
	want(t, "past the burst", f.attempt(peer, "bob", testUsers["bob"].password), http.StatusTooManyRequests, 10)
}

// Retry-After is rounded up: a client that waits exactly that long is let
// in, wherever between two refills it was refused.
func TestLoginLimitRetryAfterRoundsUp(t *testing.T) {
	for _, at := range []time.Duration{0, 1500 * time.Millisecond, 5600 * time.Millisecond, 9100 * time.Millisecond} {
		t.Run(at.String(), func(t *testing.T) {
			f := newLimitedFixture(t, sixPerMinute)
			const peer = "192.0.2.1:1000"
			for range 3 {
				f.attempt(peer, "carol", "x")
			}
			f.advance(at)
			rec := f.attempt(peer, "carol", testUsers["carol"].password)
			want(t, "refused", rec, http.StatusTooManyRequests, 0)
			n, _ := strconv.Atoi(rec.Header().Get("Retry-After"))
			if wait := 10*time.Second - at; time.Duration(n)*time.Second < wait {
				t.Errorf("Retry-After %d s, but the next attempt is possible only in %s", n, wait)
			}
			f.advance(time.Duration(n) * time.Second)
			want(t, "after Retry-After", f.attempt(peer, "carol", testUsers["carol"].password), http.StatusOK, 0)
		})
	}
}

// Limits of zero (a Config built in code that leaves them out) turn the
// bound off, rather than leaving it to how a platform converts an infinite
// wait to a Duration.
func TestLoginLimitsOff(t *testing.T) {
	for _, l := range []tokenauth.LoginLimits{{}, {FailuresPerMinute: 0, Burst: 3}, {FailuresPerMinute: 6, Burst: 0}} {
		f := newLimitedFixture(t, l)
		for range 10 {
			want(t, "failure", f.attempt("192.0.2.1:1", "carol", "x"), http.StatusUnauthorized, 0)
		}
		want(t, "right password after 10 failures", f.attempt("192.0.2.1:1", "carol", testUsers["carol"].password), http.StatusOK, 0)
	}
}

func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("2001:db8:ffff::/48"),
	}
	tests := []struct {
		name   string
		remote string
		xff    []string // X-Forwarded-For header lines
		want   string
	}{
		{"untrusted peer, no header", "198.51.100.1:5000", nil, "198.51.100.1"},
		{"untrusted peer: X-Forwarded-For ignored", "198.51.100.1:5000", []string{"203.0.113.1"}, "198.51.100.1"},
		{"untrusted peer claiming a trusted hop", "198.51.100.1:5000", []string{"203.0.113.1, 10.0.0.2"}, "198.51.100.1"},
		{"trusted proxy", "10.0.0.1:5000", []string{"203.0.113.1"}, "203.0.113.1"},
		{"trusted proxy, no header", "10.0.0.1:5000", nil, "10.0.0.1"},
		{"trusted proxy, client's own forged entries", "10.0.0.1:5000", []string{"1.1.1.1, 8.8.8.8, 203.0.113.1"}, "203.0.113.1"},
		{"chain of trusted proxies", "10.0.0.1:5000", []string{"1.1.1.1, 203.0.113.1, 10.0.0.3, 10.0.0.2"}, "203.0.113.1"},
		{"chain over two header lines", "10.0.0.1:5000", []string{"1.1.1.1", "203.0.113.1, 10.0.0.2"}, "203.0.113.1"},
		{"only trusted hops", "10.0.0.1:5000", []string{"10.0.0.3, 10.0.0.2"}, "10.0.0.3"},
		{"spaces around entries", "10.0.0.1:5000", []string{"  203.0.113.1 ,\t10.0.0.2 "}, "203.0.113.1"},
		{"garbage only", "10.0.0.1:5000", []string{"garbage"}, "10.0.0.1"},
		{"empty header", "10.0.0.1:5000", []string{""}, "10.0.0.1"},
		{"garbage last: the last good hop", "10.0.0.1:5000", []string{"203.0.113.1, garbage"}, "10.0.0.1"},
		{"garbage behind a trusted hop", "10.0.0.1:5000", []string{"203.0.113.1, garbage, 10.0.0.2"}, "10.0.0.2"},
		{"garbage before the client", "10.0.0.1:5000", []string{"garbage, 203.0.113.1"}, "203.0.113.1"},
		{"an entry with a port is garbage", "10.0.0.1:5000", []string{"203.0.113.1:4711"}, "10.0.0.1"},
		{"an empty entry is garbage", "10.0.0.1:5000", []string{"203.0.113.1,,10.0.0.2"}, "10.0.0.2"},
		{"a CIDR is garbage", "10.0.0.1:5000", []string{"203.0.113.0/24"}, "10.0.0.1"},
		{"IPv6 untrusted peer", "[2001:db8::1]:443", []string{"203.0.113.1"}, "2001:db8::1"},
		{"IPv6 peer, written long", "[2001:DB8:0:0::1]:443", nil, "2001:db8::1"},
		{"IPv6 trusted proxy, IPv6 client", "[2001:db8:ffff::1]:443", []string{"2001:db8:1::5"}, "2001:db8:1::5"},
		{"IPv6 trusted proxy, IPv4 client", "[2001:db8:ffff::1]:443", []string{"203.0.113.1, 2001:db8:ffff::2"}, "203.0.113.1"},
		{"IPv4-mapped trusted peer", "[::ffff:10.0.0.1]:443", []string{"203.0.113.1"}, "203.0.113.1"},
		{"IPv4-mapped untrusted peer", "[::ffff:198.51.100.1]:443", []string{"203.0.113.1"}, "198.51.100.1"},
		{"IPv4-mapped client", "10.0.0.1:5000", []string{"::ffff:203.0.113.1"}, "203.0.113.1"},
		{"IPv4-mapped trusted hop", "10.0.0.1:5000", []string{"203.0.113.1, ::ffff:10.0.0.2"}, "203.0.113.1"},
		{"peer without a port", "198.51.100.1", nil, "198.51.100.1"},
		{"peer not an address", "@unix", []string{"203.0.113.1"}, "@unix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/token", nil)
			req.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				req.Header.Add("X-Forwarded-For", v)
			}
			if got := tokenauth.ClientAddr(req, trusted); got != tt.want {
				t.Errorf("ClientAddr(%s, X-Forwarded-For %q) = %q, want %q", tt.remote, tt.xff, got, tt.want)
			}
		})
	}
	// Without trusted proxies the header never counts.
	req := httptest.NewRequest(http.MethodGet, "/token", nil)
	req.RemoteAddr = "10.0.0.1:5000"
	req.Header.Set("X-Forwarded-For", "203.0.113.1")
	if got := tokenauth.ClientAddr(req, nil); got != "10.0.0.1" {
		t.Errorf("no trusted proxies: %q, want the peer", got)
	}
}
