package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/sirupsen/logrus"
	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/tokenauth"

	// The registry registers its token access controller and storage
	// driver from init functions; these imports are how it is used.
	_ "github.com/distribution/distribution/v3/registry/auth/token"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
)

const (
	e2eService = "registry.test"
	e2eIssuer  = "regshare-test"
	e2ePass    = "correct horse battery staple"
)

// e2eUsers are the test directory: domain, role and superuser flag.
var e2eUsers = map[string]struct {
	domain string
	role   grants.Role
}{
	"alice": {"acme", grants.RoleManage},
	"walt":  {"acme", grants.RoleWrite},
	"rita":  {"acme", grants.RoleRead},
	"gina":  {"globex", grants.RoleRead},
	"gabe":  {"globex", grants.RoleWrite},
	"gus":   {"globex", grants.RoleManage},
	"root":  {"ops", grants.RoleRead},
}

// clock is the injected time of regshare; the registry keeps real time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// e2e is a registry with token auth and regshare, both in this process.
type e2e struct {
	t        *testing.T
	cfg      *Config
	clock    *clock
	app      *app
	handler  atomic.Pointer[http.Handler]
	server   string // regshare's base URL
	tokenURL string
	registry string // host:port
}

// e2eOption changes the set-up: the regshare config, and how the
// registry trusts regshare's keys (its auth.token line naming the file).
type e2eOption func(cfg *Config, trust *string)

func newE2E(t *testing.T, opts ...e2eOption) *e2e {
	t.Helper()
	t.Setenv("OTEL_TRACES_EXPORTER", "none")
	logrus.SetLevel(logrus.ErrorLevel)
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	if err := tokenauth.GenerateKeys(keys, tokenauth.AlgES256, time.Now()); err != nil {
		t.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(e2ePass), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &Config{
		Token: TokenConfig{Service: e2eService, Issuer: e2eIssuer, TTL: 5 * time.Minute},
		Keys: KeysConfig{
			SigningKey:  filepath.Join(keys, tokenauth.SigningKeyFile),
			SigningCert: filepath.Join(keys, tokenauth.SigningCertFile),
		},
		Store: StoreConfig{Type: "bolt", Path: filepath.Join(dir, "shares.db")},
		DirectoryConfig: grants.DirectoryConfig{
			Superusers: []string{"root"},
			Domains: map[string]grants.DomainConfig{
				"acme":   {Namespaces: []string{"acme"}, Users: map[string]grants.UserConfig{}},
				"globex": {Namespaces: []string{"globex"}, Users: map[string]grants.UserConfig{}},
				"ops":    {Users: map[string]grants.UserConfig{}},
			},
		},
	}
	for u, d := range e2eUsers {
		cfg.Domains[d.domain].Users[u] = grants.UserConfig{PasswordHash: string(hash), Role: d.role}
	}
	e := &e2e{t: t, cfg: cfg, clock: &clock{t: time.Now()}}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*e.handler.Load()).ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	u, _ := url.Parse(ts.URL)
	// go-containerregistry refuses a realm on a loopback IP with another
	// port than the registry's: name it localhost.
	e.server = "http://localhost:" + u.Port()
	e.tokenURL = e.server + "/token"

	trust := fmt.Sprintf("rootcertbundle: %q", filepath.Join(keys, tokenauth.RootCertFile))
	for _, o := range opts {
		o(cfg, &trust)
	}
	notifications := ""
	if s := cfg.Notifications.Secret; s != "" { // withNotifications
		text, err := yaml.Marshal(map[string]any{"notifications": devNotifications(e.server+notificationsPath, "Bearer "+s)})
		if err != nil {
			t.Fatal(err)
		}
		notifications = string(text)
	}
	regCfg, err := configuration.Parse(strings.NewReader(fmt.Sprintf(`
version: 0.1
log: {level: error}
storage:
  filesystem: {rootdirectory: %q}
  delete: {enabled: true}
http: {addr: "127.0.0.1:0", secret: e2e-secret}
auth:
  token:
    realm: %q
    service: %q
    issuer: %q
    %s
%s`, filepath.Join(dir, "registry"), e.tokenURL, e2eService, e2eIssuer, trust, notifications)))
	if err != nil {
		t.Fatal(err)
	}
	reg := handlers.NewApp(context.Background(), regCfg)
	rs := httptest.NewUnstartedServer(reg)
	if addr := cfg.Registry.Host; addr != "" { // an option chose the registry's address
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		rs.Listener.Close()
		rs.Listener = l
	}
	rs.Start()
	t.Cleanup(func() { rs.Close(); reg.Shutdown() })
	e.registry = strings.TrimPrefix(rs.URL, "http://")
	cfg.Registry = RegistryConfig{URL: rs.URL, Host: e.registry}
	e.start()
	return e
}

