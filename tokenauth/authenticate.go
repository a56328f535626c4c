package tokenauth

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"hash"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sync/singleflight"

	"github.com/regshare/regshare/grants"
)

// ErrUnauthorized means the credentials were refused. It never says why: an
// unknown user and a wrong password look the same.
var ErrUnauthorized = errors.New("invalid username or password")

// Users looks users up in the directory in force.
type Users interface {
	User(name string) (grants.User, bool)
	// HashCost is the highest bcrypt cost of the users' hashes.
	HashCost() int
}

// CacheConfig bounds the cache of verified credentials.
type CacheConfig struct {
	TTL  time.Duration // how long a verified password is trusted; 0: default
	Size int           // entries at most; 0: default; negative: no cache
}

// Defaults of CacheConfig.
const (
	DefaultCacheTTL  = 5 * time.Minute
	DefaultCacheSize = 100_000
)

// cacheKey is HMAC-SHA256(secret, user NUL password): the cache never holds
// a password, nor anything that can be checked offline against one.
type cacheKey [sha256.Size]byte

type cacheEntry struct {
	hash    []byte // the bcrypt hash the password was verified against
	expires time.Time
}

// Authenticator checks user names and passwords against bcrypt hashes,
// and remembers successful checks for a while so that repeated logins by
// the same client do not pay bcrypt each time.
type Authenticator struct {
	users Users
	now   func() time.Time
	ttl   time.Duration
	// cache is a plain LRU with an expiry in each entry, read against the
	// injected clock. (golang-lru's expirable variant keeps a goroutine per
	// cache forever and reads the wall clock.)
	cache  *lru.Cache[cacheKey, cacheEntry]
	flight singleflight.Group
	// hits and misses count cache lookups of known users; a miss costs one
	// bcrypt comparison.
	hits, misses atomic.Uint64
	macs         sync.Pool // of hash.Hash keyed with the per-process secret

	// guard bounds failed logins (nil: no bound), with the proxies whose
	// X-Forwarded-For names the client.
	guard   *loginGuard
	trusted []netip.Prefix

	// dummies holds a hash per bcrypt cost, compared when the user does not
	// exist, so the answer takes the same work either way and timing does
	// not reveal who exists.
	mu      sync.Mutex
	dummies map[int][]byte
}

// NewAuthenticator returns an Authenticator over users.
func NewAuthenticator(users Users, cfg CacheConfig, now func() time.Time) *Authenticator {
	a := &Authenticator{users: users, now: now, ttl: cfg.TTL, dummies: map[int][]byte{}}
	if a.ttl <= 0 {
		a.ttl = DefaultCacheTTL
	}
	if cfg.Size >= 0 {
		size := cfg.Size
		if size == 0 {
			size = DefaultCacheSize
		}
		a.cache, _ = lru.New[cacheKey, cacheEntry](size) // err only for size <= 0
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	a.macs.New = func() any { return hmac.New(sha256.New, secret) }
	a.dummy(users.HashCost()) // made now rather than on a first unknown user
	return a
}

// dummy returns a hash of the given cost, made once.
func (a *Authenticator) dummy(cost int) []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	h, ok := a.dummies[cost]
	if !ok {
		var err error
		if h, err = bcrypt.GenerateFromPassword([]byte("regshare: no such user"), cost); err != nil {
			panic(err) // only for a cost out of range, which the directory refuses
		}
		a.dummies[cost] = h
	}
	return h
}

func (a *Authenticator) key(name, password string) cacheKey {
	m := a.macs.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(name))
	m.Write([]byte{0})
	m.Write([]byte(password))
	var k cacheKey
	m.Sum(k[:0])
	a.macs.Put(m)
	return k
}

// Authenticate returns the user whose name and password these are.
func (a *Authenticator) Authenticate(name, password string) (grants.User, error) {
	return a.authenticate(name, password, attempt{})
}

// authenticate checks the credentials: from the cache when they were
// verified before, else with bcrypt. at reserves a failure before bcrypt
// runs, given back on success.
// Concurrent attempts with the same credentials share one bcrypt (and one
// reservation): a burst of identical logins, as a CI fleet's, is one
// attempt.
func (a *Authenticator) authenticate(name, password string, at attempt) (grants.User, error) {
	u, ok := a.users.User(name)
	if !ok {
		if _, err := at.reserve(); err != nil {
			return grants.User{}, err
		}
		_ = bcrypt.CompareHashAndPassword(a.dummy(a.users.HashCost()), []byte(password))
		return grants.User{}, ErrUnauthorized
	}
	k := a.key(name, password)
	if a.cache != nil && a.cacheHit(u, k) {
		return u, nil
	}
	// Keyed by the hash too: a caller who looked up a reloaded user must
	// not share a check made against the previous hash.
	_, err, _ := a.flight.Do(string(k[:])+string(u.PasswordHash), func() (any, error) {
		release, err := at.reserve()
		if err != nil {
			return nil, err
		}
		a.misses.Add(1)
		if err := a.check(u, password); err != nil {
			return nil, err // failures are never cached, nor given back
		}
		if release != nil {
			release()
		}
		if a.cache != nil {
			a.cache.Add(k, cacheEntry{hash: u.PasswordHash, expires: a.now().Add(a.ttl)})
		}
		return nil, nil
	})
	if err != nil {
		return grants.User{}, err
	}
	return u, nil
}

// cacheHit reports whether k was verified against u's current hash within
// the TTL. An entry counts only while the user's hash is the one it was
// checked against: a reload that changes or removes the user ends it.
func (a *Authenticator) cacheHit(u grants.User, k cacheKey) bool {
	e, ok := a.cache.Get(k)
	if ok && bytes.Equal(e.hash, u.PasswordHash) && a.now().Before(e.expires) {
		a.hits.Add(1)
		return true
	}
	return false
}

// CacheStats returns the cache's hits and misses so far.
func (a *Authenticator) CacheStats() (hits, misses uint64) {
	return a.hits.Load(), a.misses.Load()
}

func (a *Authenticator) check(u grants.User, password string) error {
	if bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(password)) != nil {
		return ErrUnauthorized
	}
	return nil
}
