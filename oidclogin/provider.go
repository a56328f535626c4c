package oidclogin

import (
	"cmp"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/regshare/regshare/identity"
)

// Bounds of a provider's discovery: a provider down at regshare's start
// is asked again at the next login, but not more often than retryEvery,
// so that a burst of logins does not pile up on it.
const (
	discoveryTimeout = 10 * time.Second
	retryEvery       = 5 * time.Second
	defaultTimeout   = 10 * time.Second
)

// defaultScopes are asked when the configuration names none.
var defaultScopes = []string{oidc.ScopeOpenID, "profile", "email"}

// provider is one configured OpenID provider, discovered at its first use.
type provider struct {
	cfg    ProviderConfig
	client *http.Client
	// secure: the callback's URL is https, so the cookies are Secure
	// (regshare may be behind a proxy that ends TLS).
	secure bool
	now    func() time.Time
	log    *slog.Logger

	mu    sync.Mutex
	found *discovered // nil until a discovery succeeded
	tried time.Time   // the last failed discovery
	err   error       // its error
}

// discovered is what a provider's discovery document configures.
type discovered struct {
	oauth *oauth2.Config
	// verifier checks an ID token; anyAudience is it without the
	// audience, to tell a token issued to another client from others.
	verifier, anyAudience *oidc.IDTokenVerifier
}

func newProvider(pc ProviderConfig, now func() time.Time, log *slog.Logger) (*provider, error) {
	u, err := url.Parse(pc.RedirectURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("oidclogin: provider %s: redirect URL %q is not an absolute URL", pc.Name, pc.RedirectURL)
	}
	pc.DisplayName = cmp.Or(pc.DisplayName, pc.Name)
	if len(pc.Scopes) == 0 {
		pc.Scopes = defaultScopes
	}
	pc.GroupsClaim = cmp.Or(pc.GroupsClaim, "groups")
	client := pc.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: defaultTimeout}
	}
	return &provider{cfg: pc, client: client, secure: u.Scheme == "https", now: now, log: log}, nil
}

// loginPath is where the console sends a person to log in.
func (p *provider) loginPath() string { return "/console/oidc/" + p.cfg.Name + "/login" }

// cookiePath scopes the login cookie to this provider's login and callback.
func (p *provider) cookiePath() string { return "/console/oidc/" + p.cfg.Name + "/" }

// source is the identity source of this provider's users.
func (p *provider) source() string { return "oidc:" + p.cfg.Name }

// discover returns the provider's configuration, asking for its discovery
// document if no earlier call had it.
func (p *provider) discover(ctx context.Context) (*discovered, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.found != nil {
		return p.found, nil
	}
	if !p.tried.IsZero() && p.now().Sub(p.tried) < retryEvery {
		return nil, p.err
	}
	// Not the request's cancellation: the answer serves later logins too.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), discoveryTimeout)
	defer cancel()
	op, err := oidc.NewProvider(oidc.ClientContext(ctx, p.client), p.cfg.Issuer)
	if err != nil {
		p.tried, p.err = p.now(), err
		p.log.WarnContext(ctx, "OpenID provider unreachable; logins through it fail until it answers", "provider", p.cfg.Name, "issuer", p.cfg.Issuer, "err", err)
		return nil, err
	}
	vc := &oidc.Config{ClientID: p.cfg.ClientID, Now: p.now}
	p.found = &discovered{
		oauth: &oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, Endpoint: op.Endpoint(),
			RedirectURL: p.cfg.RedirectURL, Scopes: p.cfg.Scopes},
		verifier:    op.Verifier(vc),
		anyAudience: op.Verifier(&oidc.Config{SkipClientIDCheck: true, Now: p.now}),
	}
	p.log.InfoContext(ctx, "OpenID provider discovered", "provider", p.cfg.Name, "issuer", p.cfg.Issuer)
	return p.found, nil
}

// The ID token's refusals.
var (
	errExpired    = errors.New("the ID token has expired")
	errAudience   = errors.New("the ID token was issued to another client (audience)")
	errToken      = errors.New("the ID token does not verify")
	errNonce      = errors.New("the ID token's nonce is not the login's")
	errNoName     = errors.New("the ID token names no user")
	errUnverified = errors.New("the ID token's e-mail address is not verified")
)

// verify checks a raw ID token with go-oidc (signature, issuer, audience,
// expiry at the injected clock) and its nonce against the login's.
func (d *discovered) verify(ctx context.Context, raw, nonce string) (*oidc.IDToken, error) {
	t, err := d.verifier.Verify(ctx, raw)
	if err != nil {
		if _, ok := errors.AsType[*oidc.TokenExpiredError](err); ok {
			return nil, fmt.Errorf("%w: %w", errExpired, err)
		}
		// The audience is checked before the expiry: a token that passes
		// without it (or fails only on its expiry) is another client's.
		_, aerr := d.anyAudience.Verify(ctx, raw)
		if _, expired := errors.AsType[*oidc.TokenExpiredError](aerr); aerr == nil || expired {
			return nil, fmt.Errorf("%w: %w", errAudience, err)
		}
		return nil, fmt.Errorf("%w: %w", errToken, err)
	}
	if subtle.ConstantTimeCompare([]byte(t.Nonce), []byte(nonce)) != 1 {
		return nil, errNonce
	}
	return t, nil
}

// identityOf is the person an ID token of this provider names. Names are
// lower-cased: providers compare them without case (an Entra ID UPN, an
// e-mail address), regshare's names are lower-case.
func (p *provider) identityOf(t *oidc.IDToken) (identity.Identity, error) {
	var c map[string]any
	if err := t.Claims(&c); err != nil {
		return identity.Identity{}, fmt.Errorf("%w: %w", errToken, err)
	}
	return p.identityFromClaims(c)
}

// identityFromClaims is the person of a verified ID token's claims.
func (p *provider) identityFromClaims(c map[string]any) (identity.Identity, error) {
	name, claim := p.username(c)
	if name == "" {
		return identity.Identity{}, errNoName
	}
	// A name taken from an address the provider did not verify could be
	// anyone's.
	if claim == "email" && isFalse(c["email_verified"]) {
		return identity.Identity{}, errUnverified
	}
	return identity.Identity{Source: p.source(), Name: strings.ToLower(name), Groups: stringsOf(c[p.cfg.GroupsClaim])}, nil
}

// username is the login name of claims c, and the claim it came from.
func (p *provider) username(c map[string]any) (string, string) {
	claims := []string{"preferred_username", "email"}
	if p.cfg.UsernameClaim != "" {
		claims = []string{p.cfg.UsernameClaim}
	}
	for _, k := range claims {
		if s, _ := c[k].(string); s != "" {
			return s, k
		}
	}
	return "", ""
}

// stringsOf reads a groups claim: a list of strings, or one string.
func stringsOf(v any) []string {
	switch v := v.(type) {
	case string:
		if v != "" {
			return []string{v}
		}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// isFalse reads a boolean claim that some providers send as a string.
func isFalse(v any) bool { return v == false || v == "false" }
