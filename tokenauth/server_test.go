package tokenauth_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/internal/testlog"
	"github.com/regshare/regshare/tokenauth"
)

// testNow is the fixed clock of the token server (whole seconds, as JWT
// NumericDates are).
var testNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

const (
	testService = "registry.example.test"
	testIssuer  = "regshare-test-issuer"
	testTTL     = 5 * time.Minute
	testLeeway  = 60 * time.Second
)

// testUsers are the directory's users: name -> password, domain, role.
var testUsers = map[string]struct {
	password, domain string
	role             grants.Role
}{
	"alice": {"alice-pw", "acme", grants.RoleManage},
	"bob":   {"bob-pw", "acme", grants.RoleWrite},
	"carol": {"carol-pw", "acme", grants.RoleRead},
	"gina":  {"gina-pw", "globex", grants.RoleRead},
	"root":  {"root-pw", "ops", grants.RoleRead},
}

// testDirectory is built once: bcrypt hashes at MinCost.
var testDirectory = sync.OnceValues(func() (*grants.Directory, error) {
	cfg := grants.DirectoryConfig{
		Superusers: []string{"root"},
		Domains: map[string]grants.DomainConfig{
			"acme":   {Namespaces: []string{"acme"}, Users: map[string]grants.UserConfig{}},
			"globex": {Namespaces: []string{"globex"}, Users: map[string]grants.UserConfig{}},
			"ops":    {Namespaces: []string{"ops"}, Users: map[string]grants.UserConfig{}},
		},
	}
	for name, u := range testUsers {
		h, err := bcrypt.GenerateFromPassword([]byte(u.password), bcrypt.MinCost)
		if err != nil {
			return nil, err
		}
		cfg.Domains[u.domain].Users[name] = grants.UserConfig{PasswordHash: string(h), Role: u.role}
	}
	return grants.NewDirectory(cfg)
})

// testAuthenticator checks passwords against g's directory (its dummy
// hash is at the test users' cost, MinCost: cheap to make).
func testAuthenticator(g *grants.Grants) *tokenauth.Authenticator {
	return tokenauth.NewAuthenticator(g, tokenauth.CacheConfig{}, time.Now)
}

// tokenFixture is a token server over freshly generated keys, an in-memory
// share table and the test directory.
type tokenFixture struct {
	keysDir string
	keys    *tokenauth.Keys
	leaf    *x509.Certificate // signing.crt
	root    *x509.Certificate // root.crt
	grants  *grants.Grants
	handler http.Handler
	log     *testlog.Buffer
	mu      sync.Mutex
	clock   time.Time // the server's now; testNow unless a test moves it
}

func (f *tokenFixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.clock
}

func (f *tokenFixture) setNow(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clock = t
}

func newTokenFixture(t testing.TB, alg string) *tokenFixture {
	t.Helper()
	dir, err := testDirectory()
	if err != nil {
		t.Fatal(err)
	}
	f := &tokenFixture{keysDir: t.TempDir(), log: &testlog.Buffer{}, clock: testNow}
	if err := tokenauth.GenerateKeys(f.keysDir, alg, testNow); err != nil {
		t.Fatalf("GenerateKeys(%s): %v", alg, err)
	}
	f.keys, err = tokenauth.LoadKeys(filepath.Join(f.keysDir, tokenauth.SigningKeyFile), filepath.Join(f.keysDir, tokenauth.SigningCertFile))
	if err != nil {
		t.Fatal(err)
	}
	f.leaf = readCert(t, filepath.Join(f.keysDir, tokenauth.SigningCertFile))
	f.root = readCert(t, filepath.Join(f.keysDir, tokenauth.RootCertFile))
	f.grants, err = grants.New(context.Background(), dir, grants.NewMemoryStore())
	if err != nil {
		t.Fatal(err)
	}
	f.serve(t, testAuthenticator(f.grants), tokenauth.Config{})
	return f
}

