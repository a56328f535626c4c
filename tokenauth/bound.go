package tokenauth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/regshare/regshare/grants"
)

// boundClaims bind a refresh or API token to the user's password hash of
// the moment: changing the password or removing the user ends it.
type boundClaims struct {
	jwt.RegisteredClaims
	Password string `json:"pwd"`
}

// hashFingerprint is a short digest of a bcrypt hash (not of a password).
func hashFingerprint(hash []byte) string {
	sum := sha256.Sum256(hash)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// boundTokens signs and checks the tokens that stand for a password: API
// tokens (audience: the API service) and refresh tokens (docker login's
// identity token).
type boundTokens struct {
	keys       *Keys
	issuer     string
	apiService string
	apiTTL     time.Duration
	refreshTTL time.Duration
	now        func() time.Time
	// refreshes remembers verified refresh tokens, to skip the signature
	// check; the user and password binding is checked every time.
	refreshes *lru.Cache[string, verifiedRefresh]
}

type verifiedRefresh struct {
	subject, password string
	exp               time.Time
}

const refreshCacheSize = 10_000

func newBoundTokens(cfg Config, keys *Keys, now func() time.Time) *boundTokens {
	refreshes, _ := lru.New[string, verifiedRefresh](refreshCacheSize)
	return &boundTokens{keys: keys, issuer: cfg.Issuer, apiService: cfg.APIService, apiTTL: cfg.TTL,
		refreshTTL: cfg.RefreshTTL, now: now, refreshes: refreshes}
}

// sign signs a token for u with audience, valid for ttl, bound to u's
// password.
func (b *boundTokens) sign(u grants.User, audience string, ttl time.Duration, now time.Time) (string, error) {
	return b.keys.Sign(boundClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    b.issuer,
			Subject:   u.Name,
			Audience:  jwt.ClaimStrings{audience},
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        rand.Text(),
		},
		Password: hashFingerprint(u.PasswordHash),
	})
}

// apiToken signs a token for regshare's own API.
func (b *boundTokens) apiToken(u grants.User, now time.Time) (string, error) {
	return b.sign(u, b.apiService, b.apiTTL, now)
}

// refreshToken signs a refresh token.
func (b *boundTokens) refreshToken(u grants.User, now time.Time) (string, error) {
	return b.sign(u, refreshAudience, b.refreshTTL, now)
}

// parse verifies a token regshare signed for audience.
func (b *boundTokens) parse(token, audience string) (boundClaims, error) {
	var c boundClaims
	_, err := b.keys.Verify(token, &c,
		jwt.WithAudience(audience),
		jwt.WithIssuer(b.issuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(b.now),
	)
	if err != nil {
		return c, fmt.Errorf("%w: %w", ErrUnauthorized, err)
	}
	return c, nil
}

// principal is the user a bound token names, as dir knows them: they must
// still exist with the same password.
func principal(dir *grants.Directory, subject, password string) (grants.Principal, error) {
	p, ok := dir.Principal(subject)
	if !ok || password != hashFingerprint(p.PasswordHash) {
		return grants.Principal{}, ErrUnauthorized
	}
	return p, nil
}

// verifyAPI checks an API token and returns its principal in dir.
func (b *boundTokens) verifyAPI(dir *grants.Directory, token string) (grants.Principal, error) {
	c, err := b.parse(token, b.apiService)
	if err != nil {
		return grants.Principal{}, err
	}
	return principal(dir, c.Subject, c.Password)
}

// verifyRefresh checks a refresh token and returns its principal in dir.
func (b *boundTokens) verifyRefresh(dir *grants.Directory, token string) (grants.Principal, error) {
	now := b.now()
	v, ok := b.refreshes.Get(token)
	if !ok || !now.Before(v.exp) {
		c, err := b.parse(token, refreshAudience)
		if err != nil {
			return grants.Principal{}, err
		}
		v = verifiedRefresh{subject: c.Subject, password: c.Password, exp: c.ExpiresAt.Time}
		b.refreshes.Add(token, v)
	}
	return principal(dir, v.subject, v.password)
}
