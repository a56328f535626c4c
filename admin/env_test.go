package admin_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/regshare/regshare/admin"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/bolt"
	"github.com/regshare/regshare/grants/grantstest"
	"github.com/regshare/regshare/shareapi"
	"github.com/regshare/regshare/tokenauth"
)

// The test directory: three domains, each owning the namespace of its name.
const (
	password     = "correct horse battery staple"
	registryHost = "registry.test:5000"
)

var users = []struct {
	name, domain string
	role         grants.Role
}{
	{"alice", "acme", grants.RoleManage},
	{"amy", "acme", grants.RoleManage},
	{"walt", "acme", grants.RoleWrite},
	{"rita", "acme", grants.RoleRead},
	{"gina", "globex", grants.RoleManage},
	{"greg", "globex", grants.RoleRead},
	{"ivan", "initech", grants.RoleManage},
}

// base is the clock of regshare when a test starts.
var base = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

var passwordHash = sync.OnceValue(func() string {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
})

// directoryConfig is the test directory plus extra domains d000, d001, …
// that own nothing and have no users.
func directoryConfig(extra int) grants.DirectoryConfig {
	cfg := grants.DirectoryConfig{Domains: map[string]grants.DomainConfig{}}
	for _, u := range users {
		d, ok := cfg.Domains[u.domain]
		if !ok {
			d = grants.DomainConfig{Namespaces: []string{u.domain}, Users: map[string]grants.UserConfig{}}
		}
		d.Users[u.name] = grants.UserConfig{PasswordHash: passwordHash(), Role: u.role}
		cfg.Domains[u.domain] = d
	}
	for i := range extra {
		cfg.Domains[fmt.Sprintf("d%03d", i)] = grants.DomainConfig{}
	}
	return cfg
}

// credentials is the password credentials function over g's directory.
func credentials(g *grants.Grants) *tokenauth.Credentials {
	return tokenauth.NewCredentials(tokenauth.NewAuthenticator(g, tokenauth.CacheConfig{}, time.Now), nil, "")
}

// clock is regshare's settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

type options struct {
	checkRepository bool
	extraDomains    int
	registry        admin.Registry // default: the env's fakeRegistry
	// wrapStore, when set, wraps the bbolt store grants is built on.
	wrapStore func(grants.Store) grants.Store
	// accounts: the account tests' env (see newAccountsEnv).
	accounts bool
	// webhookCheck is the API's WebhookURLCheck (nil: its default).
	webhookCheck grants.URLCheck
}

// env is the share API over a bbolt store, served on loopback.
type env struct {
	t        *testing.T
	g        *grants.Grants
	store    grants.Store
	clock    *clock
	registry *fakeRegistry
	url      string
	client   *http.Client
	domains  []string
	metrics  *prometheus.Registry
	audit    *lockedBuffer // with options.accounts
}