// serve makes f.handler a token server with authn and cfg, whose service,
// issuer and TTL are the tests'; its log goes to f.log.
func (f *tokenFixture) serve(t testing.TB, authn *tokenauth.Authenticator, cfg tokenauth.Config) {
	t.Helper()
	cfg.Service, cfg.Issuer, cfg.TTL = testService, testIssuer, testTTL
	srv, err := tokenauth.NewServer(cfg, f.keys, authn, f.grants, f.now,
		slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv.Register(mux)
	f.handler = mux
}

func readCert(t testing.TB, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("%s: no CERTIFICATE block", path)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// share shares repository (owned by acme, created by alice) with recipient.
func (f *tokenFixture) share(t testing.TB, repository, recipient string, deadline time.Time) {
	t.Helper()
	alice, _ := f.grants.Directory().Principal("alice")
	_, err := f.grants.Create(context.Background(), alice, grants.Share{
		Repository: repository,
		Recipient:  recipient,
		Permit:     grants.PermitRead,
		Deadline:   deadline,
	}, testNow)
	if err != nil {
		t.Fatalf("share %s with %s: %v", repository, recipient, err)
	}
}

type tokenResponse struct {
	Token        string `json:"token"`
	AccessToken  string `json:"access_token"`
	ExpiresIn    int    `json:"expires_in"`
	IssuedAt     string `json:"issued_at"`
	Scope        string `json:"scope"`
	RefreshToken string `json:"refresh_token"`
}

type errorResponse struct {
	Errors []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) token(t testing.TB) tokenResponse {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", r.status, r.body)
	}
	// Declared, not chunked: a token with its chain is past net/http's
	// buffer, and the answer is spliced from parts.
	if got := r.header.Get("Content-Length"); got != strconv.Itoa(len(r.body)) {
		t.Errorf("Content-Length %q for a body of %d bytes", got, len(r.body))
	}
	var tr tokenResponse
	if err := json.Unmarshal(r.body, &tr); err != nil {
		t.Fatalf("token response %s: %v", r.body, err)
	}
	return tr
}

func (r response) error(t testing.TB, status int) errorResponse {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var er errorResponse
	if err := json.Unmarshal(r.body, &er); err != nil {
		t.Fatalf("error response %s: %v", r.body, err)
	}
	if len(er.Errors) == 0 || er.Errors[0].Code == "" || er.Errors[0].Message == "" {
		t.Errorf("error response %s: no errors[0].code/message", r.body)
	}
	return er
}

func do(t testing.TB, c *http.Client, req *http.Request) response {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, body}
}

// get asks GET /token with query q; user "" is anonymous.
func get(t testing.TB, ts *httptest.Server, user, password string, q url.Values) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.URL+"/token?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	return do(t, ts.Client(), req)
}

func post(t testing.TB, ts *httptest.Server, form url.Values) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.URL+"/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, ts.Client(), req)
}

func query(scopes ...string) url.Values {
	q := url.Values{"service": {testService}}
	if len(scopes) > 0 {
		q["scope"] = scopes
	}
	return q
}

// parse verifies token with the signing certificate's public key, as of
// testNow, and returns its claims and header.
func (f *tokenFixture) parse(t testing.TB, token string) (*tokenauth.Claims, map[string]any) {
	t.Helper()
	claims := &tokenauth.Claims{}
	tok, err := jwt.NewParser(
		jwt.WithValidMethods([]string{f.keys.Alg()}),
		jwt.WithTimeFunc(func() time.Time { return testNow }),
		jwt.WithIssuer(testIssuer),
		jwt.WithAudience(testService),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
	).ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return f.leaf.PublicKey, nil })
	if err != nil {
		t.Fatalf("parse token: %v", err)
	}
	return claims, tok.Header
}

// parseUnverified decodes the claims only (for tokens whose exp is already
// past at testNow), after checking the signature.
func (f *tokenFixture) parseUnverified(t testing.TB, token string) *tokenauth.Claims {
	t.Helper()
	claims := &tokenauth.Claims{}
	_, err := jwt.NewParser(jwt.WithValidMethods([]string{f.keys.Alg()}), jwt.WithoutClaimsValidation()).
		ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return f.leaf.PublicKey, nil })
	if err != nil {
		t.Fatalf("parse token: %v", err)
	}
	return claims
}

// rawClaims returns the token's payload as JSON fields.
func rawClaims(t testing.TB, token string) map[string]json.RawMessage {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// thumbprint computes the RFC 7638 JWK thumbprint of pub, independently of
// go-jose: SHA-256 of the required members in lexical order, no spaces.
func thumbprint(t testing.TB, pub any) string {
	t.Helper()
	b64 := base64.RawURLEncoding.EncodeToString
	var members string
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		ecdh, err := k.ECDH()
		if err != nil {
			t.Fatal(err)
		}
		raw := ecdh.Bytes() // 0x04 || X || Y, 32 bytes each for P-256
		if len(raw) != 65 {
			t.Fatalf("P-256 point is %d bytes", len(raw))
		}
		members = fmt.Sprintf(`{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}`, b64(raw[1:33]), b64(raw[33:]))
	case *rsa.PublicKey:
		e := big.NewInt(int64(k.E)).Bytes()
		members = fmt.Sprintf(`{"e":"%s","kty":"RSA","n":"%s"}`, b64(e), b64(k.N.Bytes()))
	case ed25519.PublicKey:
		members = fmt.Sprintf(`{"crv":"Ed25519","kty":"OKP","x":"%s"}`, b64(k))
	default:
		t.Fatalf("unexpected key type %T", pub)
	}
	sum := sha256.Sum256([]byte(members))
	return b64(sum[:])
}

