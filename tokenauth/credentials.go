package tokenauth

import (
	"cmp"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/regshare/regshare/grants"
)

// CredentialKind says what a request presents.
type CredentialKind int

const (
	// NoCredential: an anonymous request.
	NoCredential CredentialKind = iota
	// Password: a user name and password (HTTP Basic, or the OAuth2
	// password grant).
	Password
	// APIToken: a token regshare issued for its own API (Bearer, or
	// X-Auth-Token as SWR's clients send it).
	APIToken
	// RefreshToken: docker login's identity token (the OAuth2 refresh
	// grant).
	RefreshToken
)

// Credential is what a request presents. Secret is never logged.
type Credential struct {
	Kind   CredentialKind
	Name   string // the user name of a Password
	Secret string // the password or the token
}

// ErrNoCredentials means the request presented none where one is needed.
var ErrNoCredentials = errors.New("authentication required")

// ErrScheme refuses an Authorization header of a scheme regshare does not
// take.
var ErrScheme = errors.New("the Authorization header must use the Basic or Bearer scheme")

// CredentialOf reads the credential of r's headers: Basic, Bearer, or
// X-Auth-Token; none is NoCredential.
func CredentialOf(r *http.Request) (Credential, error) {
	if name, password, ok := r.BasicAuth(); ok {
		return Credential{Kind: Password, Name: name, Secret: password}, nil
	}
	h := r.Header.Get("Authorization")
	if token, ok := strings.CutPrefix(h, "Bearer "); ok && token != "" {
		return Credential{Kind: APIToken, Secret: token}, nil
	}
	if h != "" {
		return Credential{}, ErrScheme
	}
	if token := r.Header.Get("X-Auth-Token"); token != "" {
		return Credential{Kind: APIToken, Secret: token}, nil
	}
	return Credential{}, nil
}

// Credentials turns a request's credential into a principal: the one way
// to know who is calling, for the token endpoint and the API alike. It
// owns the failed-login limits and the credential cache (through the
// Authenticator) and the audit of failed logins; each HTTP front only maps
// its errors to its own wire format.
type Credentials struct {
	authn  *Authenticator
	tokens *boundTokens
	audit  *slog.Logger
	realm  string
	// renewable, when set, is asked before a session is renewed: a
	// provider-managed user's groups are mapped again.
	renewable func(grants.Principal) error
}

// CheckRenewals has every renewal of a session ask check first; an error
// ends the session (ErrUnauthorized).
func (c *Credentials) CheckRenewals(check func(grants.Principal) error) { c.renewable = check }

// Authenticate returns the principal cred names, bound to the directory
// snapshot it was checked against. Errors: ErrNoCredentials,
// ErrUnauthorized (never saying why), *RateLimitedError, and for a
// password an identity provider checks, ErrUnavailable (it could not be
// asked) or *RefusedError (it verified the person, regshare refuses
// them).
func (c *Credentials) Authenticate(r *http.Request, cred Credential) (grants.Principal, error) {
	var (
		p   grants.Principal
		err error
	)
	switch cred.Kind {
	case NoCredential:
		return grants.Principal{}, ErrNoCredentials
	case Password:
		switch {
		case grants.IsRobotLogin(cred.Name):
			p, err = c.authn.AuthenticateRobot(r, cred.Name, cred.Secret)
		case grants.WellFormedSecret(cred.Secret):
			// A personal access token: its checksum tells it from a password.
			p, err = c.authn.AuthenticateAccessToken(r, cred.Name, cred.Secret)
		default:
			p, err = c.authn.AuthenticateRequest(r, cred.Name, cred.Secret)
		}
	case APIToken, RefreshToken:
		if c.tokens == nil {
			err = ErrUnauthorized
		} else if cred.Kind == APIToken {
			p, err = c.tokens.verifyAPI(c.authn.dirs.Directory(), cred.Secret)
		} else {
			p, err = c.tokens.verifyRefresh(c.authn.dirs.Directory(), cred.Secret)
		}
	default:
		err = ErrUnauthorized
	}
	if err != nil {
		c.auditFailure(r, cred, err)
		err = publicError(err)
	}
	return p, err
}

