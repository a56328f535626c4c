// Package tokenauth implements the Docker registry token protocol: the
// token endpoint (GET and POST /token), the scope grammar, authentication
// of users and the signing of the JWTs the registry verifies.
package tokenauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/regshare/regshare/grants"
)

// Config is what the token endpoint needs to know of its registry.
type Config struct {
	// Service and Issuer must equal the registry's auth.token.service and
	// auth.token.issuer.
	Service string
	Issuer  string
	// TTL is the lifetime of a token (at least 60 s; clients treat less as 60 s).
	TTL time.Duration
	// Leeway is how long past exp the registry still accepts a token (60 s
	// for distribution). Tokens relying on a share expire this much before
	// the share's deadline.
	Leeway time.Duration
	// Realm names the Basic authentication realm in challenges.
	Realm string
	// MaxScopes bounds the scopes of one request.
	MaxScopes int
	// Audit receives failed logins; nil: discarded.
	Audit *slog.Logger
	// Metrics, when set, receives the endpoint's metrics.
	Metrics prometheus.Registerer
	// RefreshTTL is the lifetime of a refresh token (docker login's
	// identity token).
	RefreshTTL time.Duration
	// TokenEnds, when set, records logouts and sign-outs everywhere, and
	// refuses the API and refresh tokens they ended (grants.Grants).
	TokenEnds TokenEnds
	// APIService is the service name of regshare's own API: a token asked
	// for it carries no registry access and authenticates API calls, so
	// scripts and the console need not resend passwords.
	APIService string
	// SessionMax bounds how long an API session (the console's) may be
	// renewed from its login, by POST /v2/manage/session/renew.
	SessionMax time.Duration
}

// Defaults for Config's zero fields.
const (
	DefaultTTL        = 5 * time.Minute
	DefaultLeeway     = 60 * time.Second
	DefaultRealm      = "regshare"
	DefaultMaxScopes  = 64
	DefaultAPIService = "regshare-api"
	DefaultRefreshTTL = 30 * 24 * time.Hour
	DefaultSessionMax = 12 * time.Hour
	// refreshAudience is the audience of refresh tokens: no registry and
	// no API accepts them as access tokens.
	refreshAudience = "regshare-refresh"
	minTTL          = 60 * time.Second
	maxFormBytes    = 64 << 10
)

// Authorizer decides what a principal is granted.
type Authorizer interface {
	Authorize(p grants.Principal, req []grants.Access, now time.Time) []grants.Decision
	// Generation changes whenever anything a decision for p depends on
	// changes.
	Generation(p grants.Principal) uint64
}

// Server serves the token endpoint and the JWK Set.
type Server struct {
	cfg   Config
	keys  *Keys
	creds *Credentials
	bound *boundTokens
	authz Authorizer
	now   func() time.Time
	log   *slog.Logger
	jwks  []byte
	// issued remembers signed tokens by user and asked scopes, to answer
	// the same question again without signing while the share table and
	// the directory are unchanged and most of the token's life remains.
	issued  *lru.Cache[string, issuedToken]
	metrics *metrics
}

// Bounds of the token cache.
const (
	issuedCacheSize  = 10_000
	maxRememberedKey = 1024 // bytes of user and scopes; bounds the cache at ~10k × a few KiB
)

// NewServer checks cfg, fills in its defaults and returns a Server.
func NewServer(cfg Config, keys *Keys, authn *Authenticator, authz Authorizer, now func() time.Time, log *slog.Logger) (*Server, error) {
	if cfg.Service == "" || cfg.Issuer == "" {
		return nil, errors.New("token service and issuer are required (they must equal the registry's auth.token.service and issuer)")
	}
	if cfg.TTL == 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.TTL < minTTL {
		return nil, fmt.Errorf("token ttl %s is below the minimum of %s", cfg.TTL, minTTL)
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultLeeway
	}
	if cfg.Leeway < DefaultLeeway {
		return nil, fmt.Errorf("registry leeway %s is below the %s the registry always allows past exp; tokens relying on a share would outlive it", cfg.Leeway, DefaultLeeway)
	}
	if cfg.Realm == "" {
		cfg.Realm = DefaultRealm
	}
	if cfg.MaxScopes == 0 {
		cfg.MaxScopes = DefaultMaxScopes
	}
	if cfg.APIService == "" {
		cfg.APIService = DefaultAPIService
	}
	if cfg.RefreshTTL == 0 {
		cfg.RefreshTTL = DefaultRefreshTTL
	}
	if cfg.SessionMax == 0 {
		cfg.SessionMax = DefaultSessionMax
	}
	if cfg.SessionMax < cfg.TTL {
		return nil, fmt.Errorf("the session maximum %s is below the token ttl %s", cfg.SessionMax, cfg.TTL)
	}
	if cfg.APIService == cfg.Service || cfg.Service == refreshAudience || cfg.APIService == refreshAudience {
		return nil, fmt.Errorf("the API service name %q must differ from the registry's", cfg.APIService)
	}
	jwks, err := json.Marshal(keys.JWKS())
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(cfg.Metrics, authn)
	if err != nil {
		return nil, err
	}
	issued, _ := lru.New[string, issuedToken](issuedCacheSize)
	audit := cfg.Audit
	if audit == nil {
		audit = slog.New(slog.DiscardHandler)
	}
	bound := newBoundTokens(cfg, keys, now)
	creds := &Credentials{authn: authn, tokens: bound, audit: audit, realm: cfg.Realm}
	return &Server{cfg: cfg, keys: keys, creds: creds, bound: bound, authz: authz, now: now, log: log, jwks: jwks,
		issued: issued, metrics: m}, nil
}