func TestTokenClaimsAndHeaders(t *testing.T) {
	for _, alg := range []string{tokenauth.AlgES256, tokenauth.AlgRS256, tokenauth.AlgEdDSA} {
		t.Run(alg, func(t *testing.T) {
			f := newTokenFixture(t, alg)
			ts := httptest.NewServer(f.handler)
			defer ts.Close()

			q := query("repository:acme/web:pull,push,pull", "repository:acme/web:delete,push", "repository:globex/app:pull", "registry:catalog:*")
			q.Set("client_id", "test")
			r := get(t, ts, "bob", testUsers["bob"].password, q)
			tr := r.token(t)
			if tr.Token == "" || tr.Token != tr.AccessToken {
				t.Fatalf("token %q and access_token %q must be equal and non-empty", tr.Token, tr.AccessToken)
			}
			if tr.ExpiresIn != int(testTTL/time.Second) {
				t.Errorf("expires_in = %d, want %d", tr.ExpiresIn, int(testTTL/time.Second))
			}
			if tr.IssuedAt != testNow.Format(time.RFC3339) {
				t.Errorf("issued_at = %q, want %q", tr.IssuedAt, testNow.Format(time.RFC3339))
			}
			if tr.RefreshToken != "" {
				t.Errorf("refresh_token %q was not asked for", tr.RefreshToken)
			}
			if got := r.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}

			claims, header := f.parse(t, tr.Token)

			// Header: alg, kid (RFC 7638 thumbprint), x5c chain.
			if header["alg"] != alg {
				t.Errorf("header alg = %v, want %s", header["alg"], alg)
			}
			wantKid := thumbprint(t, f.leaf.PublicKey)
			if header["kid"] != wantKid {
				t.Errorf("header kid = %v, want the RFC 7638 thumbprint %s", header["kid"], wantKid)
			}
			if f.keys.KeyID() != wantKid {
				t.Errorf("Keys.KeyID() = %s, want %s", f.keys.KeyID(), wantKid)
			}
			if f.keys.Alg() != alg {
				t.Errorf("Keys.Alg() = %s, want %s", f.keys.Alg(), alg)
			}
			x5c, _ := header["x5c"].([]any)
			if len(x5c) == 0 {
				t.Fatalf("header x5c = %v, want the signing certificate chain", header["x5c"])
			}
			var chain []*x509.Certificate
			for i, e := range x5c {
				s, _ := e.(string)
				der, err := base64.StdEncoding.DecodeString(s)
				if err != nil {
					t.Fatalf("x5c[%d]: %v", i, err)
				}
				c, err := x509.ParseCertificate(der)
				if err != nil {
					t.Fatalf("x5c[%d]: %v", i, err)
				}
				chain = append(chain, c)
			}
			if !bytes.Equal(chain[0].Raw, f.leaf.Raw) {
				t.Errorf("x5c[0] is not the DER of %s", tokenauth.SigningCertFile)
			}
			roots, inter := x509.NewCertPool(), x509.NewCertPool()
			roots.AddCert(f.root)
			for _, c := range chain[1:] {
				inter.AddCert(c)
			}
			if _, err := chain[0].Verify(x509.VerifyOptions{
				Roots:         roots,
				Intermediates: inter,
				CurrentTime:   testNow,
				KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
			}); err != nil {
				t.Errorf("x5c chain does not verify against %s: %v", tokenauth.RootCertFile, err)
			}

			// Claims.
			if claims.Issuer != testIssuer {
				t.Errorf("iss = %q, want %q", claims.Issuer, testIssuer)
			}
			if claims.Subject != "bob" {
				t.Errorf("sub = %q, want bob", claims.Subject)
			}
			if !reflect.DeepEqual([]string(claims.Audience), []string{testService}) {
				t.Errorf("aud = %q, want [%q]", claims.Audience, testService)
			}
			if !claims.ExpiresAt.Equal(testNow.Add(testTTL)) {
				t.Errorf("exp = %v, want %v", claims.ExpiresAt, testNow.Add(testTTL))
			}
			if claims.NotBefore == nil || !claims.NotBefore.Equal(testNow) {
				t.Errorf("nbf = %v, want %v", claims.NotBefore, testNow)
			}
			if claims.IssuedAt == nil || !claims.IssuedAt.Equal(testNow) {
				t.Errorf("iat = %v, want %v", claims.IssuedAt, testNow)
			}
			if claims.ID == "" {
				t.Error("jti is empty")
			}
			// bob (write) asked pull,push,pull + delete,push on acme/web: merged
			// to pull,push,delete, granted pull,push. Nothing on globex, and
			// no catalog for a non-superuser: those are left out.
			want := []tokenauth.AccessEntry{{Type: "repository", Name: "acme/web", Actions: []string{"pull", "push"}}}
			if !reflect.DeepEqual(claims.Access, want) {
				t.Errorf("access = %+v, want %+v", claims.Access, want)
			}

			// Another token has another jti.
			q2 := url.Values{"service": {testService}, "scope": {"repository:acme/other:pull"}}
			tr2 := get(t, ts, "bob", testUsers["bob"].password, q2).token(t)
			claims2, _ := f.parse(t, tr2.Token)
			if claims2.ID == claims.ID {
				t.Errorf("two tokens share the jti %q", claims.ID)
			}
		})
	}
}