func newEnv(t *testing.T, o options) *env {
	t.Helper()
	cfg := directoryConfig(o.extraDomains)
	if o.accounts {
		cfg.Domains["ops"] = grants.DomainConfig{Namespaces: []string{"ops"}, Users: map[string]grants.UserConfig{
			admin0: {PasswordHash: passwordHash(), Role: grants.RoleManage},
		}}
		cfg.Superusers = []string{admin0}
	}
	dir, err := grants.NewDirectory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	store, err := bolt.Open(filepath.Join(t.TempDir(), "shares.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	var gs grants.Store = store
	if o.wrapStore != nil {
		gs = o.wrapStore(store)
	}
	g, err := grants.New(t.Context(), dir, gs)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{
		t: t, g: g, store: store,
		clock:    &clock{t: base},
		registry: &fakeRegistry{repos: map[string][]string{}, manifests: map[string]admin.Manifest{}},
		domains:  slices.Sorted(maps.Keys(cfg.Domains)),
		metrics:  prometheus.NewRegistry(),
	}
	var registry admin.Registry = e.registry
	if o.registry != nil {
		registry = o.registry
	}
	acfg := admin.Config{RegistryHost: registryHost, CheckRepository: o.checkRepository, Metrics: e.metrics, WebhookURLCheck: o.webhookCheck}
	creds := credentials(g)
	if o.accounts {
		g.SetPasswordCost(bcrypt.MinCost)
		e.audit = &lockedBuffer{}
		acfg.Audit = slog.New(slog.NewJSONHandler(e.audit, nil))
		creds = tokenauth.NewCredentials(tokenauth.NewAuthenticator(g, tokenauth.CacheConfig{}, e.clock.Now), acfg.Audit, "")
	}
	api, err := admin.New(acfg, g, creds, registry, e.clock.Now, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	api.Register(mux)
	if o.accounts {
		mux = manageMux(api) // the console's routes too
	}
	e.serve(mux)
	// Redirects are answers to check, not to follow.
	e.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return e
}

// serve puts h behind a test server and points e's requests at it.
func (e *env) serve(h http.Handler) {
	ts := httptest.NewServer(h)
	e.t.Cleanup(ts.Close)
	e.url = ts.URL
	e.client = ts.Client()
}

func (e *env) user(name string) grants.Principal {
	e.t.Helper()
	u, ok := e.g.Directory().Principal(name)
	if !ok {
		e.t.Fatalf("no user %s", name)
	}
	return u
}

// share creates a share directly, as user, at the env's clock.
func (e *env) share(user, repo, recipient string, deadline time.Time, description string) grants.Share {
	e.t.Helper()
	s, err := e.g.Create(e.t.Context(), e.user(user), grants.Share{
		Repository: repo, Recipient: recipient, Permit: grants.PermitRead,
		Deadline: deadline, Description: description,
	}, e.clock.Now())
	if err != nil {
		e.t.Fatalf("share %s with %s: %v", repo, recipient, err)
	}
	return s
}

// response is an answer of the API.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string { return fmt.Sprintf("%d %s", r.status, bytes.TrimSpace(r.body)) }

// do sends a request as user (no credentials when user is "").
func (e *env) do(user, method, path, body string) response {
	e.t.Helper()
	return e.doAuth(method, path, body, func(req *http.Request) {
		if user != "" {
			req.SetBasicAuth(user, password)
		}
	})
}

func (e *env) doAuth(method, path, body string, auth func(*http.Request)) response {
	e.t.Helper()
	r, err := e.send(method, path, body, auth)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// send is doAuth for goroutines other than the test's: it never fails the
// test itself.
func (e *env) send(method, path, body string, auth func(*http.Request)) (response, error) {
	var rd io.Reader
	if body != "" {
		rd = bytes.NewBufferString(body)
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.url+path, rd)
	if err != nil {
		return response{}, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	auth(req)
	resp, err := e.client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// state is what the durable store and the index hold.
type state struct {
	store []grants.Share
	index []grants.Share
	n     int
}

func (e *env) state() state {
	e.t.Helper()
	st, err := e.store.List(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	var ix []grants.Share
	for _, d := range e.domains {
		ix = append(ix, e.g.SharedBy(d)...)
	}
	return state{store: st, index: ix, n: e.g.Index().Len()}
}

// wantState fails unless the store and the index hold exactly want.
func (e *env) wantState(what string, want state) {
	e.t.Helper()
	got := e.state()
	if d := grantstest.SameSet(got.store, want.store); d != "" {
		e.t.Errorf("%s: the store changed:\n%s", what, d)
	}
	if d := grantstest.SameSet(got.index, want.index); d != "" || got.n != want.n {
		e.t.Errorf("%s: the index changed (%d shares, was %d):\n%s", what, got.n, want.n, d)
	}
	if d := grantstest.SameSet(got.index, got.store); d != "" || got.n != len(got.store) {
		e.t.Errorf("%s: the index (%d shares) differs from the store (%d):\n%s", what, got.n, len(got.store), d)
	}
}

// wantError checks an SWR error answer: status, exactly one entry with
// errorCode, a message and an empty detail, and nothing else.
func wantError(t *testing.T, what string, r response, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: status %d, want %d (body %s)", what, r.status, status, bytes.TrimSpace(r.body))
		return
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q, want application/json", what, ct)
	}
	var entries []map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &entries); err != nil {
		t.Errorf("%s: error body %s is not a JSON array of objects: %v", what, r.body, err)
		return
	}
	if len(entries) != 1 {
		t.Errorf("%s: error body has %d entries, want 1: %s", what, len(entries), r.body)
		return
	}
	if keys := slices.Sorted(maps.Keys(entries[0])); !slices.Equal(keys, []string{"detail", "errorCode", "errorMessage"}) {
		t.Errorf("%s: error entry has keys %v, want detail, errorCode, errorMessage", what, keys)
	}
	var ents []shareapi.Error
	if err := json.Unmarshal(r.body, &ents); err != nil {
		t.Errorf("%s: error entry of the wrong types: %s: %v", what, r.body, err)
		return
	}
	ent := ents[0]
	if ent.ErrorCode != code {
		t.Errorf("%s: errorCode %q, want %q (message %q)", what, ent.ErrorCode, code, ent.ErrorMessage)
	}
	if ent.ErrorMessage == "" {
		t.Errorf("%s: empty errorMessage", what)
	}
	if ent.Detail != "" {
		t.Errorf("%s: detail %q, want \"\"", what, ent.Detail)
	}
	if status == http.StatusUnauthorized {
		if h := r.header.Values("WWW-Authenticate"); !slices.ContainsFunc(h, func(v string) bool { return strings.HasPrefix(v, "Basic ") }) {
			t.Errorf("%s: WWW-Authenticate %q, want a Basic challenge", what, h)
		}
	}
}

// jsonBody marshals a request body.
func jsonBody(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// sharePath is the access-domains route of a repository; seg is
// "repositories" or "repos", repo the raw path segment.
func sharePath(seg, ns, repo string, domain ...string) string {
	p := "/v2/manage/namespaces/" + ns + "/" + seg + "/" + repo + "/access-domains"
	for _, d := range domain {
		p += "/" + d
	}
	return p
}

var shareFields = []string{"access_domain", "created", "creator_id", "creator_name", "deadline", "description", "last_pull", "namespace", "num_download", "permit", "repository", "status", "updated"}

// decodeStrict decodes JSON into v, refusing unknown fields.
func decodeStrict(t *testing.T, what string, b []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: cannot decode %s: %v", what, b, err)
	}
}

// decodeShare decodes one share object and checks it has every field (and
// "exist" only when withExist).
func decodeShare(t *testing.T, what string, b []byte, withExist bool) shareapi.Share {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("%s: %s: %v", what, b, err)
	}
	want := slices.Clone(shareFields)
	if withExist {
		want = append(want, "exist")
		slices.Sort(want)
	}
	if keys := slices.Sorted(maps.Keys(raw)); !slices.Equal(keys, want) {
		t.Errorf("%s: share object has fields %v, want %v", what, keys, want)
	}
	var o shareapi.Share
	decodeStrict(t, what, b, &o)
	return o
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }
