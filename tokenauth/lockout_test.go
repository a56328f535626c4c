package tokenauth_test

import (
	"fmt"
	"maps"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/regshare/regshare/tokenauth"
)

// User names are not secret (every token's sub, every share's
// creator_name): failures from strangers must not lock out a client that
// logged in as that user before, nor a credential the cache verified. The
// user's own client's failures still count.
func TestLoginLimitStrangersCannotLockOut(t *testing.T) {
	// One failure back every 10 minutes: the cache's TTL passes with the
	// strangers' failures still counted.
	f := newLimitedFixture(t, tokenauth.LoginLimits{FailuresPerMinute: 0.1, Burst: 3})
	const home = "192.0.2.1:40000"
	alicePW := testUsers["alice"].password
	want(t, "alice logs in from her client", f.attempt(home, "alice", alicePW), http.StatusOK, 0)

	for i := range 12 {
		rec := f.attempt(fmt.Sprintf("198.51.100.%d:1000", i+1), "alice", fmt.Sprintf("guess-%d", i))
		if rec.Code != http.StatusUnauthorized && rec.Code != http.StatusTooManyRequests {
			t.Fatalf("stranger %d: status %d", i+1, rec.Code)
		}
	}
	want(t, "a stranger with the right password", f.attempt("203.0.113.5:1000", "alice", "not-cached-"+alicePW), http.StatusTooManyRequests, 0)
	want(t, "her client, cached credential", f.attempt(home, "alice", alicePW), http.StatusOK, 0)
	want(t, "POST from her client", f.postAttempt(home, "alice", alicePW), http.StatusOK, 0)
	// A CI runner on a new address with the credential the cache holds.
	want(t, "a new client, cached credential", f.attempt("203.0.113.77:1000", "alice", alicePW), http.StatusOK, 0)

	// Past the cache's TTL her client still gets in: bcrypt, not refused.
	f.advance(tokenauth.DefaultCacheTTL + time.Second)
	want(t, "her client, after the cache TTL", f.attempt(home, "alice", alicePW), http.StatusOK, 0)

	// Her own client's wrong passwords still count.
	for i := range 3 {
		want(t, fmt.Sprintf("her client, wrong password %d", i+1), f.attempt(home, "alice", "typo"), http.StatusUnauthorized, 0)
	}
	want(t, "her client past its own burst", f.attempt(home, "alice", alicePW), http.StatusTooManyRequests, 0)
}

// A client stays familiar only as long as LoginLimits.FamiliarFor says.
func TestLoginLimitFamiliarClientExpires(t *testing.T) {
	limits := sixPerMinute
	limits.FamiliarFor = time.Hour
	f := newLimitedFixture(t, limits)
	const home = "192.0.2.1:40000"
	alicePW := testUsers["alice"].password
	want(t, "alice logs in", f.attempt(home, "alice", alicePW), http.StatusOK, 0)
	f.advance(2 * time.Hour)
	for i := range 3 {
		want(t, "stranger", f.attempt(fmt.Sprintf("198.51.100.%d:1000", i+1), "alice", "guess"), http.StatusUnauthorized, 0)
	}
	want(t, "no longer familiar, not cached", f.attempt(home, "alice", alicePW), http.StatusTooManyRequests, 0)
}

// Identical wrong logins released together answer alike for a user that
// exists and one that does not, and spend the limits alike: the answers
// must not tell which users exist.
func TestLoginLimitParallelUnknownLikeKnown(t *testing.T) {
	run := func(user string) map[int]int {
		f := newLimitedFixture(t, tokenauth.LoginLimits{FailuresPerMinute: 6, Burst: 10})
		const n = 12
		codes := make(chan int, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				<-start
				codes <- f.attempt("192.0.2.1:1000", user, "wrong").Code
			})
		}
		close(start)
		wg.Wait()
		close(codes)
		count := map[int]int{}
		for c := range codes {
			count[c]++
		}
		return count
	}
	known := run("alice")
	unknown := run("nobody-here")
	if !maps.Equal(known, unknown) || unknown[http.StatusTooManyRequests] != 0 {
		t.Errorf("12 parallel identical wrong logins: known user %v, unknown user %v; want the same answers, all 401 (one check)", known, unknown)
	}
}

// Past a user's limit, the cache of verified credentials must not become an
// oracle: a refused guess costs its client a failure, and a client with a
// failure of its own no longer gets the cached credential's exemption. So a
// client learns nothing from guessing; a clean one (a CI runner on a new
// address) still gets in with the cached credential.
func TestLoginLimitNoOracleThroughTheCache(t *testing.T) {
	f := newLimitedFixture(t, tokenauth.LoginLimits{FailuresPerMinute: 0.1, Burst: 3})
	alicePW := testUsers["alice"].password
	want(t, "alice logs in from her client", f.attempt("192.0.2.1:1", "alice", alicePW), http.StatusOK, 0)
	for i := range 3 {
		want(t, "stranger spends the user's burst", f.attempt(fmt.Sprintf("198.51.100.%d:1", i+1), "alice", "nope"), http.StatusUnauthorized, 0)
	}
	const attacker = "203.0.113.66:1"
	for i := range 20 {
		want(t, fmt.Sprintf("guess %d past the limit", i+1), f.attempt(attacker, "alice", fmt.Sprintf("guess-%d", i)), http.StatusTooManyRequests, 0)
	}
	want(t, "the attacker's right guess", f.attempt(attacker, "alice", alicePW), http.StatusTooManyRequests, 0)
	const runner = "203.0.113.77:1"
	want(t, "a clean client, cached credential", f.attempt(runner, "alice", alicePW), http.StatusOK, 0)
	// Now familiar, its own wrong passwords count for it alone, and past
	// them it is refused like anyone.
	for i := range 3 {
		want(t, fmt.Sprintf("that client's wrong password %d", i+1), f.attempt(runner, "alice", "typo"), http.StatusUnauthorized, 0)
	}
	want(t, "that client past its own burst", f.attempt(runner, "alice", alicePW), http.StatusTooManyRequests, 0)
}