// TestTokenAccess checks what each kind of user is granted, through the
// handler.
func TestTokenAccess(t *testing.T) {
	f := newTokenFixture(t, tokenauth.AlgES256)
	f.share(t, "acme/shared", "globex", time.Time{})
	ts := httptest.NewServer(f.handler)
	defer ts.Close()
	tests := []struct {
		user   string
		scopes []string
		want   []tokenauth.AccessEntry
	}{
		{"alice", []string{"repository:acme/web:*"}, []tokenauth.AccessEntry{acc("repository", "acme/web", "pull", "push", "delete")}},
		{"alice", []string{"repository:acme/team/api:delete,pull"}, []tokenauth.AccessEntry{acc("repository", "acme/team/api", "delete", "pull")}},
		{"carol", []string{"repository:acme/web:pull,push"}, []tokenauth.AccessEntry{acc("repository", "acme/web", "pull")}},
		{"gina", []string{"repository:acme/web:pull"}, []tokenauth.AccessEntry{}},
		{"gina", []string{"repository:acme/shared:pull,push,delete"}, []tokenauth.AccessEntry{acc("repository", "acme/shared", "pull")}},
		{"gina", []string{"repository:acme/shared:push"}, []tokenauth.AccessEntry{}},
		{"bob", []string{"repository:ACME/web:pull", "repository:acme/../globex/app:pull", "repository:localhost:5000/acme/web:pull"}, []tokenauth.AccessEntry{}},
		{"bob", []string{"repository(plugin):acme/web:pull"}, []tokenauth.AccessEntry{acc("repository", "acme/web", "pull")}},
		{"root", []string{"registry:catalog:*"}, []tokenauth.AccessEntry{acc("registry", "catalog", "*")}},
		{"bob", []string{"registry:catalog:*"}, []tokenauth.AccessEntry{}},
		{"bob", []string{"unknown:acme/web:pull"}, []tokenauth.AccessEntry{}},
		{"bob", nil, []tokenauth.AccessEntry{}},
	}
	for _, tt := range tests {
		t.Run(tt.user+" "+strings.Join(tt.scopes, " "), func(t *testing.T) {
			tr := get(t, ts, tt.user, testUsers[tt.user].password, query(tt.scopes...)).token(t)
			claims, _ := f.parse(t, tr.Token)
			if claims.Access == nil {
				claims.Access = []tokenauth.AccessEntry{}
			}
			if !reflect.DeepEqual(claims.Access, tt.want) {
				t.Errorf("access = %+v, want %+v", claims.Access, tt.want)
			}
		})
	}
}

func TestTokenBadCredentials(t *testing.T) {
	f := newTokenFixture(t, tokenauth.AlgES256)
	ts := httptest.NewServer(f.handler)
	defer ts.Close()
	q := query("repository:acme/web:pull")
	var bodies [][]byte
	for _, c := range []struct{ user, password string }{
		{"bob", "wrong-password"},
		{"nobody", "wrong-password"},
	} {
		r := get(t, ts, c.user, c.password, q)
		er := r.error(t, http.StatusUnauthorized)
		if got := r.header.Get("WWW-Authenticate"); got != `Basic realm="regshare"` {
			t.Errorf("%s: WWW-Authenticate = %q, want %q", c.user, got, `Basic realm="regshare"`)
		}
		if er.Errors[0].Code != "UNAUTHORIZED" {
			t.Errorf("%s: errors[0].code = %q, want UNAUTHORIZED", c.user, er.Errors[0].Code)
		}
		bodies = append(bodies, r.body)
	}
	if !bytes.Equal(bodies[0], bodies[1]) {
		t.Errorf("wrong password and unknown user answer differently:\n%s\n%s", bodies[0], bodies[1])
	}
	if log := f.log.String(); strings.Contains(log, "wrong-password") {
		t.Errorf("the log holds a password:\n%s", log)
	}
}

