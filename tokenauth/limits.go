package tokenauth

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"

	"github.com/regshare/regshare/grants"
)

// LoginLimits bound failed logins, per user name and per client address.
// Successful logins spend nothing.
//
// The lockout is "smart": a client that logged in successfully as a user
// within FamiliarFor counts its failures for that user apart (per user and
// client), so that failures from elsewhere, where user names are known to
// strangers, cannot lock it out; and a credential the cache verified is
// only bound by its client's own failures.
type LoginLimits struct {
	// FailuresPerMinute is the sustained rate of failures allowed.
	FailuresPerMinute float64
	// Burst is how many failures in a row are allowed before the limit.
	Burst int
	// TrustedProxies are the addresses of proxies whose X-Forwarded-For
	// names the client; other peers are the client themselves.
	TrustedProxies []netip.Prefix
	// FamiliarFor is how long a successful login makes its client familiar
	// for that user; 0: DefaultFamiliarFor.
	FamiliarFor time.Duration
}

// DefaultFamiliarFor keeps a client familiar for a week after its last
// successful login: a CI job or a node that pulls weekly stays known.
const DefaultFamiliarFor = 7 * 24 * time.Hour

// limitedKeys bounds how many users and addresses are tracked at once.
const limitedKeys = 100_000

// RateLimitedError refuses a login attempt without checking it.
type RateLimitedError struct{ RetryAfter time.Duration }

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("too many failed logins; retry in %s", e.RetryAfter.Round(time.Second))
}

// loginGuard tracks failures in token buckets (golang.org/x/time/rate),
// read against the injected clock.
type loginGuard struct {
	limits  LoginLimits
	mu      sync.Mutex // makes get-or-create atomic
	buckets *lru.Cache[string, *rate.Limiter]
	// familiar holds, per user and client, the last successful login.
	familiar *lru.Cache[userClient, time.Time]
}

func newLoginGuard(l LoginLimits) *loginGuard {
	if l.FamiliarFor <= 0 {
		l.FamiliarFor = DefaultFamiliarFor
	}
	b, _ := lru.New[string, *rate.Limiter](3 * limitedKeys)
	f, _ := lru.New[userClient, time.Time](limitedKeys)
	return &loginGuard{limits: l, buckets: b, familiar: f}
}

func (g *loginGuard) bucket(key string) *rate.Limiter {
	g.mu.Lock()
	defer g.mu.Unlock()
	lim, ok := g.buckets.Get(key)
	if !ok {
		lim = rate.NewLimiter(rate.Limit(g.limits.FailuresPerMinute/60), g.limits.Burst)
		g.buckets.Add(key, lim)
	}
	return lim
}

// keys are the buckets an attempt counts against: its user (or, from a
// familiar client, its user at that client) and its client.
// A long user name is kept as its digest, so that what an attacker sends
// bounds neither the memory of the tracked keys nor their size.
func (g *loginGuard) keys(user, client string, now time.Time) (ks [2]string, pair userClient, seen time.Time) {
	if len(user) > 64 {
		sum := sha256.Sum256([]byte(user))
		user = "#" + hex.EncodeToString(sum[:])
	}
	// An IPv6 client is counted by its /64: one host has many addresses.
	if a, err := netip.ParseAddr(client); err == nil && a.Is6() && !a.Is4In6() {
		if p, err := a.Prefix(64); err == nil {
			client = p.String()
		}
	}
	pair = userClient{user, client}
	ks = [2]string{"u\x00" + user, "c\x00" + client}
	if last, ok := g.familiar.Peek(pair); ok && now.Sub(last) <= g.limits.FamiliarFor {
		ks[0] = "p\x00" + user + "\x00" + client
		seen = last
	}
	return ks, pair, seen
}

// userClient names a user at a client (as keys spells both).
type userClient struct{ user, client string }

// check refuses, without taking anything, an attempt from a user or a
// client that has no failure left. It creates no bucket: a user or client
// without failures costs a lookup.
func (g *loginGuard) check(ks []string, now time.Time) error {
	var wait time.Duration
	for _, k := range ks {
		if lim, ok := g.peek(k); ok {
			if t := lim.TokensAt(now); t < 1 {
				wait = max(wait, time.Duration((1-t)/float64(lim.Limit())*float64(time.Second)))
			}
		}
	}
	if wait > 0 {
		return rateLimited(wait)
	}
	return nil
}

// clean reports whether the client key has no failure to its name: no
// bucket, or a full one.
func (g *loginGuard) clean(key string, now time.Time) bool {
	lim, ok := g.peek(key)
	return !ok || lim.TokensAt(now) >= float64(lim.Burst())
}

// charge takes one failure from key, if it has one left.
func (g *loginGuard) charge(key string, now time.Time) {
	g.bucket(key).AllowN(now, 1)
}

