package tokenauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
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
	// AuthTime is when the user logged in: an API token renewed from it
	// keeps it (and its ID), and no renewal lives past AuthTime plus the
	// session's maximum. Absent in refresh tokens.
	AuthTime *jwt.NumericDate `json:"auth_time,omitempty"`
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
	sessionMax time.Duration // how long an API token's session may be renewed
	now        func() time.Time
	// ends says which tokens a logout or a sign-out everywhere ended; nil:
	// none can be ended.
	ends TokenEnds
	// refreshes remembers verified refresh tokens, to skip the signature
	// check; the user and password binding, and whether the token was
	// ended, are checked every time.
	refreshes *lru.Cache[string, boundToken]
}

// TokenEnds records and answers the ends of API and refresh tokens, in the
// durable store, for every replica (grants.Grants).
type TokenEnds interface {
	EndTokens(ctx context.Context, e grants.TokenEnd) error
	TokenEnded(subject, id string, issued, now time.Time) bool
}

// boundToken is what is checked of a verified API or refresh token each
// time it is presented.
type boundToken struct {
	subject, password, id string
	issued, exp           time.Time
	authTime              time.Time // zero: not an API session
}

const refreshCacheSize = 10_000

func newBoundTokens(cfg Config, keys *Keys, now func() time.Time) *boundTokens {
	refreshes, _ := lru.New[string, boundToken](refreshCacheSize)
	return &boundTokens{keys: keys, issuer: cfg.Issuer, apiService: cfg.APIService, apiTTL: cfg.TTL,
		refreshTTL: cfg.RefreshTTL, sessionMax: cfg.SessionMax, now: now, ends: cfg.TokenEnds, refreshes: refreshes}
}

// claims are the claims of a token for u with audience, valid until exp,
// bound to u's password, with a new ID.
func (b *boundTokens) claims(u grants.User, audience string, now, exp time.Time) boundClaims {
	return boundClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    b.issuer,
			Subject:   u.Name,
			Audience:  jwt.ClaimStrings{audience},
			ExpiresAt: jwt.NewNumericDate(exp),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        rand.Text(),
		},
		Password: hashFingerprint(u.PasswordHash),
	}
}

// apiToken signs a token for regshare's own API: the first of a session
// that starts now.
func (b *boundTokens) apiToken(u grants.User, now time.Time) (string, error) {
	return b.keys.Sign(b.apiClaims(u, now))
}

// apiClaims are the claims of the first API token of a session that
// starts now.
func (b *boundTokens) apiClaims(u grants.User, now time.Time) boundClaims {
	c := b.claims(u, b.apiService, now, now.Add(b.apiLifetime()))
	c.AuthTime = jwt.NewNumericDate(now)
	return c
}

// apiLifetime is how long an API token lives.
func (b *boundTokens) apiLifetime() time.Duration { return min(b.apiTTL, b.sessionMax) }

// refreshToken signs a refresh token.
func (b *boundTokens) refreshToken(u grants.User, now time.Time) (string, error) {
	return b.keys.Sign(b.claims(u, refreshAudience, now, now.Add(b.refreshTTL)))
}

// Renewed is a new API token of the session of the one presented.
type Renewed struct {
	Token string
	// Expires is when the token expires; SessionEnds when the session
	// does, whatever its renewals.
	Expires, SessionEnds time.Time
}

