package admin

import (
	"errors"
	"net/http"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/tokenauth"
)

var errNotASession = newError(400, 10, "only an API token (Bearer or X-Auth-Token) can be logged out: Basic credentials are no session")

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