func TestTokenAnonymous(t *testing.T) {
	f := newTokenFixture(t, tokenauth.AlgES256)
	ts := httptest.NewServer(f.handler)
	defer ts.Close()
	tr := get(t, ts, "", "", query("repository:acme/web:pull")).token(t)
	claims, _ := f.parse(t, tr.Token)
	if claims.Subject != "" {
		t.Errorf("sub = %q, want empty for an anonymous token", claims.Subject)
	}
	if got := string(rawClaims(t, tr.Token)["access"]); got != "[]" {
		t.Errorf(`"access" = %s, want []`, got)
	}
}

func TestTokenBadRequests(t *testing.T) {
	f := newTokenFixture(t, tokenauth.AlgES256)
	ts := httptest.NewServer(f.handler)
	defer ts.Close()
	var many []string
	for i := range tokenauth.DefaultMaxScopes + 1 {
		many = append(many, fmt.Sprintf("repository:acme/r%d:pull", i))
	}
	bobPW := testUsers["bob"].password
	tests := []struct {
		name     string
		user     string
		q        url.Values
		header   string // Authorization, overrides user
		status   int
		wantCode string // errors[0].code
	}{
		{"other service", "bob", url.Values{"service": {"other.example"}, "scope": {"repository:acme/web:pull"}}, "", 400, "INVALID_REQUEST"},
		{"account of another user", "bob", url.Values{"service": {testService}, "account": {"alice"}}, "", 400, "INVALID_REQUEST"},
		{"account without credentials", "", url.Values{"service": {testService}, "account": {"bob"}}, "", 401, "UNAUTHORIZED"},
		{"bearer authorization", "", query("repository:acme/web:pull"), "Bearer abc.def.ghi", 400, "INVALID_REQUEST"},
		{"malformed basic", "", query("repository:acme/web:pull"), "Basic !!!", 400, "INVALID_REQUEST"},
		{"malformed scope", "bob", query("repository:acme"), "", 400, "INVALID_REQUEST"},
		{"scope too long", "bob", query("repository:acme/" + strings.Repeat("a", tokenauth.MaxScopeLength) + ":pull"), "", 400, "INVALID_REQUEST"},
		{"65 scopes", "bob", query(many...), "", 400, "INVALID_REQUEST"},
		{"65 scopes, anonymous", "", query(many...), "", 400, "INVALID_REQUEST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, ts.URL+"/token?"+tt.q.Encode(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			} else if tt.user != "" {
				req.SetBasicAuth(tt.user, bobPW)
			}
			r := do(t, ts.Client(), req)
			er := r.error(t, tt.status)
			if er.Errors[0].Code != tt.wantCode {
				t.Errorf("errors[0].code = %q, want %q", er.Errors[0].Code, tt.wantCode)
			}
			if tt.status == 401 && r.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}

	// The limits are inclusive, and login (no scope, own account) works.
	ok := []struct {
		name string
		q    url.Values
	}{
		{"64 scopes", query(many[:tokenauth.DefaultMaxScopes]...)},
		{"docker login", url.Values{"service": {testService}, "account": {"bob"}, "client_id": {"docker"}}},
		{"no service", url.Values{"scope": {"repository:acme/web:pull"}}},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			get(t, ts, "bob", bobPW, tt.q).token(t)
		})
	}
}