// start (re)starts regshare on the configured store.
func (e *e2e) start() {
	e.t.Helper()
	if e.app != nil {
		if err := e.app.Close(); err != nil {
			e.t.Fatal(err)
		}
	}
	a, err := newApp(context.Background(), e.cfg, e.clock.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		e.t.Fatal(err)
	}
	e.app = a
	e.handler.Store(&a.handler)
	e.t.Cleanup(func() { a.Close() })
}

func (e *e2e) user(name string) grants.Principal {
	u, ok := e.app.grants.Directory().Principal(name)
	if !ok {
		e.t.Fatalf("no user %s", name)
	}
	return u
}

func (e *e2e) ref(repo string) name.Reference {
	r, err := name.ParseReference(e.registry+"/"+repo, name.Insecure)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func auth(user string) remote.Option {
	return remote.WithAuth(&authn.Basic{Username: user, Password: e2ePass})
}

func (e *e2e) push(user, repo string) (v1.Hash, error) {
	return pushAs(e.t, e.registry, repo, user, e2ePass)
}

func (e *e2e) pull(user, repo string) (v1.Hash, error) {
	return pullAs(e.t, e.registry, repo, user, e2ePass)
}

// wantDenied asserts that err is the registry's refusal (401 from the
// registry itself, after a token was issued), not a failed login.
func (e *e2e) wantDenied(what string, err error) {
	e.t.Helper()
	var te *transport.Error
	if !errors.As(err, &te) {
		e.t.Fatalf("%s: want the registry's 401, got %v", what, err)
	}
	if te.StatusCode != http.StatusUnauthorized || te.Request == nil || te.Request.URL.Host != e.registry {
		e.t.Fatalf("%s: want 401 from the registry %s, got %d from %v: %v", what, e.registry, te.StatusCode, te.Request.URL, err)
	}
	if len(te.Errors) == 0 || te.Errors[0].Code != transport.UnauthorizedErrorCode {
		e.t.Fatalf("%s: want UNAUTHORIZED, got %v", what, err)
	}
}

func (e *e2e) share(repo, recipient string, deadline time.Time) {
	e.t.Helper()
	_, err := e.app.grants.Create(context.Background(), e.user("alice"), grants.Share{
		Repository: repo, Recipient: recipient, Permit: grants.PermitRead, Deadline: deadline,
		Description: "e2e",
	}, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
}

// token asks regshare for a token the way clients do and decodes its claims.
func (e *e2e) token(user, scope string) (tokenauth.Claims, int) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.tokenURL+"?service="+e2eService+"&scope="+url.QueryEscape(scope), nil)
	req.SetBasicAuth(user, e2ePass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Token     string `json:"token"`
		ExpiresIn int    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 {
		e.t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	var c tokenauth.Claims
	if _, _, err := jwt.NewParser().ParseUnverified(body.Token, &c); err != nil {
		e.t.Fatal(err)
	}
	return c, body.ExpiresIn
}

func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newE2E(t)
	ctx := context.Background()

	// 1. The owner's users: write pushes, read pulls and cannot push.
	digest, err := e.push("walt", "acme/web:1.0")
	if err != nil {
		t.Fatalf("acme write user push: %v", err)
	}
	if got, err := e.pull("rita", "acme/web:1.0"); err != nil || got != digest {
		t.Fatalf("acme read user pull: %v %v, want %v", got, err, digest)
	}
	_, err = e.push("rita", "acme/web:rita")
	e.wantDenied("acme read user push", err)
	if _, err := e.push("walt", "acme/other:1.0"); err != nil {
		t.Fatal(err)
	}

	// 2. Before any share, globex cannot pull.
	_, err = e.pull("gina", "acme/web:1.0")
	e.wantDenied("globex pull before share", err)

	// 3. Shared with globex: every globex user pulls the same digest.
	e.share("acme/web", "globex", time.Time{})
	for _, u := range []string{"gina", "gabe", "gus"} {
		if got, err := e.pull(u, "acme/web:1.0"); err != nil || got != digest {
			t.Fatalf("%s pull of shared image: %v %v, want %v", u, got, err, digest)
		}
	}

	// 4. ...and can do nothing else.
	_, err = e.push("gabe", "acme/web:evil")
	e.wantDenied("globex push to shared repository", err)
	_, err = e.push("gus", "acme/web:1.0")
	e.wantDenied("globex manage user overwriting a shared tag", err)
	err = remote.Delete(e.ref("acme/web@"+digest.String()), auth("gus"))
	e.wantDenied("globex delete of shared manifest", err)
	_, err = e.pull("gina", "acme/other:1.0")
	e.wantDenied("globex pull of an unshared repository", err)
	reg, _ := name.NewRegistry(e.registry, name.Insecure)
	_, err = remote.Catalog(ctx, reg, auth("gus"))
	e.wantDenied("globex catalog", err)
	if repos, err := remote.Catalog(ctx, reg, auth("root")); err != nil || len(repos) != 2 {
		t.Fatalf("superuser catalog: %v %v, want acme/other and acme/web", repos, err)
	}
	if got, err := e.pull("rita", "acme/web:1.0"); err != nil || got != digest {
		t.Fatalf("share changed the owner's access: %v %v", got, err)
	}

	// 5a. Revoked: a new pull is refused.
	if _, err := e.app.grants.Revoke(ctx, e.user("alice"), grants.Key{Repository: "acme/web", Recipient: "globex"}, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	_, err = e.pull("gina", "acme/web:1.0")
	e.wantDenied("globex pull after revoke", err)

	// 5b. A share whose deadline has passed grants nothing: create it while
	// the clock stands two hours back, with a deadline an hour back.
	now := e.clock.Now()
	e.clock.Set(now.Add(-2 * time.Hour))
	e.share("acme/web", "globex", now.Add(-time.Hour))
	e.clock.Set(now)
	_, err = e.pull("gina", "acme/web:1.0")
	e.wantDenied("globex pull after the deadline", err)
	if c, _ := e.token("gina", "repository:acme/web:pull"); len(c.Access) != 0 {
		t.Fatalf("expired share still granted %v", c.Access)
	}

	// 5c. A near deadline caps the token: exp <= deadline - leeway.
	deadline := now.Add(90 * time.Second)
	if _, _, err := e.app.grants.Update(ctx, e.user("alice"), grants.Key{Repository: "acme/web", Recipient: "globex"}, now,
		func(s grants.Share) grants.Share { s.Deadline = deadline; return s }); err != nil {
		t.Fatal(err)
	}
	c, _ := e.token("gina", "repository:acme/web:pull,push")
	if len(c.Access) != 1 || fmt.Sprint(c.Access[0].Actions) != "[pull]" {
		t.Fatalf("near-deadline token access %+v, want pull only", c.Access)
	}
	if limit := deadline.Add(-tokenauth.DefaultLeeway); c.ExpiresAt.After(limit) {
		t.Fatalf("token exp %v is after deadline-leeway %v", c.ExpiresAt.Time, limit)
	}
	if got, err := e.pull("gina", "acme/web:1.0"); err != nil || got != digest {
		t.Fatalf("pull before a near deadline: %v %v", got, err)
	}

	// 6. Restarted on the same file, the share is still there and honoured.
	if _, _, err := e.app.grants.Update(ctx, e.user("alice"), grants.Key{Repository: "acme/web", Recipient: "globex"}, now,
		func(s grants.Share) grants.Share { s.Deadline = time.Time{}; return s }); err != nil {
		t.Fatal(err)
	}
	e.start()
	if n := e.app.grants.Index().Len(); n != 1 {
		t.Fatalf("after restart the index holds %d shares, want 1", n)
	}
	if got, err := e.pull("gabe", "acme/web:1.0"); err != nil || got != digest {
		t.Fatalf("pull after restart: %v %v", got, err)
	}
	_, err = e.push("gabe", "acme/web:evil")
	e.wantDenied("globex push after restart", err)
}
