package admin

import (
	"errors"
	"net/http"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
	"github.com/regshare/regshare/tokenauth"
)

var errNotASession = newError(400, 10, "only an API token (Bearer or X-Auth-Token) can be logged out or renewed: Basic credentials are no session")

// logout ends the API token the request presents, on every replica: the
// console's "Log out". 204 once the store has it.
func (a *API) logout(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	cred, err := tokenauth.CredentialOf(r)
	if err != nil {
		return errUnauthenticated
	}
	if err := a.creds.Logout(r, u, cred); err != nil {
		if errors.Is(err, tokenauth.ErrNotASession) {
			return errNotASession
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// signOutEverywhere ends every API and refresh token of the caller (docker
// login's stored identity tokens included), on every replica: each of
// their clients must log in again. 204 once the store has it.
func (a *API) signOutEverywhere(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	if err := a.creds.SignOutEverywhere(r, u); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// renew answers a new API token of the session the request's token
// belongs to: the console renews it while it is in use, up to the
// session's maximum (console.session_max), when the last token expires. The user is checked as for any call (a changed
// password, a deleted user or a logout ends the session).
func (a *API) renew(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	cred, err := tokenauth.CredentialOf(r)
	if err != nil {
		return errUnauthenticated
	}
	n, err := a.creds.Renew(u, cred)
	switch {
	case errors.Is(err, tokenauth.ErrNotASession):
		return errNotASession
	case errors.Is(err, tokenauth.ErrUnauthorized):
		return errBadToken
	case err != nil:
		return err
	}
	writeJSON(w, http.StatusOK, shareapi.Session{
		Token: n.Token, ExpiresIn: int(n.Expires.Sub(a.now()).Seconds()), SessionEnds: n.SessionEnds.UTC().Format(time.RFC3339),
	})
	return nil
}