func TestTokenPost(t *testing.T) {
	f := newTokenFixture(t, tokenauth.AlgES256)
	ts := httptest.NewServer(f.handler)
	defer ts.Close()

	t.Run("password grant", func(t *testing.T) {
		r := post(t, ts, url.Values{
			"grant_type": {"password"},
			"username":   {"bob"},
			"password":   {testUsers["bob"].password},
			"service":    {testService},
			"client_id":  {"test"},
			"scope":      {"repository:acme/web:pull,push repository:acme/web:delete repository:globex/app:pull"},
		})
		tr := r.token(t)
		if tr.AccessToken == "" {
			t.Fatalf("no access_token in %s", r.body)
		}
		if tr.Scope != "repository:acme/web:pull,push" {
			t.Errorf("scope = %q, want %q", tr.Scope, "repository:acme/web:pull,push")
		}
		if tr.ExpiresIn != int(testTTL/time.Second) {
			t.Errorf("expires_in = %d, want %d", tr.ExpiresIn, int(testTTL/time.Second))
		}
		claims, _ := f.parse(t, tr.AccessToken)
		want := []tokenauth.AccessEntry{{Type: "repository", Name: "acme/web", Actions: []string{"pull", "push"}}}
		if claims.Subject != "bob" || !reflect.DeepEqual(claims.Access, want) {
			t.Errorf("claims sub %q access %+v, want bob %+v", claims.Subject, claims.Access, want)
		}
	})

	t.Run("password grant, two scope fields", func(t *testing.T) {
		r := post(t, ts, url.Values{
			"grant_type": {"password"},
			"username":   {"alice"},
			"password":   {testUsers["alice"].password},
			"service":    {testService},
			"scope":      {"repository:acme/web:pull", "repository:acme/api:push"},
		})
		if got, want := r.token(t).Scope, "repository:acme/web:pull repository:acme/api:push"; got != want {
			t.Errorf("scope = %q, want %q", got, want)
		}
	})

	tests := []struct {
		name      string
		form      url.Values
		status    int
		wantError string // the OAuth2 "error" member
	}{
		{"wrong password", url.Values{"grant_type": {"password"}, "username": {"bob"}, "password": {"nope"}, "service": {testService}}, 401, ""},
		{"missing grant_type", url.Values{"username": {"bob"}, "password": {testUsers["bob"].password}, "service": {testService}}, 400, "invalid_request"},
		{"bad refresh token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "service": {testService}}, 401, "invalid_grant"},
		{"unsupported grant", url.Values{"grant_type": {"client_credentials"}, "service": {testService}}, 400, "unsupported_grant_type"},
		{"other service", url.Values{"grant_type": {"password"}, "username": {"bob"}, "password": {testUsers["bob"].password}, "service": {"other"}}, 400, "invalid_request"},
		{"malformed scope", url.Values{"grant_type": {"password"}, "username": {"bob"}, "password": {testUsers["bob"].password}, "service": {testService}, "scope": {"repository:acme/web:pull repository"}}, 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, ts, tt.form)
			er := r.error(t, tt.status)
			if tt.wantError != "" && er.Error != tt.wantError {
				t.Errorf("error = %q, want %q", er.Error, tt.wantError)
			}
			if tt.status == 401 {
				if er.Errors[0].Code != "UNAUTHORIZED" {
					t.Errorf("errors[0].code = %q, want UNAUTHORIZED", er.Errors[0].Code)
				}
				if got := r.header.Get("WWW-Authenticate"); got != `Basic realm="regshare"` {
					t.Errorf("WWW-Authenticate = %q", got)
				}
			}
		})
	}

	// The body as clients send it: declared or chunked, and the ways it can
	// be wrong.
	good := url.Values{"grant_type": {"password"}, "username": {"bob"}, "password": {testUsers["bob"].password},
		"service": {testService}, "scope": {"repository:acme/web:pull"}}.Encode()
	big := url.Values{"grant_type": {"password"}, "pad": {strings.Repeat("x", 128<<10)}}.Encode()
	bodies := []struct {
		name        string
		body        io.Reader
		length      int64 // -1: chunked
		contentType string
		status      int
	}{
		{"declared length", strings.NewReader(good), int64(len(good)), "application/x-www-form-urlencoded", 200},
		{"chunked", strings.NewReader(good), -1, "application/x-www-form-urlencoded", 200},
		{"media type parameters", strings.NewReader(good), int64(len(good)), "Application/X-WWW-Form-Urlencoded; charset=utf-8", 200},
		{"no content type", strings.NewReader(good), int64(len(good)), "", 415},
		{"JSON", strings.NewReader(`{"grant_type":"password"}`), -1, "application/json", 415},
		{"oversized, declared", strings.NewReader(big), int64(len(big)), "application/x-www-form-urlencoded", 413},
		{"oversized, chunked", strings.NewReader(big), -1, "application/x-www-form-urlencoded", 413},
		{"bad escape", strings.NewReader("grant_type=%zz"), -1, "application/x-www-form-urlencoded", 400},
	}
	for _, tt := range bodies {
		t.Run("body "+tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, ts.URL+"/token", tt.body)
			if err != nil {
				t.Fatal(err)
			}
			req.ContentLength = tt.length
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			r := do(t, ts.Client(), req)
			if tt.status == 200 {
				if tr := r.token(t); tr.Scope != "repository:acme/web:pull" {
					t.Errorf("scope = %q", tr.Scope)
				}
				return
			}
			r.error(t, tt.status)
		})
	}
}