// peek needs no g.mu: the cache locks itself, and g.mu only makes
// bucket's get-or-create one step. A read does not count as use: buckets
// are kept by their failures (bucket), not by the checks of them.
func (g *loginGuard) peek(key string) (*rate.Limiter, bool) { return g.buckets.Peek(key) }

// rateLimited says when to come back: whole seconds, rounded up (after
// dropping float noise below a millisecond), so that a client that waits
// Retry-After is let in.
func rateLimited(wait time.Duration) error {
	wait = (wait.Round(time.Millisecond) + time.Second - 1).Truncate(time.Second)
	return &RateLimitedError{RetryAfter: max(wait, time.Second)}
}

// reserve takes one failure of the user and of the client before the
// password is checked, so that attempts sent in parallel cannot outrun the
// limit while bcrypt runs; the returned release gives them back, for a
// success. Past the limit nothing is taken and the error says when to
// come back.
func (g *loginGuard) reserve(ks [2]string, now time.Time) (release func(), err error) {
	var rs []*rate.Reservation
	var wait time.Duration
	for _, k := range ks {
		r := g.bucket(k).ReserveN(now, 1)
		rs = append(rs, r)
		wait = max(wait, r.DelayFrom(now))
	}
	release = func() {
		for _, r := range rs {
			r.CancelAt(now)
		}
	}
	if wait > 0 {
		release()
		return nil, rateLimited(wait)
	}
	return release, nil
}

// ClientAddr is the address of the client of r: the peer, or, when the
// peer is a trusted proxy, the last address in X-Forwarded-For that is not
// one.
func ClientAddr(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if !isTrusted(addr, trusted) {
		return addr.Unmap().String() // one spelling per address: one bucket
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a forged or garbled entry: the last good hop is the client
		}
		addr = hop
		if !isTrusted(hop, trusted) {
			break
		}
	}
	return addr.Unmap().String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// LimitLogins turns on the bounds of failed logins for the requests that
// AuthenticateRequest checks. A rate or burst that is not positive turns
// them off.
func (a *Authenticator) LimitLogins(l LoginLimits) {
	a.guard = nil
	if l.FailuresPerMinute > 0 && l.Burst > 0 {
		a.guard = newLoginGuard(l)
	}
	a.trusted = l.TrustedProxies
}

// AuthenticateRequest authenticates the credentials of r's sender. Past
// the limit of failures of the user or the client it refuses with a
// *RateLimitedError without running bcrypt; a success spends nothing.
func (a *Authenticator) AuthenticateRequest(r *http.Request, name, password string) (grants.Principal, error) {
	if a.guard == nil {
		return a.authenticate(r.Context(), name, password)
	}
	l := a.lookup(name, password)
	now := a.now()
	ks, pair, seen := a.guard.keys(l.name, ClientAddr(r, a.trusted), now)
	at := attempt{guard: a.guard, keys: ks, pair: pair, seen: seen, now: now}
	// Past the limit, even the right password is refused: guessing stays
	// bounded. A credential verified before cannot fail, so it takes
	// nothing; past the user's limit it is still let in from a client with
	// no failure of its own (a CI runner on a new address), so that
	// strangers cannot lock it out.
	if err := a.guard.check(ks[:], now); err != nil {
		// The client is clean, so the user's limit refused it.
		if l.cached && a.guard.clean(ks[1], now) {
			at.succeeded()
			return l.p, nil
		}
		// A refusal costs the client a failure: past the user's limit,
		// guesses are not free, and a client that guessed is no longer
		// clean, so the cache cannot tell it which guess was right.
		a.guard.charge(ks[1], now)
		return grants.Principal{}, err
	}
	if l.cached {
		at.succeeded()
		return l.p, nil
	}
	return a.verify(r.Context(), l, password, at)
}

// attempt is the failed-login accounting of one login; without a guard
// there is none. A value rather than a closure: a login answered from the
// cache then allocates nothing for it.
type attempt struct {
	guard *loginGuard
	keys  [2]string
	pair  userClient // made familiar by a success
	seen  time.Time  // when pair last succeeded, if familiar
	now   time.Time
}

// reserve takes a failure before bcrypt runs, as loginGuard.reserve.
func (at attempt) reserve() (release func(), err error) {
	if at.guard == nil {
		return nil, nil
	}
	return at.guard.reserve(at.keys, at.now)
}

// succeeded makes the client familiar for the user. A warm client logs in
// many times a minute: it is written once a minute, not every time.
func (at attempt) succeeded() {
	if at.guard == nil {
		return
	}
	if !at.seen.IsZero() && at.now.Sub(at.seen) < time.Minute {
		return
	}
	at.guard.familiar.Add(at.pair, at.now)
}

// Client is the address of r's sender, through the trusted proxies.
func (a *Authenticator) Client(r *http.Request) string { return ClientAddr(r, a.trusted) }
