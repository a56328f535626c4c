// Package oidclogin is the web console's OpenID Connect login: the
// authorization code flow with PKCE, against one or more providers.
//
// A login keeps nothing in the server's memory: its state, nonce and
// PKCE verifier travel in a short-lived cookie signed with the token
// signing keys, which every replica has, so any replica finishes a login
// another one started. The person the provider vouches for is provisioned
// through the identity rules (identity.Provisioner) and gets a console
// session (tokenauth.Server.StartSession), whose API token reaches the
// console in a second cookie, never in a URL.
package oidclogin

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/identity"
	"github.com/regshare/regshare/tokenauth"
)

// ProviderConfig is one OpenID provider.
type ProviderConfig struct {
	// Name is a short slug: it is in the login and callback paths, and
	// the identity source of its users is "oidc:" + Name.
	Name string
	// DisplayName is what the console's button says (default: Name).
	DisplayName string
	Issuer      string
	ClientID    string
	// ClientSecret is empty for a public client (PKCE alone).
	ClientSecret string
	// RedirectURL is the callback's public URL, as registered at the
	// provider: https://host/console/oidc/<name>/callback.
	RedirectURL string
	// Scopes asked (default openid, profile, email).
	Scopes []string
	// UsernameClaim names the login name's claim (default
	// preferred_username, then email).
	UsernameClaim string
	// GroupsClaim names the groups' claim (default groups): a list of
	// strings, or one string.
	GroupsClaim string
	// HTTPClient reaches the provider (with its CA); nil: a default one.
	HTTPClient *http.Client
}

// Provisioner turns an identity into a principal (identity.Provisioner).
type Provisioner interface {
	Provision(ctx context.Context, id identity.Identity) (grants.Principal, error)
}

// Sessions starts console sessions (tokenauth.Server).
type Sessions interface {
	StartSession(p grants.Principal) (tokenauth.Session, error)
}

// Signer signs and checks the login cookie (tokenauth.Keys).
type Signer interface {
	SignBare(claims jwt.Claims) (string, error)
	Verify(token string, claims jwt.Claims, opts ...jwt.ParserOption) (*jwt.Token, error)
}

// Config is what the login needs besides its providers' settings.
type Config struct {
	Providers   []ProviderConfig
	Provisioner Provisioner
	Sessions    Sessions
	Keys        Signer
	// Issuer names regshare in the login cookie (token.issuer).
	Issuer string
	// Client is the address of a request's sender, for the audit log.
	Client func(*http.Request) string
	// Audit receives each login and refusal; nil: discarded.
	Audit *slog.Logger
	// Metrics, when set, receives the count of logins by result.
	Metrics prometheus.Registerer
}

// Handler serves the login routes of every provider.
type Handler struct {
	cfg       Config
	providers map[string]*provider
	order     []*provider
	audit     *slog.Logger
	log       *slog.Logger
	now       func() time.Time
	logins    *prometheus.CounterVec
	// secure: a cookie of the session's hand-over is cleared as Secure.
	secure bool
}

// New checks cfg and returns the Handler of its providers; none is asked
// anything until a login needs it.
func New(cfg Config, now func() time.Time, log *slog.Logger) (*Handler, error) {
	if len(cfg.Providers) > 0 && (cfg.Provisioner == nil || cfg.Sessions == nil || cfg.Keys == nil || cfg.Issuer == "") {
		return nil, errors.New("oidclogin: a provisioner, sessions, keys and an issuer are required")
	}
	h := &Handler{cfg: cfg, providers: map[string]*provider{}, audit: cmp.Or(cfg.Audit, slog.New(slog.DiscardHandler)), log: log, now: now,
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "regshare_oidc_logins_total",
			Help: "Console logins through an OpenID provider, by provider and result (ok, or the refusal's code).",
		}, []string{"provider", "result"}),
	}
	if h.cfg.Client == nil {
		h.cfg.Client = func(r *http.Request) string { return r.RemoteAddr }
	}
	for _, pc := range cfg.Providers {
		if _, dup := h.providers[pc.Name]; dup || pc.Name == "" {
			return nil, fmt.Errorf("oidclogin: provider name %q is empty or given twice", pc.Name)
		}
		p, err := newProvider(pc, now, log)
		if err != nil {
			return nil, err
		}
		h.providers[pc.Name] = p
		h.order = append(h.order, p)
		h.secure = h.secure || p.secure
	}
	if cfg.Metrics != nil {
		if err := cfg.Metrics.Register(h.logins); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// crossOrigin refuses the hand-over to another origin's page.
var crossOrigin = http.NewCrossOriginProtection()

// Register adds the public list of providers, and each provider's login
// and callback, to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /v2/manage/identity-providers", h.list)
	if len(h.order) == 0 {
		return
	}
	mux.HandleFunc("GET /console/oidc/{provider}/login", h.login)
	mux.HandleFunc("GET /console/oidc/{provider}/callback", h.callback)
	mux.Handle("POST "+sessionPath, crossOrigin.Handler(http.HandlerFunc(h.session)))
}

// ProviderInfo is a provider as the console's login dialog shows it.
type ProviderInfo struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	LoginURL    string `json:"login_url"`
}

// Providers is the answer of GET /v2/manage/identity-providers.
type Providers struct {
	Providers []ProviderInfo `json:"providers"`
}

// list answers the providers, in the configuration's order; anyone may
// ask, before logging in.
func (h *Handler) list(w http.ResponseWriter, _ *http.Request) {
	out := Providers{Providers: []ProviderInfo{}}
	for _, p := range h.order {
		out.Providers = append(out.Providers, ProviderInfo{Name: p.cfg.Name, DisplayName: p.cfg.DisplayName, LoginURL: p.loginPath()})
	}
	writeJSON(w, http.StatusOK, out)
}
