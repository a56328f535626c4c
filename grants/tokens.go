package grants

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Personal access tokens: a person's secret for docker login, made by
// themselves (a person signing in through an OpenID provider has no
// password for the registry's clients). A token has the robot secrets'
// format and checks (NewRobotSecret, SecretDigest); it acts as its owner,
// bounded by the owner's rights at each use and, optionally, by narrower
// permissions, until it expires, is revoked, or its owner is disabled or
// deleted.

// KindAccessToken is the record kind of personal access tokens; name:
// owner+"+"+id.
const KindAccessToken = "pat"

// Limits of personal access tokens.
const (
	MaxTokensPerUser        = 20
	MaxTokenLabel           = 100
	DefaultTokenLifetime    = 30 * 24 * time.Hour
	DefaultTokenMaxLifetime = 365 * 24 * time.Hour
)

// AccessTokenRecord is one personal access token.
type AccessTokenRecord struct {
	ID    string `json:"id"`
	Owner string `json:"owner"`
	// OwnerCreated is when the owner's account was made: a user deleted
	// and made again under the same name does not inherit the token.
	OwnerCreated time.Time `json:"owner_created,omitzero"`
	Label        string    `json:"label"`
	// Permissions narrow the owner's rights; none: the owner's rights.
	Permissions []Permission `json:"permissions,omitempty"`
	Expires     time.Time    `json:"expires"`
	Digest      string       `json:"digest"`
	Created     time.Time    `json:"created"`
}

// AccessTokenSpec is a token to make.
type AccessTokenSpec struct {
	Label       string
	Permissions []Permission
	Expires     time.Time // zero: DefaultTokenLifetime from now
}

// ErrTokenOwner refuses tokens to those who cannot own one.
var ErrTokenOwner = fmt.Errorf("%w: only a person signed in with their own account can make or see access tokens", ErrForbidden)

func tokenRef(owner, id string) Ref { return Ref{KindAccessToken, owner + robotSeparator + id} }

// mayOwnTokens checks that p is a person acting as themselves: neither a
// robot nor another token.
func (g *Grants) mayOwnTokens(p Principal) error {
	if err := g.current(p); err != nil {
		return err
	}
	if p.Robot != nil || p.Token != nil {
		return ErrTokenOwner
	}
	return nil
}

// AccessTokens lists p's own tokens, newest first; digests are left out.
func (g *Grants) AccessTokens(p Principal) ([]AccessTokenRecord, error) {
	if err := g.mayOwnTokens(p); err != nil {
		return nil, err
	}
	ts := g.dir.Load().tokens[p.Name]
	out := make([]AccessTokenRecord, 0, len(ts))
	for _, t := range ts {
		c := *t
		c.Digest = ""
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b AccessTokenRecord) int { return b.Created.Compare(a.Created) })
	return out, nil
}

// CreateAccessToken makes a token of p's; the secret is returned once.
// Its permissions, when given, must be at most what p's domain has, and
// actions at most what p's role allows; its expiry at most maxLifetime
// away (0: DefaultTokenMaxLifetime).
func (g *Grants) CreateAccessToken(ctx context.Context, p Principal, s AccessTokenSpec, maxLifetime time.Duration, now time.Time) (AccessTokenRecord, string, error) {
	if err := g.mayOwnTokens(p); err != nil {
		return AccessTokenRecord{}, "", err
	}
	s.Label = strings.TrimSpace(s.Label)
	if s.Label == "" || utf8.RuneCountInString(s.Label) > MaxTokenLabel {
		return AccessTokenRecord{}, "", fmt.Errorf("%w: a token's label has 1 to %d characters", ErrInvalid, MaxTokenLabel)
	}
	if maxLifetime <= 0 {
		maxLifetime = DefaultTokenMaxLifetime
	}
	if s.Expires.IsZero() {
		s.Expires = now.Add(min(DefaultTokenLifetime, maxLifetime))
	}
	switch {
	case !s.Expires.After(now):
		return AccessTokenRecord{}, "", fmt.Errorf("%w: a token's expiry must be in the future", ErrInvalid)
	case s.Expires.After(now.Add(maxLifetime)):
		return AccessTokenRecord{}, "", fmt.Errorf("%w: a token lives at most %s", ErrInvalid, maxLifetime)
	}
	secret := NewRobotSecret()
	rec := AccessTokenRecord{ID: strings.ToLower(rand.Text()[:10]), Owner: p.Name, OwnerCreated: p.Created, Label: s.Label,
		Expires: s.Expires.UTC(), Digest: SecretDigest(secret), Created: now.UTC()}
	ref := tokenRef(p.Name, rec.ID)
	_, err := g.changeRecords(ctx, func(dir *Directory) (RecordChange, error) {
		if n := len(dir.tokens[p.Name]); n >= MaxTokensPerUser {
			return RecordChange{}, fmt.Errorf("%w: you have %d access tokens, the most one may have; revoke one first", ErrTooManyAccounts, n)
		}
		if len(s.Permissions) > 0 {
			perms, err := g.tokenPermissions(dir, p, s.Permissions, now)
			if err != nil {
				return RecordChange{}, err
			}
			rec.Permissions = perms
		}
		return RecordChange{Writes: []RecordWrite{put(dir, ref, rec)},
			Event: event(p, now, EventCreateToken, ref, map[string]any{"label": rec.Label, "expires": rec.Expires, "permissions": rec.Permissions})}, nil
	})
	if err != nil {
		return AccessTokenRecord{}, "", err
	}
	rec.Digest = ""
	return rec, secret, nil
}