func TestTokenShareDeadline(t *testing.T) {
	f := newTokenFixture(t, tokenauth.AlgES256)
	soon := testNow.Add(2 * time.Minute)
	verySoon := testNow.Add(30 * time.Second)
	f.share(t, "acme/soon", "globex", soon)
	f.share(t, "acme/verysoon", "globex", verySoon)
	f.share(t, "acme/later", "globex", testNow.Add(30*24*time.Hour))
	f.share(t, "acme/forever", "globex", time.Time{})
	ts := httptest.NewServer(f.handler)
	defer ts.Close()

	full := testNow.Add(testTTL)
	tests := []struct {
		name       string
		user       string
		scopes     []string
		wantExp    time.Time
		wantAccess int // entries
	}{
		{"near deadline", "gina", []string{"repository:acme/soon:pull"}, soon.Add(-testLeeway), 1},
		{"far deadline", "gina", []string{"repository:acme/later:pull"}, full, 1},
		{"permanent", "gina", []string{"repository:acme/forever:pull"}, full, 1},
		{"own repo and near-deadline share", "gina", []string{"repository:globex/app:pull", "repository:acme/soon:pull"}, soon.Add(-testLeeway), 2},
		{"two shares, the nearer wins", "gina", []string{"repository:acme/later:pull", "repository:acme/soon:pull", "repository:acme/forever:pull"}, soon.Add(-testLeeway), 3},
		{"deadline within the leeway", "gina", []string{"repository:acme/verysoon:pull"}, verySoon.Add(-testLeeway), 1},
		{"share not relied on (push only)", "gina", []string{"repository:acme/soon:push"}, full, 0},
		{"owner does not rely on the share", "alice", []string{"repository:acme/soon:pull"}, full, 1},
		{"owner's write user", "bob", []string{"repository:acme/soon:pull"}, full, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := get(t, ts, tt.user, testUsers[tt.user].password, query(tt.scopes...)).token(t)
			claims := f.parseUnverified(t, tr.Token)
			if !claims.ExpiresAt.Equal(tt.wantExp) {
				t.Errorf("exp = %v, want %v", claims.ExpiresAt.UTC(), tt.wantExp)
			}
			if claims.ExpiresAt.After(full) {
				t.Errorf("exp %v is after now+ttl", claims.ExpiresAt.UTC())
			}
			if len(claims.Access) != tt.wantAccess {
				t.Errorf("access = %+v, want %d entries", claims.Access, tt.wantAccess)
			}
			wantIn := max(int(tt.wantExp.Sub(testNow)/time.Second), 60)
			if tr.ExpiresIn != wantIn {
				t.Errorf("expires_in = %d, want %d", tr.ExpiresIn, wantIn)
			}
		})
	}
}

func TestJWKS(t *testing.T) {
	f := newTokenFixture(t, tokenauth.AlgES256)
	ts := httptest.NewServer(f.handler)
	defer ts.Close()

	tr := get(t, ts, "bob", testUsers["bob"].password, query("repository:acme/web:pull")).token(t)
	_, header := f.parse(t, tr.Token)

	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/.well-known/jwks.json", nil)
	r := do(t, ts.Client(), req)
	if r.status != http.StatusOK {
		t.Fatalf("status %d, body %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(r.body, &set); err != nil {
		t.Fatalf("JWK Set %s: %v", r.body, err)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("JWK Set has %d keys, want 1", len(set.Keys))
	}
	k := set.Keys[0]
	if k.KeyID != header["kid"] {
		t.Errorf("JWK kid %q, token kid %v", k.KeyID, header["kid"])
	}
	if !k.IsPublic() || !k.Valid() {
		t.Errorf("JWK is not a valid public key: %+v", k)
	}
	pub, ok := k.Key.(*ecdsa.PublicKey)
	if !ok || !pub.Equal(f.leaf.PublicKey) {
		t.Errorf("JWK key %T is not the signing certificate's public key", k.Key)
	}
	if got := len(set.Key(thumbprint(t, f.leaf.PublicKey))); got != 1 {
		t.Errorf("no key with the RFC 7638 thumbprint as kid")
	}

	// The jwks.json written by GenerateKeys names the same key.
	data, err := os.ReadFile(filepath.Join(f.keysDir, tokenauth.JWKSFile))
	if err != nil {
		t.Fatal(err)
	}
	var file jose.JSONWebKeySet
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Keys) != 1 || file.Keys[0].KeyID != k.KeyID {
		t.Errorf("%s holds %+v, want the served key %s", tokenauth.JWKSFile, file.Keys, k.KeyID)
	}

	// Only GET is routed.
	req, _ = http.NewRequest(http.MethodPost, ts.URL+"/.well-known/jwks.json", nil)
	if r := do(t, ts.Client(), req); r.status != http.StatusMethodNotAllowed {
		t.Errorf("POST jwks: status %d, want 405", r.status)
	}
}

