package admin

import (
	"fmt"
	"net/http"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

// The personal access token routes: every person lists, makes and
// revokes their own tokens, for docker login. A token's secret is in the
// answer of its create and nowhere else.

func (a *API) listTokens(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	if err := a.grants.Readable(r.Context()); err != nil {
		return err
	}
	ts, err := a.grants.AccessTokens(u)
	if err != nil {
		return err
	}
	now := a.now()
	out := shareapi.AccessTokens{Tokens: make([]shareapi.AccessToken, len(ts))}
	for i, t := range ts {
		out.Tokens[i] = tokenObject(t, now)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	var req shareapi.CreateAccessToken
	var after []any
	tgt := target{grants.KindAccessToken, u.Domain, u.Name}
	defer func() { a.auditAccount(r, u, grants.EventCreateToken, tgt, after, err) }()
	if _, err = readBody(w, r, &req); err != nil {
		return err
	}
	now := a.now()
	expires, err := tokenExpiry(req, now)
	if err != nil {
		return err
	}
	perms := make([]grants.Permission, len(req.Permissions))
	for i, p := range req.Permissions {
		perms[i] = grants.Permission{Repository: p.Repository, Actions: p.Actions}
	}
	t, secret, err := a.grants.CreateAccessToken(r.Context(), u, grants.AccessTokenSpec{Label: req.Label, Permissions: perms, Expires: expires},
		a.cfg.TokenMaxLifetime, now)
	if err != nil {
		return err
	}
	tgt.name = u.Name + "+" + t.ID
	after = []any{"label", t.Label, "expires", formatDeadline(t.Expires), "permissions", t.Permissions}
	out := shareapi.AccessTokenSecret{AccessToken: tokenObject(t, now), Secret: secret}
	if a.cfg.RegistryHost != "" {
		// Quoted for the shell; a provider's name may hold '@'.
		out.DockerLogin = "docker login -u '" + u.Name + "' --password-stdin " + a.cfg.RegistryHost
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	id := r.PathValue("id")
	defer func() {
		a.auditAccount(r, u, grants.EventRevokeToken, target{grants.KindAccessToken, u.Domain, u.Name + "+" + id}, nil, err)
	}()
	if err = a.grants.RevokeAccessToken(r.Context(), u, id, a.now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// tokenExpiry reads a token's expiry: at most one of expires_at and
// expires_in (zero: the default).
func tokenExpiry(req shareapi.CreateAccessToken, now time.Time) (time.Time, error) {
	if req.ExpiresAt != "" && req.ExpiresIn != "" {
		return time.Time{}, fmt.Errorf("%w: give at most one of expires_at (an RFC 3339 time) and expires_in (such as 30d)", grants.ErrInvalid)
	}
	return expiryOf(req.ExpiresAt, req.ExpiresIn, now)
}

// tokenObject is a token as the API writes it, as of now.
func tokenObject(t grants.AccessTokenRecord, now time.Time) shareapi.AccessToken {
	perms := make([]shareapi.Permission, len(t.Permissions))
	for i, p := range t.Permissions {
		perms[i] = shareapi.Permission{Repository: p.Repository, Actions: p.Actions}
	}
	return shareapi.AccessToken{ID: t.ID, Owner: t.Owner, Label: t.Label, Permissions: perms,
		ExpiresAt: t.Expires.UTC().Format(time.RFC3339), Expired: !now.Before(t.Expires), Created: t.Created.UTC().Format(time.RFC3339)}
}
