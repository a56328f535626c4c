package admin_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"testing"

	"github.com/regshare/regshare/admin"
	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/identity"
	"github.com/regshare/regshare/tokenauth"
)

// failingLogins is a credentials function whose logins all fail with err.
type failingLogins struct {
	admin.Credentials
	err error
}

func (c failingLogins) Authenticate(*http.Request, tokenauth.Credential) (grants.Principal, error) {
	return grants.Principal{}, c.err
}

// The logins an identity provider checks: unavailable is 503 (not 401),
// and a person it verified whom regshare refuses is 403 with the reason.
func TestLoginErrorsOfProviders(t *testing.T) {
	e := newEnv(t, options{})
	for _, tc := range []struct {
		what   string
		err    error
		status int
		code   string
	}{
		{"the directory unreachable", tokenauth.ErrUnavailable, 503, "REGSHARE.5030005"},
		{"no rule", &tokenauth.RefusedError{Err: identity.ErrNoRule}, 403, "REGSHARE.4030017"},
		{"no such domain", &tokenauth.RefusedError{Err: fmt.Errorf("%w: your groups map to domain hooli, which does not exist here", grants.ErrForbidden)}, 403, "REGSHARE.4030017"},
		{"a local user's name", &tokenauth.RefusedError{Err: grants.ErrLocalName}, 403, "REGSHARE.4030014"},
		{"disabled here", &tokenauth.RefusedError{Err: grants.ErrDisabled}, 403, "REGSHARE.4030015"},
		{"a wrong password", tokenauth.ErrUnauthorized, 401, "REGSHARE.4010002"},
	} {
		api, err := admin.New(admin.Config{RegistryHost: registryHost}, e.g, failingLogins{credentials(e.g), tc.err}, e.registry, e.clock.Now, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		api.Register(mux)
		e.serve(mux)
		r := e.do("alice", "GET", "/v2/manage/shared-repositories?center=self", "")
		wantError(t, tc.what, r, tc.status, tc.code)
		if tc.status == 503 && r.header.Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", tc.what)
		}
	}
}
