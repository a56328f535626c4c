package tokenauth

import (
	"bytes"
	"context"
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

// Directories gives the directory snapshot in force.
type Directories interface {
	Directory() *grants.Directory
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
	dirs Directories
	now  func() time.Time
	ttl  time.Duration
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
	// ext checks the passwords of names that are no local user's (nil:
	// none, see UsePasswordSource).
	ext *external

	// dummies holds a hash per bcrypt cost, compared when the user does not
	// exist, so the answer takes the same work (a typical user's) either
	// way and timing does not reveal who exists.
	mu      sync.Mutex
	dummies map[int][]byte
}

// NewAuthenticator returns an Authenticator over the users of dirs.
func NewAuthenticator(dirs Directories, cfg CacheConfig, now func() time.Time) *Authenticator {
	a := &Authenticator{dirs: dirs, now: now, ttl: cfg.TTL, dummies: map[int][]byte{}}
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
	a.dummy(dirs.Directory().HashCost()) // made now rather than on a first unknown user
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

// Authenticate returns the principal whose name and password these are,
// without the failed-login limits (see AuthenticateRequest).
func (a *Authenticator) Authenticate(name, password string) (grants.Principal, error) {
	return a.authenticate(context.Background(), name, password)
}

func (a *Authenticator) authenticate(ctx context.Context, name, password string) (grants.Principal, error) {
	l := a.lookup(name, password)
	if l.cached {
		return l.p, nil
	}
	return a.verify(ctx, l, password, attempt{})
}

// login is one credential looked up in one directory snapshot.
type login struct {
	name   string // as the login is known (see route)
	ext    bool   // checked by the password source
	p      grants.Principal
	known  bool
	hash   []byte // the user's hash, or the dummy of a typical cost
	key    cacheKey
	cached bool // verified before, against this very hash
}

func (a *Authenticator) lookup(name, password string) login {
	dir := a.dirs.Directory()
	name, ext := a.route(dir, name)
	l := login{name: name, ext: ext, key: a.key(name, password)}
	l.p, l.known = dir.Principal(name)
	if !l.known {
		l.hash = a.dummy(dir.HashCost())
		return l
	}
	l.hash = l.p.PasswordHash
	l.cached = a.cache != nil && a.cacheHit(l.hash, l.key)
	return l
}

// verify checks the password with bcrypt (a provider's login: with the
// provider, see verifyExternal). at reserves a failure before bcrypt
// runs, given back on success.
//
// Concurrent attempts with the same credentials share one bcrypt and one
// reservation, known user or not: a burst of identical logins, as a CI
// fleet's, is one attempt, and the answers do not tell who exists.
func (a *Authenticator) verify(ctx context.Context, l login, password string, at attempt) (grants.Principal, error) {
	if l.ext {
		return a.verifyExternal(ctx, l, password, at)
	}
	// Keyed by the hash too: a caller who looked up a reloaded user must
	// not share a check made against the previous hash.
	_, err, _ := a.flight.Do(string(l.key[:])+string(l.hash), func() (any, error) {
		release, err := at.reserve()
		if err != nil {
			return nil, err
		}
		if l.known {
			a.misses.Add(1)
		}
		if bcrypt.CompareHashAndPassword(l.hash, []byte(password)) != nil || !l.known {
			return nil, ErrUnauthorized // failures are never cached, nor given back
		}
		if release != nil {
			release()
		}
		if a.cache != nil {
			a.cache.Add(l.key, cacheEntry{hash: l.hash, expires: a.now().Add(a.ttl)})
		}
		return nil, nil
	})
	if err != nil {
		return grants.Principal{}, err
	}
	at.succeeded()
	return l.p, nil
}

// cacheHit reports whether k was verified against hash within the TTL. An
// entry counts only while the user's hash is the one it was checked
// against: a reload that changes or removes the user ends it.
func (a *Authenticator) cacheHit(hash []byte, k cacheKey) bool {
	e, ok := a.cache.Get(k)
	if ok && bytes.Equal(e.hash, hash) && a.now().Before(e.expires) {
		a.hits.Add(1)
		return true
	}
	return false
}

// CacheStats returns the cache's hits and misses so far.
func (a *Authenticator) CacheStats() (hits, misses uint64) {
	return a.hits.Load(), a.misses.Load()
}
