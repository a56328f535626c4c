// Package tokenauth implements the Docker registry token protocol: the
// token endpoint (GET and POST /token), the scope grammar, authentication
// of users and the signing of the JWTs the registry verifies.
package tokenauth

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
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
	// APIService is the service name of regshare's own API: a token asked
	// for it carries no registry access and authenticates API calls, so
	// scripts and the console need not resend passwords.
	APIService string
}

// Defaults for Config's zero fields.
const (
	DefaultTTL        = 5 * time.Minute
	DefaultLeeway     = 60 * time.Second
	DefaultRealm      = "regshare"
	DefaultMaxScopes  = 64
	DefaultAPIService = "regshare-api"
	DefaultRefreshTTL = 30 * 24 * time.Hour
	// refreshAudience is the audience of refresh tokens: no registry and
	// no API accepts them as access tokens.
	refreshAudience = "regshare-refresh"
	minTTL          = 60 * time.Second
	maxFormBytes    = 64 << 10
)

// Authorizer decides what a user is granted.
type Authorizer interface {
	Authorize(u grants.User, req []grants.Access, now time.Time) []grants.Decision
	// Generation changes whenever anything a decision depends on changes.
	Generation() uint64
}

// Server serves the token endpoint and the JWK Set.
type Server struct {
	cfg   Config
	keys  *Keys
	authn *Authenticator
	authz Authorizer
	now   func() time.Time
	log   *slog.Logger
	jwks  []byte
	audit *slog.Logger
	// issued remembers signed tokens by user and asked scopes, to answer
	// the same question again without signing while the share table and
	// the directory are unchanged and most of the token's life remains.
	issued  *lru.Cache[string, issuedToken]
	metrics *metrics
	// refreshes remembers verified refresh tokens, to skip the signature
	// check; the user and password binding is checked every time.
	refreshes *lru.Cache[string, verifiedRefresh]
}

type issuedToken struct {
	gen        uint64 // Authorizer.Generation when decided
	reuseUntil time.Time
	scope      string // granted, in scope syntax
	// The answers, encoded once: GET's, and POST's with the scope, and
	// their Content-Length. A refresh token is spliced in when there is one.
	getBody, postBody     []byte
	getLength, postLength []string
}

// write sends the encoded answer, with refresh as refresh_token if set:
// spliced in by a second write rather than encoded anew. A refresh token
// regshare signed is JWS compact form (base64url and dots), which JSON
// needs no escaping for; anything else is encoded. The length is declared:
// a token with its certificate chain is past the 2 KiB net/http buffers
// before it switches to chunked encoding.
func (it issuedToken) write(w http.ResponseWriter, post bool, refresh string) {
	b, length := it.getBody, it.getLength
	if post {
		b, length = it.postBody, it.postLength
	}
	var quoted []byte
	if refresh != "" {
		if !isCompactJWS(refresh) {
			quoted, _ = json.Marshal(refresh)
		}
		n := len(b) - len("}\n") + len(refreshField) + len(refresh) + len(`""`) + len("}\n")
		if quoted != nil {
			n += len(quoted) - len(refresh) - len(`""`)
		}
		length = []string{strconv.Itoa(n)}
	}
	h := w.Header()
	h["Content-Type"], h["Cache-Control"], h["Content-Length"] = jsonContentType, noStore, length
	w.WriteHeader(http.StatusOK)
	if refresh == "" {
		w.Write(b)
		return
	}
	w.Write(b[:len(b)-2]) // without "}\n"
	io.WriteString(w, refreshField)
	if quoted != nil {
		w.Write(quoted)
	} else {
		io.WriteString(w, `"`)
		io.WriteString(w, refresh)
		io.WriteString(w, `"`)
	}
	io.WriteString(w, "}\n")
}

const refreshField = `,"refresh_token":`

// Header values shared by every answer: net/http only reads them.
var (
	jsonContentType = []string{"application/json"}
	noStore         = []string{"no-store"}
)