// Register adds the server's routes to mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /token", s.metrics.instrument(s.handleGet))
	mux.HandleFunc("POST /token", s.metrics.instrument(s.handlePost))
	mux.HandleFunc("GET /.well-known/jwks.json", s.handleJWKS)
}

// Credentials is the credentials function the server authenticates with,
// for the other fronts (the API) to share.
func (s *Server) Credentials() *Credentials { return s.creds }

// requestError is an error with the HTTP status it answers with.
type requestError struct {
	status     int
	code       string // OAuth2 error code
	msg        string
	retryAfter time.Duration // for 429 and 503
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &requestError{http.StatusBadRequest, "invalid_request", fmt.Sprintf(format, args...), 0}
}

var errUnauthorized = &requestError{http.StatusUnauthorized, "invalid_grant", ErrUnauthorized.Error(), 0}

// unavailableRetry is the Retry-After of a login its identity provider
// could not check.
const unavailableRetry = 10 * time.Second

// tokenRequest is one question to the token endpoint, GET or POST.
type tokenRequest struct {
	cred    Credential
	service string
	scopes  []string
	post    bool // answer as POST: access_token with scope
	offline bool // also sign a refresh token
	refresh string
}

// authenticate maps the credentials function's answer to the endpoint's
// errors; no credential is anonymous.
func (s *Server) authenticate(r *http.Request, cred Credential) (grants.Principal, error) {
	if cred.Kind == NoCredential {
		return grants.Principal{}, nil
	}
	p, err := s.creds.Authenticate(r, cred)
	if rl, ok := errors.AsType[*RateLimitedError](err); ok {
		return p, &requestError{http.StatusTooManyRequests, "slow_down", rl.Error(), rl.RetryAfter}
	}
	if re, ok := errors.AsType[*RefusedError](err); ok {
		return p, &requestError{http.StatusForbidden, "access_denied", re.Error(), 0}
	}
	if errors.Is(err, ErrUnavailable) {
		return p, &requestError{http.StatusServiceUnavailable, "temporarily_unavailable", ErrUnavailable.Error(), unavailableRetry}
	}
	if err != nil {
		return p, errUnauthorized
	}
	return p, nil
}

func (s *Server) handleGet(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req := tokenRequest{service: q.Get("service"), scopes: q["scope"], offline: q.Get("offline_token") == "true"}
	if name, password, ok := r.BasicAuth(); ok {
		req.cred = Credential{Kind: Password, Name: name, Secret: password}
	} else if r.Header.Get("Authorization") != "" {
		s.fail(w, r, "", badRequest("the Authorization header must use the Basic scheme"))
		return
	}
	p, err := s.authenticate(r, req.cred)
	if err != nil {
		s.fail(w, r, req.cred.Name, err)
		return
	}
	if acct := q.Get("account"); acct != "" {
		if p.IsZero() {
			s.fail(w, r, "", errUnauthorized)
			return
		}
		if !sameAccount(acct, p) {
			s.fail(w, r, p.Name, badRequest("account %q does not match the authenticated user", acct))
			return
		}
	}
	s.issue(w, r, p, req)
}

