package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/regshare/regshare/identity"
	"github.com/regshare/regshare/ldapauth"
	"github.com/regshare/regshare/tokenauth"
)

// useLDAP has the directory of cfg (nil: none) check the password logins
// of names that are no local user's, its people provisioned by prov. The
// verifier returned is for the app to probe and /readyz to report on.
func useLDAP(cfg *LDAPConfig, authn *tokenauth.Authenticator, prov *identity.Provisioner, reg prometheus.Registerer, now func() time.Time, log *slog.Logger) (*ldapauth.Verifier, error) {
	if cfg == nil {
		return nil, nil
	}
	v, err := ldapauth.New(*cfg, reg, now, log)
	if err != nil {
		return nil, fmt.Errorf("identity.%w", err)
	}
	authn.UsePasswordSource(ldapauth.Source, ldapSource{v}, prov)
	return v, nil
}

// ldapSource is the directory as the Authenticator asks it, with an
// unreachable directory in tokenauth's terms.
type ldapSource struct{ v *ldapauth.Verifier }

func (s ldapSource) Verify(ctx context.Context, name, password string) (identity.Identity, error) {
	id, err := s.v.Verify(ctx, name, password)
	if errors.Is(err, ldapauth.ErrUnavailable) {
		return id, fmt.Errorf("%w: %w", tokenauth.ErrUnavailable, err)
	}
	return id, err
}

// ldapReadiness is /readyz's line on the directory (none without one).
// An unreachable directory leaves the replica ready: every replica asks
// the same directory, so failing them all would stop the logins that
// still work too (cached, local users, robots, anonymous pulls). Why it
// is unreachable goes to the log, not to this public page.
func ldapReadiness(v *ldapauth.Verifier) func() string {
	return func() string {
		if v == nil {
			return ""
		}
		st := v.Status()
		switch {
		case !st.Checked:
			return "ldap: not checked yet"
		case st.Up:
			return "ldap: reachable"
		}
		return fmt.Sprintf("ldap: unreachable since %s (see the log): new LDAP logins get 503 until it is back; "+
			"logins in the credential cache, local users and robots keep working, so this replica stays ready",
			st.Since.UTC().Format(time.RFC3339))
	}
}
