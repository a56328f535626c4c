package tokenauth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/identity"
)

// Passwords an identity provider checks (an LDAP directory): a login
// whose name is a local user's keeps bcrypt; one whose name is the
// provider's user, or nobody's, goes to the provider. Its answers go
// through the same cache and the same failed-login limits as bcrypt's.

// PasswordSource checks passwords with an identity provider.
type PasswordSource interface {
	// Verify returns who name is if password is theirs. An error
	// wrapping ErrUnavailable says the provider could not be asked; any
	// other refuses the password.
	Verify(ctx context.Context, name, password string) (identity.Identity, error)
}

// Provisioner makes a principal of a person a provider vouched for
// (identity.Provisioner).
type Provisioner interface {
	Provision(ctx context.Context, id identity.Identity) (grants.Principal, error)
}

// ErrUnavailable refuses a login that only an unreachable identity
// provider (or store) could check: it says nothing of the password, and
// answers 503, not 401.
var ErrUnavailable = errors.New("the password cannot be checked now: the identity provider that holds it is unavailable; retry later (local users and robots are not affected)")

// RefusedError refuses a person whose password their provider verified
// but whom regshare does not let in: no rule maps their groups, a local
// user has their name, an administrator disabled them here, or their
// domain does not exist. Saying why tells nothing to a guesser: only the
// right password gets this far.
type RefusedError struct{ Err error }

func (e *RefusedError) Error() string {
	msg := e.Err.Error()
	for _, s := range []error{grants.ErrForbidden, grants.ErrInvalid} {
		msg = strings.TrimPrefix(msg, s.Error()+": ")
	}
	return msg
}

func (e *RefusedError) Unwrap() error { return e.Err }

// external is the provider of passwords, and the source its users carry.
type external struct {
	source string
	src    PasswordSource
	prov   Provisioner
}

// UsePasswordSource sends the password logins of names that are no local
// user's to src, whose people (of source, "ldap") become principals
// through prov. Call it before serving.
func (a *Authenticator) UsePasswordSource(source string, src PasswordSource, prov Provisioner) {
	a.ext = &external{source: source, src: src, prov: prov}
}

// route returns the name a login is known by, and whether it goes to the
// provider: the name of one of its users, or of nobody, lower-cased as
// providers' names are. A name that differs from a local user's only by
// case stays as it is, unknown, as without a provider.
func (a *Authenticator) route(dir *grants.Directory, name string) (string, bool) {
	if a.ext == nil {
		return name, false
	}
	if u, ok := dir.User(name); ok {
		return name, u.Source == a.ext.source
	}
	lower := strings.ToLower(name)
	if u, ok := dir.User(lower); ok && lower != name && u.Source != a.ext.source {
		return name, false
	}
	return lower, true
}

// verifyExternal asks the provider, then provisions the person and
// caches the credential against their record's stamp: the entry counts
// only while the user is the provider's, enabled, and the same record
// (a user deleted and made again has a new stamp). at reserves a failure
// first, given back once the provider has answered that the password is
// right, or could not answer.
//
// Identical logins at once share one round trip, which the first
// caller's leaving does not cancel: the provider's timeout bounds it.
func (a *Authenticator) verifyExternal(ctx context.Context, l login, password string, at attempt) (grants.Principal, error) {
	ctx = context.WithoutCancel(ctx)
	v, err, _ := a.flight.Do("ext\x00"+string(l.key[:]), func() (any, error) {
		release, err := at.reserve()
		if err != nil {
			return nil, err
		}
		giveBack := func() {
			if release != nil {
				release()
			}
		}
		id, err := a.ext.src.Verify(ctx, l.name, password)
		switch {
		case errors.Is(err, ErrUnavailable):
			giveBack() // nothing was learnt of the password
			return nil, err
		case err != nil:
			return nil, ErrUnauthorized
		}
		giveBack()
		p, err := a.ext.prov.Provision(ctx, id)
		if err != nil {
			return nil, provisionError(err)
		}
		if a.cache != nil {
			a.cache.Add(l.key, cacheEntry{hash: p.PasswordHash, expires: a.now().Add(a.ttl)})
		}
		return p, nil
	})
	if err != nil {
		return grants.Principal{}, err
	}
	at.succeeded()
	return v.(grants.Principal), nil
}

// sameAccount reports whether the account a token request names is p:
// a provider's names are lower-cased, and docker sends the one typed.
func sameAccount(acct string, p grants.Principal) bool {
	return acct == p.Name || p.Source != "" && strings.EqualFold(acct, p.Name)
}

// provisionError tells the provisioner's refusals from a store that did
// not answer.
func provisionError(err error) error {
	if errors.Is(err, identity.ErrNoRule) || errors.Is(err, grants.ErrForbidden) || errors.Is(err, grants.ErrInvalid) {
		return &RefusedError{Err: err}
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// publicError is what a front may say of a failed login: its limits, an
// unavailable provider, a verified person refused, and otherwise
// nothing of why.
func publicError(err error) error {
	if _, ok := errors.AsType[*RateLimitedError](err); ok {
		return err
	}
	if re, ok := errors.AsType[*RefusedError](err); ok {
		return re
	}
	if errors.Is(err, ErrUnavailable) {
		return ErrUnavailable
	}
	return ErrUnauthorized
}