func (s *Server) handlePost(w http.ResponseWriter, r *http.Request) {
	if err := readForm(w, r); err != nil {
		s.fail(w, r, "", err)
		return
	}
	f := r.PostForm
	req := tokenRequest{service: f.Get("service"), scopes: f["scope"], post: true}
	switch gt := f.Get("grant_type"); gt {
	case "password":
		req.cred = Credential{Kind: Password, Name: f.Get("username"), Secret: f.Get("password")}
		req.offline = f.Get("access_type") == "offline"
	case "refresh_token":
		req.cred = Credential{Kind: RefreshToken, Secret: f.Get("refresh_token")}
		// The same refresh token is returned: docker keeps what it has.
		req.refresh = req.cred.Secret
	case "":
		s.fail(w, r, "", badRequest("grant_type is required"))
		return
	default:
		s.fail(w, r, "", &requestError{http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant_type %q is not supported", gt), 0})
		return
	}
	p, err := s.authenticate(r, req.cred)
	if err != nil {
		s.fail(w, r, req.cred.Name, err)
		return
	}
	s.issue(w, r, p, req)
}

func (s *Server) handleJWKS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "max-age=300")
	w.Write(s.jwks)
}

// issue authorizes the requested scopes for p (zero: anonymous, who is
// granted nothing) and answers with a signed token, with a refresh token
// when asked offline, or the one presented.
func (s *Server) issue(w http.ResponseWriter, r *http.Request, p grants.Principal, req tokenRequest) {
	if req.service == s.cfg.APIService {
		s.issueAPI(w, r, p)
		return
	}
	if req.service != "" && req.service != s.cfg.Service {
		s.fail(w, r, p.Name, badRequest("unknown service %q", req.service))
		return
	}
	now := s.now()
	it, err := s.token(p, req.scopes, now)
	if err != nil {
		if _, ok := errors.AsType[*requestError](err); ok {
			s.fail(w, r, p.Name, err)
			return
		}
		s.log.ErrorContext(r.Context(), "sign token", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	refresh := req.refresh
	// A robot's secret is checked as fast as a token, and a token bound to
	// it would outlive a rotation's grace: docker keeps the secret instead.
	// So it does a personal access token, and a provider-managed user's
	// password, which only the provider can tell is still good: a refresh
	// token would outlive a person removed there.
	if req.offline && !p.IsZero() && !p.IsRobot() && !p.ViaToken() && p.Source == "" {
		if refresh, err = s.bound.refreshToken(p.User, now); err != nil {
			s.log.ErrorContext(r.Context(), "sign refresh token", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
	}
	if s.log.Enabled(r.Context(), slog.LevelDebug) {
		s.log.DebugContext(r.Context(), "token issued", "user", p.Name, "asked", strings.Join(req.scopes, " "), "granted", it.scope)
	}
	it.write(w, req.post, refresh)
}

// issueAPI answers with a token for regshare's own API: it names the user
// and grants no registry access.
func (s *Server) issueAPI(w http.ResponseWriter, r *http.Request, p grants.Principal) {
	if err := apiRefusal(p); err != nil {
		s.fail(w, r, p.Name, err)
		return
	}
	now := s.now()
	token, err := s.bound.apiToken(p.User, now)
	if err != nil {
		s.log.ErrorContext(r.Context(), "sign token", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	s.log.InfoContext(r.Context(), "API token issued", "user", p.Name)
	writeJSON(w, http.StatusOK, tokenResponse{
		Token: token, AccessToken: token,
		ExpiresIn: int(min(s.cfg.TTL, s.cfg.SessionMax) / time.Second), IssuedAt: now.UTC().Format(time.RFC3339),
	})
}

// APIService is the service name that GET /token takes for an API token.
func (s *Server) APIService() string { return s.cfg.APIService }

type errorBody struct {
	Errors []errorEntry `json:"errors"`
	// OAuth2 clients read these.
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

type errorEntry struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, user string, err error) {
	var re *requestError
	if !errors.As(err, &re) {
		re = &requestError{http.StatusInternalServerError, "server_error", "internal error", 0}
	}
	code := "INVALID_REQUEST"
	switch re.status {
	case http.StatusUnauthorized:
		code = "UNAUTHORIZED"
		w.Header().Set("WWW-Authenticate", fmt.Sprintf("Basic realm=%q", s.cfg.Realm))
	case http.StatusTooManyRequests:
		code = "TOOMANYREQUESTS"
		w.Header().Set("Retry-After", strconv.Itoa(int(re.retryAfter.Round(time.Second)/time.Second)))
	case http.StatusServiceUnavailable:
		code = "UNAVAILABLE"
		w.Header().Set("Retry-After", strconv.Itoa(int(re.retryAfter.Round(time.Second)/time.Second)))
	}
	s.log.InfoContext(r.Context(), "token refused", "user", user, "status", re.status, "reason", re.msg)
	writeJSON(w, re.status, errorBody{
		Errors:      []errorEntry{{Code: code, Message: re.msg}},
		Error:       re.code,
		Description: re.msg,
	})
}

// encode is v as writeJSON writes it: JSON and a newline.
func encode(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	return append(b, '\n'), err
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := encode(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}