func TestPullToken(t *testing.T) {
	f := newTokenFixture(t, tokenauth.AlgES256)
	authn := testAuthenticator(f.grants)
	srv, err := tokenauth.NewServer(tokenauth.Config{Service: testService, Issuer: testIssuer}, f.keys, authn, f.grants, func() time.Time { return testNow }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	token, err := srv.PullToken("acme/web")
	if err != nil {
		t.Fatal(err)
	}
	claims, _ := f.parse(t, token)
	want := []tokenauth.AccessEntry{acc("repository", "acme/web", "pull")}
	if claims.Subject != "regshare" || !reflect.DeepEqual(claims.Access, want) {
		t.Errorf("sub %q access %+v, want regshare %+v", claims.Subject, claims.Access, want)
	}
	if !claims.ExpiresAt.Equal(testNow.Add(tokenauth.DefaultTTL)) {
		t.Errorf("exp = %v, want now + the default ttl", claims.ExpiresAt)
	}
}

func TestNewServerConfig(t *testing.T) {
	f := newTokenFixture(t, tokenauth.AlgES256)
	authn := testAuthenticator(f.grants)
	for _, cfg := range []tokenauth.Config{
		{Issuer: testIssuer},
		{Service: testService},
		{Service: testService, Issuer: testIssuer, TTL: 59 * time.Second},
		{Service: testService, Issuer: testIssuer, Leeway: -time.Second},
	} {
		if _, err := tokenauth.NewServer(cfg, f.keys, authn, f.grants, time.Now, slog.New(slog.DiscardHandler)); err == nil {
			t.Errorf("NewServer(%+v) succeeded", cfg)
		}
	}
}

func acc(typ, name string, actions ...string) tokenauth.AccessEntry {
	return tokenauth.AccessEntry{Type: typ, Name: name, Actions: actions}
}

func basicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// FuzzTokenBasicAuth fuzzes the Authorization header of GET /token. The
// server must never fail (5xx) nor panic, and may grant a token only to the
// valid credentials of a user, or to a request without the header.
func FuzzTokenBasicAuth(f *testing.F) {
	fx := newTokenFixture(f, tokenauth.AlgES256)
	valid := basicAuth("bob", testUsers["bob"].password)
	for _, s := range []string{
		valid,
		"",
		"Basic",
		"Basic ",
		"Basic !!!",
		"Bearer x",
		"basic Zm9vOmJhcg==",
		"BASIC " + strings.TrimPrefix(valid, "Basic "),
		basicAuth("bob", "wrong"),
		basicAuth("bob", testUsers["bob"].password+"\x00"),
		basicAuth("bob:", testUsers["bob"].password),
		basicAuth("", ""),
		"Basic " + base64.StdEncoding.EncodeToString([]byte("no-colon")),
		"Basic " + strings.Repeat("QUFB", 20000),
		strings.Repeat("x", 100000),
	} {
		f.Add(s)
	}
	target := "/token?" + query("repository:acme/web:pull,push").Encode()
	f.Fuzz(func(t *testing.T, h string) {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		if h != "" {
			req.Header.Set("Authorization", h)
		}
		rec := httptest.NewRecorder()
		fx.handler.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			if h == "" {
				return
			}
			user, password, ok := decodeBasic(h)
			if u, known := testUsers[user]; !ok || !known || u.password != password {
				t.Fatalf("Authorization %q: 200 without valid credentials", h)
			}
		case http.StatusBadRequest, http.StatusUnauthorized:
			if h == valid {
				t.Fatalf("valid credentials refused: %d %s", rec.Code, rec.Body)
			}
			var er errorResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &er); err != nil || len(er.Errors) == 0 {
				t.Fatalf("Authorization %q: %d with body %q", h, rec.Code, rec.Body)
			}
		default:
			t.Fatalf("Authorization %q: status %d, body %q", h, rec.Code, rec.Body)
		}
	})
}

// decodeBasic reads Basic credentials as RFC 7617 writes them: the scheme
// in any case, one space, base64 of user:password.
func decodeBasic(h string) (user, password string, ok bool) {
	const prefix = "basic "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(h[len(prefix):])
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}