// auditFailure records a refused login. A token is itself a credential:
// never logged.
func (c *Credentials) auditFailure(r *http.Request, cred Credential, err error) {
	action, result := "login", "bad_credentials"
	switch cred.Kind {
	case APIToken:
		action, result = "api_token", "refused"
	case RefreshToken:
		action, result = "refresh_token", "refused"
	}
	if _, ok := errors.AsType[*RateLimitedError](err); ok {
		c.audit.WarnContext(r.Context(), "login refused", "actor", cred.Name, "client", c.Client(r), "action", action, "result", "rate_limited")
		return
	}
	if re, ok := errors.AsType[*RefusedError](err); ok {
		c.audit.InfoContext(r.Context(), "login refused", "actor", cred.Name, "client", c.Client(r), "action", action, "result", "refused", "reason", re.Error())
		return
	}
	if errors.Is(err, ErrUnavailable) {
		// Why the provider could not be asked, which the caller is not told.
		c.audit.WarnContext(r.Context(), "login failed", "actor", cred.Name, "client", c.Client(r), "action", action, "result", "unavailable", "reason", err.Error())
		return
	}
	c.audit.InfoContext(r.Context(), "login failed", "actor", cred.Name, "client", c.Client(r), "action", action, "result", result)
}

// Logout ends the API token cred presents, on every replica. Only a token
// can be logged out: Basic credentials are no session.
func (c *Credentials) Logout(r *http.Request, p grants.Principal, cred Credential) error {
	if cred.Kind != APIToken || c.tokens == nil {
		return ErrNotASession
	}
	if err := c.tokens.end(r.Context(), cred.Secret, c.tokens.apiService); err != nil {
		return err
	}
	c.audit.InfoContext(r.Context(), "logout", "actor", p.Name, "client", c.Client(r), "action", "logout", "result", "ok")
	return nil
}

// Renew returns a new API token of the session of the one cred presents,
// for p (whom it authenticated): the console renews its session while it
// is in use. Errors: ErrNotASession, ErrUnauthorized.
func (c *Credentials) Renew(p grants.Principal, cred Credential) (Renewed, error) {
	if cred.Kind != APIToken || c.tokens == nil {
		return Renewed{}, ErrNotASession
	}
	if c.renewable != nil {
		if err := c.renewable(p); err != nil {
			return Renewed{}, ErrUnauthorized
		}
	}
	return c.tokens.renewAPI(p, cred.Secret)
}

// SignOutEverywhere ends every API and refresh token of p issued until
// now (docker login's identity tokens included), on every replica.
func (c *Credentials) SignOutEverywhere(r *http.Request, p grants.Principal) error {
	if c.tokens == nil {
		return ErrNotASession
	}
	if err := c.tokens.endAll(r.Context(), p.Name); err != nil {
		return err
	}
	c.audit.InfoContext(r.Context(), "signed out everywhere", "actor", p.Name, "client", c.Client(r), "action", "sign_out_everywhere", "result", "ok")
	return nil
}

// ErrNotASession refuses a logout of credentials that are not a token.
var ErrNotASession = errors.New("only an API token can be logged out; Basic credentials are no session")

// Client is the address of r's sender, through the trusted proxies.
func (c *Credentials) Client(r *http.Request) string { return c.authn.Client(r) }

// Realm names the Basic realm of challenges.
func (c *Credentials) Realm() string { return c.realm }

// NewCredentials returns a credentials function that takes passwords
// only, auditing failures to audit (nil: discarded); the token server's
// Credentials takes its API and refresh tokens too.
func NewCredentials(authn *Authenticator, audit *slog.Logger, realm string) *Credentials {
	if audit == nil {
		audit = slog.New(slog.DiscardHandler)
	}
	return &Credentials{authn: authn, tokens: nil, audit: audit, realm: cmp.Or(realm, DefaultRealm)}
}