func isCompactJWS(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

type verifiedRefresh struct {
	subject, password string
	exp               time.Time
}

// Bounds of the token caches.
const (
	issuedCacheSize  = 10_000
	maxRememberedKey = 1024 // bytes of user and scopes; bounds the cache at ~10k × a few KiB
	refreshCacheSize = 10_000
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
	refreshes, _ := lru.New[string, verifiedRefresh](refreshCacheSize)
	audit := cfg.Audit
	if audit == nil {
		audit = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, keys: keys, authn: authn, authz: authz, now: now, log: log, jwks: jwks, audit: audit,
		issued: issued, refreshes: refreshes, metrics: m}, nil
}

// Register adds the server's routes to mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /token", s.metrics.instrument(s.handleGet))
	mux.HandleFunc("POST /token", s.metrics.instrument(s.handlePost))
	mux.HandleFunc("GET /.well-known/jwks.json", s.handleJWKS)
}

// AccessEntry is one element of the token's access claim.
type AccessEntry struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// Claims are the claims of a registry token.
type Claims struct {
	jwt.RegisteredClaims
	Access []AccessEntry `json:"access"`
}

type tokenResponse struct {
	Token       string `json:"token"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	IssuedAt    string `json:"issued_at"`
	Scope       string `json:"scope,omitempty"`
	// RefreshToken is docker login's identity token: later requests send
	// it with grant_type=refresh_token instead of the password.
	RefreshToken string `json:"refresh_token,omitempty"`
}

// boundClaims bind a refresh or API token to the user's password hash of
// the moment: changing the password or removing the user ends it.
type boundClaims struct {
	jwt.RegisteredClaims
	Password string `json:"pwd"`
}

// hashFingerprint is a short digest of a bcrypt hash (not of a password).
func hashFingerprint(hash []byte) string {
	sum := sha256.Sum256(hash)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// boundToken signs a token for u, with audience, valid for ttl, bound to
// u's password.
func (s *Server) boundToken(u grants.User, audience string, ttl time.Duration, now time.Time) (string, error) {
	return s.keys.Sign(boundClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.cfg.Issuer,
			Subject:   u.Name,
			Audience:  jwt.ClaimStrings{audience},
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        rand.Text(),
		},
		Password: hashFingerprint(u.PasswordHash),
	})
}

// refreshToken signs a refresh token for u.
func (s *Server) refreshToken(u grants.User, now time.Time) (string, error) {
	return s.boundToken(u, refreshAudience, s.cfg.RefreshTTL, now)
}

// boundUser returns the user a bound token names, who must still exist
// with the same password.
func (s *Server) boundUser(subject, password string) (grants.User, error) {
	u, ok := s.authn.users.User(subject)
	if !ok || password != hashFingerprint(u.PasswordHash) {
		return grants.User{}, ErrUnauthorized
	}
	return u, nil
}

// userOfRefreshToken checks a refresh token and returns its user, who must
// still exist with the same password.
func (s *Server) userOfRefreshToken(token string) (grants.User, error) {
	now := s.now()
	v, ok := s.refreshes.Get(token)
	if !ok || !now.Before(v.exp) {
		var c boundClaims
		if _, err := s.parse(token, refreshAudience, &c); err != nil {
			return grants.User{}, err
		}
		v = verifiedRefresh{subject: c.Subject, password: c.Password, exp: c.ExpiresAt.Time}
		s.refreshes.Add(token, v)
	}
	return s.boundUser(v.subject, v.password)
}

// parse verifies a token regshare signed for audience.
func (s *Server) parse(token, audience string, claims jwt.Claims) (*jwt.Token, error) {
	t, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return s.keys.key.Public(), nil },
		jwt.WithValidMethods([]string{s.keys.Alg()}),
		jwt.WithAudience(audience),
		jwt.WithIssuer(s.cfg.Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.now),
	)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnauthorized, err)
	}
	return t, nil
}

// requestError is an error with the HTTP status it answers with.
type requestError struct {
	status     int
	code       string // OAuth2 error code
	msg        string
	retryAfter time.Duration // for 429
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &requestError{http.StatusBadRequest, "invalid_request", fmt.Sprintf(format, args...), 0}
}

var errUnauthorized = &requestError{http.StatusUnauthorized, "invalid_grant", ErrUnauthorized.Error(), 0}

// login checks credentials under the failed-login limits, and audits a
// failure.
func (s *Server) login(r *http.Request, name, password string) (grants.User, error) {
	u, err := s.authn.AuthenticateRequest(r, name, password)
	if err == nil {
		return u, nil
	}
	client := s.authn.Client(r)
	var rl *RateLimitedError
	if errors.As(err, &rl) {
		s.audit.WarnContext(r.Context(), "login refused", "actor", name, "client", client, "action", "login", "result", "rate_limited")
		return grants.User{}, &requestError{http.StatusTooManyRequests, "slow_down", rl.Error(), rl.RetryAfter}
	}
	s.audit.InfoContext(r.Context(), "login failed", "actor", name, "client", client, "action", "login", "result", "bad_credentials")
	return grants.User{}, errUnauthorized
}

func (s *Server) handleGet(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var user *grants.User
	name, password, hasAuth := r.BasicAuth()
	if r.Header.Get("Authorization") != "" && !hasAuth {
		s.fail(w, r, "", badRequest("the Authorization header must use the Basic scheme"))
		return
	}
	if hasAuth {
		u, err := s.login(r, name, password)
		if err != nil {
			s.fail(w, r, name, err)
			return
		}
		user = &u
	}
	if acct := q.Get("account"); acct != "" {
		if user == nil {
			s.fail(w, r, "", errUnauthorized)
			return
		}
		if acct != user.Name {
			s.fail(w, r, user.Name, badRequest("account %q does not match the authenticated user", acct))
			return
		}
	}
	s.issue(w, r, user, q.Get("service"), q["scope"], false, q.Get("offline_token") == "true", "")
}

func (s *Server) handlePost(w http.ResponseWriter, r *http.Request) {
	if err := readForm(w, r); err != nil {
		s.fail(w, r, "", err)
		return
	}
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "password":
		name := r.PostForm.Get("username")
		u, err := s.login(r, name, r.PostForm.Get("password"))
		if err != nil {
			s.fail(w, r, name, err)
			return
		}
		s.issue(w, r, &u, r.PostForm.Get("service"), r.PostForm["scope"], true, r.PostForm.Get("access_type") == "offline", "")
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		u, err := s.userOfRefreshToken(rt)
		if err != nil {
			s.audit.InfoContext(r.Context(), "login failed", "actor", "", "client", s.authn.Client(r), "action", "refresh_token", "result", "refused")
			s.fail(w, r, "", errUnauthorized)
			return
		}
		// The same refresh token is returned: docker keeps what it has.
		s.issue(w, r, &u, r.PostForm.Get("service"), r.PostForm["scope"], true, false, rt)
	case "":
		s.fail(w, r, "", badRequest("grant_type is required"))
	default:
		s.fail(w, r, "", &requestError{http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant_type %q is not supported", gt), 0})
	}
}

// readForm reads the body, an application/x-www-form-urlencoded form of at
// most maxFormBytes, into r.PostForm. ParseForm would also merge the query
// into r.Form and grow a fresh buffer from 512 bytes for every request; a
// docker refresh is about 1 KiB, read here into a reused buffer.
func readForm(w http.ResponseWriter, r *http.Request) error {
	media, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	if !strings.EqualFold(strings.TrimSpace(media), "application/x-www-form-urlencoded") {
		return &requestError{http.StatusUnsupportedMediaType, "invalid_request", "the body must be a form (Content-Type: application/x-www-form-urlencoded)", 0}
	}
	if r.ContentLength > maxFormBytes {
		return errFormTooLarge
	}
	buf := formBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= formBufferKeep { // a rare large form is not kept
			formBuffers.Put(buf)
		}
	}()
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, maxFormBytes)); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return errFormTooLarge
		}
		return badRequest("cannot read the form: %v", err)
	}
	var err error
	if r.PostForm, err = url.ParseQuery(buf.String()); err != nil {
		return badRequest("cannot read the form: %v", err)
	}
	return nil
}

var errFormTooLarge = &requestError{http.StatusRequestEntityTooLarge, "invalid_request", fmt.Sprintf("the form is larger than %d bytes", maxFormBytes), 0}

// formBuffers hold request bodies while they are parsed.
var formBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const formBufferKeep = 16 << 10

func (s *Server) handleJWKS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "max-age=300")
	w.Write(s.jwks)
}

// issue authorizes the requested scopes for user (nil: anonymous, who is
// granted nothing) and answers with a signed token.
// With offline, the answer also carries a new refresh token; refresh is a
// refresh token to return as it is.
func (s *Server) issue(w http.ResponseWriter, r *http.Request, user *grants.User, service string, scopes []string, post, offline bool, refresh string) {
	name := ""
	if user != nil {
		name = user.Name
	}
	if service == s.cfg.APIService {
		s.issueAPI(w, r, user)
		return
	}
	if service != "" && service != s.cfg.Service {
		s.fail(w, r, name, badRequest("unknown service %q", service))
		return
	}
	now := s.now()
	it, err := s.token(user, scopes, now)
	if err != nil {
		var re *requestError
		if errors.As(err, &re) {
			s.fail(w, r, name, re)
			return
		}
		s.log.ErrorContext(r.Context(), "sign token", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if offline && user != nil {
		if refresh, err = s.refreshToken(*user, now); err != nil {
			s.log.ErrorContext(r.Context(), "sign refresh token", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
	}
	if s.log.Enabled(r.Context(), slog.LevelDebug) {
		s.log.DebugContext(r.Context(), "token issued", "user", name, "asked", strings.Join(scopes, " "), "granted", it.scope)
	}
	it.write(w, post, refresh)
}

// token returns a token for user (nil: anonymous, granted nothing) and the
// asked scopes: a remembered one when nothing changed since it was signed
// and more than half its life remains, else a new one.
func (s *Server) token(user *grants.User, scopes []string, now time.Time) (issuedToken, error) {
	name := ""
	if user != nil {
		name = user.Name
	}
	key := name + "\x00" + strings.Join(scopes, "\x00")
	// Only usual questions are remembered (a pull asks one scope, a push
	// two): a request naming many long scopes is answered, not kept.
	remember := len(key) <= maxRememberedKey
	// Read the generation before deciding: a change during the decision
	// makes what is remembered stale, never the reverse.
	gen := s.authz.Generation()
	if remember {
		if it, ok := s.issued.Get(key); ok && it.gen == gen && now.Before(it.reuseUntil) {
			s.metrics.reused(true)
			return it, nil
		}
	}
	s.metrics.reused(false)
	req, err := ParseScopes(scopes, s.cfg.MaxScopes)
	if err != nil {
		return issuedToken{}, badRequest("%v", err)
	}
	var decisions []grants.Decision
	if user != nil {
		decisions = s.authz.Authorize(*user, req, now)
		s.metrics.decided(decisions)
	}
	token, exp, access, err := s.sign(name, decisions, now)
	if err != nil {
		return issuedToken{}, err
	}
	iat := now.Truncate(time.Second) // as NumericDate writes it
	it := issuedToken{gen: gen, reuseUntil: iat.Add(exp.Sub(iat) / 2), scope: scopeString(access)}
	resp := tokenResponse{
		Token: token, AccessToken: token,
		ExpiresIn: max(int(exp.Sub(iat)/time.Second), int(minTTL/time.Second)),
		IssuedAt:  iat.UTC().Format(time.RFC3339),
	}
	if it.getBody, err = encode(resp); err != nil {
		return issuedToken{}, err
	}
	resp.Scope = it.scope
	if it.postBody, err = encode(resp); err != nil {
		return issuedToken{}, err
	}
	it.getLength, it.postLength = []string{strconv.Itoa(len(it.getBody))}, []string{strconv.Itoa(len(it.postBody))}
	if remember {
		s.issued.Add(key, it)
	}
	return it, nil
}

// sign signs a token for subject granting what decisions allow. The
// expiry is capped so that a token relying on a share is refused by the
// registry from the share's deadline on: exp = min(now+ttl, deadline-leeway).
func (s *Server) sign(subject string, decisions []grants.Decision, now time.Time) (string, time.Time, []AccessEntry, error) {
	exp := now.Add(s.cfg.TTL)
	access := make([]AccessEntry, 0, len(decisions))
	for _, d := range decisions {
		if len(d.Actions) == 0 {
			continue
		}
		access = append(access, AccessEntry{Type: d.Type, Name: d.Name, Actions: d.Actions})
		if !d.Deadline.IsZero() {
			if limit := d.Deadline.Add(-s.cfg.Leeway); limit.Before(exp) {
				exp = limit
			}
		}
	}
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.cfg.Issuer,
			Subject:   subject,
			Audience:  jwt.ClaimStrings{s.cfg.Service},
			ExpiresAt: jwt.NewNumericDate(exp),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        rand.Text(),
		},
		Access: access,
	}
	token, err := s.keys.Sign(claims)
	return token, claims.ExpiresAt.Time, access, err
}

// scopeString writes granted access back in scope syntax.
func scopeString(access []AccessEntry) string {
	parts := make([]string, len(access))
	for i, a := range access {
		parts[i] = a.Type + ":" + a.Name + ":" + strings.Join(a.Actions, ",")
	}
	return strings.Join(parts, " ")
}

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

// PullToken signs a token that lets regshare itself read one repository
// (its tags, for the share listings).
func (s *Server) PullToken(repository string) (string, error) {
	now := s.now()
	token, _, _, err := s.sign("regshare", []grants.Decision{{
		Type: grants.TypeRepository, Name: repository, Actions: []string{grants.ActionPull},
	}}, now)
	return token, err
}

// CatalogToken signs a token that lets regshare itself read the registry's
// catalog (the console lists a domain's repositories from it).
func (s *Server) CatalogToken() (string, error) {
	token, _, _, err := s.sign("regshare", []grants.Decision{{
		Type: grants.TypeRegistry, Name: grants.NameCatalog, Actions: []string{grants.ActionAll},
	}}, s.now())
	return token, err
}

// APIService is the service name that GET /token takes for an API token.
func (s *Server) APIService() string { return s.cfg.APIService }

// issueAPI answers with a token for regshare's own API: it names the user
// and grants no registry access.
func (s *Server) issueAPI(w http.ResponseWriter, r *http.Request, user *grants.User) {
	if user == nil {
		s.fail(w, r, "", errUnauthorized)
		return
	}
	now := s.now()
	token, err := s.boundToken(*user, s.cfg.APIService, s.cfg.TTL, now)
	if err != nil {
		s.log.ErrorContext(r.Context(), "sign token", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	s.log.InfoContext(r.Context(), "API token issued", "user", user.Name)
	writeJSON(w, http.StatusOK, tokenResponse{
		Token: token, AccessToken: token,
		ExpiresIn: int(s.cfg.TTL / time.Second), IssuedAt: now.UTC().Format(time.RFC3339),
	})
}

// VerifyAPIToken checks a token issued for the API service and returns the
// user it names, who must still exist with the same password.
func (s *Server) VerifyAPIToken(token string) (grants.User, error) {
	var c boundClaims
	if _, err := s.parse(token, s.cfg.APIService, &c); err != nil {
		return grants.User{}, err
	}
	// Bound to the password: a changed password ends the API tokens too.
	return s.boundUser(c.Subject, c.Password)
}