// tokenPermissions checks a token's permissions: what p's domain has
// (as for a robot), with no action p's role does not allow.
func (g *Grants) tokenPermissions(dir *Directory, p Principal, perms []Permission, now time.Time) ([]Permission, error) {
	out, err := g.checkPermissions(dir, p.Domain, perms, now)
	if err != nil {
		return nil, err
	}
	allowed := p.Role.Actions()
	for _, perm := range out {
		for _, a := range perm.Actions {
			if !slices.Contains(allowed, a) {
				return nil, fmt.Errorf("%w: %s on %s: your role %s does not allow it", ErrRobotPermission, a, perm.Repository, p.Role)
			}
		}
	}
	return out, nil
}

// RevokeAccessToken removes one of p's tokens: it is refused at once, on
// every replica.
func (g *Grants) RevokeAccessToken(ctx context.Context, p Principal, id string, now time.Time) error {
	if err := g.mayOwnTokens(p); err != nil {
		return err
	}
	ref := tokenRef(p.Name, id)
	_, err := g.changeRecords(ctx, func(dir *Directory) (RecordChange, error) {
		if !slices.ContainsFunc(dir.tokens[p.Name], func(t *AccessTokenRecord) bool { return t.ID == id }) {
			return RecordChange{}, fmt.Errorf("%w: access token %s", ErrNoAccount, id)
		}
		return RecordChange{Writes: []RecordWrite{del(dir, ref)}, Event: event(p, now, EventRevokeToken, ref, nil)}, nil
	})
	return err
}

// ownerTokenWrites are the deletions of a user's tokens, for the change
// that deletes the user.
func ownerTokenWrites(dir *Directory, owner string) []RecordWrite {
	var ws []RecordWrite
	for _, t := range dir.tokens[owner] {
		ws = append(ws, del(dir, tokenRef(owner, t.ID)))
	}
	return ws
}

// TokenPrincipal returns the owner of a personal access token as a
// principal acting through it, when secret is a token of login's in force
// at now and the owner is enabled. Digests are compared in constant time.
func (d *Directory) TokenPrincipal(login, secret string, now time.Time) (Principal, bool) {
	given := secretDigest(secret)
	u, ok := d.users[login]
	if !ok || u.Disabled {
		return Principal{}, false
	}
	for _, t := range d.tokens[login] {
		if subtle.ConstantTimeCompare(given[:], []byte(t.Digest)) == 1 {
			if !now.Before(t.Expires) {
				return Principal{}, false
			}
			ref := tokenRef(login, t.ID)
			return Principal{User: u, dir: d, Token: t, tokenRef: ref, tokenRev: d.revs[ref]}, true
		}
	}
	return Principal{}, false
}

// addToken files a token under its owner, if the owner is the account it
// was made for.
func (d *Directory) addToken(t *AccessTokenRecord) {
	if u, ok := d.users[t.Owner]; ok && u.Created.Equal(t.OwnerCreated) {
		d.tokens[t.Owner] = append(d.tokens[t.Owner], t)
	}
}

// narrowByToken cuts a decision on repository to what p's token allows,
// and its deadline to the token's expiry.
func narrowByToken(t *AccessTokenRecord, repository string, actions []string, deadline time.Time) ([]string, time.Time) {
	if len(t.Permissions) > 0 {
		var allowed []string
		for _, perm := range t.Permissions {
			if perm.Covers(repository) {
				allowed = append(allowed, perm.Actions...)
			}
		}
		actions = intersect(actions, allowed)
	}
	if len(actions) == 0 {
		return nil, time.Time{}
	}
	if deadline.IsZero() || t.Expires.Before(deadline) {
		deadline = t.Expires
	}
	return actions, deadline
}