// renewAPI signs a new API token of the session of token, which must
// still be valid for p: the same ID (a logout ends every token of the
// session) and login time, valid for the API token's TTL but never past
// the session's end.
func (b *boundTokens) renewAPI(p grants.Principal, token string) (Renewed, error) {
	c, err := b.parse(token, b.apiService)
	if err != nil {
		return Renewed{}, err
	}
	v := claimsOf(c)
	if v.authTime.IsZero() || v.subject != p.Name {
		return Renewed{}, ErrUnauthorized
	}
	// No token of a session outlives its end, so a valid one is before
	// it; the check keeps it so if the maximum was lowered since.
	now := b.now()
	ends := v.authTime.Add(b.sessionMax)
	if !now.Before(ends) {
		return Renewed{}, ErrUnauthorized
	}
	exp := now.Add(b.apiTTL)
	if exp.After(ends) {
		exp = ends
	}
	n := b.claims(p.User, b.apiService, now, exp)
	n.ID, n.AuthTime = v.id, c.AuthTime
	signed, err := b.keys.Sign(n)
	if err != nil {
		return Renewed{}, err
	}
	return Renewed{Token: signed, Expires: n.ExpiresAt.Time, SessionEnds: ends}, nil
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
// still exist with the same password, and the token must not have been
// ended.
func (b *boundTokens) principal(dir *grants.Directory, v boundToken) (grants.Principal, error) {
	p, ok := dir.Principal(v.subject)
	if !ok || v.password != hashFingerprint(p.PasswordHash) {
		return grants.Principal{}, ErrUnauthorized
	}
	if b.ends != nil && b.ends.TokenEnded(v.subject, v.id, v.issued, b.now()) {
		return grants.Principal{}, ErrUnauthorized
	}
	return p, nil
}

// claimsOf is the boundToken of verified claims.
func claimsOf(c boundClaims) boundToken {
	v := boundToken{subject: c.Subject, password: c.Password, id: c.ID}
	if c.IssuedAt != nil {
		v.issued = c.IssuedAt.Time
	}
	if c.ExpiresAt != nil {
		v.exp = c.ExpiresAt.Time
	}
	if c.AuthTime != nil {
		v.authTime = c.AuthTime.Time
	}
	return v
}

// verifyAPI checks an API token and returns its principal in dir.
func (b *boundTokens) verifyAPI(dir *grants.Directory, token string) (grants.Principal, error) {
	c, err := b.parse(token, b.apiService)
	if err != nil {
		return grants.Principal{}, err
	}
	return b.principal(dir, claimsOf(c))
}

// end records the end of one verified token (a logout).
func (b *boundTokens) end(ctx context.Context, token, audience string) error {
	if b.ends == nil {
		return errNoTokenEnds
	}
	c, err := b.parse(token, audience)
	if err != nil {
		return err
	}
	v := claimsOf(c)
	// Every token of an API session has its ID: the end holds until the
	// last of them can expire.
	until := v.exp
	if ends := v.authTime.Add(b.sessionMax); !v.authTime.IsZero() && ends.After(until) {
		until = ends
	}
	return b.ends.EndTokens(ctx, grants.TokenEnd{Subject: v.subject, ID: v.id, Until: until, Made: b.now()})
}

// endAll records the end of every API and refresh token of subject issued
// until now, and within signOutMargin after it: iat is in whole seconds,
// and another replica's clock may run a little ahead.
func (b *boundTokens) endAll(ctx context.Context, subject string) error {
	if b.ends == nil {
		return errNoTokenEnds
	}
	now := b.now()
	return b.ends.EndTokens(ctx, grants.TokenEnd{
		Subject: subject,
		Before:  now.Truncate(time.Second).Add(signOutMargin),
		Made:    now,
	})
}

// signOutMargin: tokens issued this soon after a sign-out everywhere are
// ended too; the user logs in again after it.
const signOutMargin = 5 * time.Second

var errNoTokenEnds = errors.New("tokens cannot be ended here")

// verifyRefresh checks a refresh token and returns its principal in dir.
func (b *boundTokens) verifyRefresh(dir *grants.Directory, token string) (grants.Principal, error) {
	now := b.now()
	v, ok := b.refreshes.Get(token)
	if !ok || !now.Before(v.exp) {
		c, err := b.parse(token, refreshAudience)
		if err != nil {
			return grants.Principal{}, err
		}
		v = claimsOf(c)
		b.refreshes.Add(token, v)
	}
	return b.principal(dir, v)
}
