package tokenauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/identity"
	"github.com/regshare/regshare/tokenauth"
)

// fakeSource is an LDAP directory as the Authenticator sees it.
type fakeSource struct {
	mu    sync.Mutex
	users map[string]fakeEntry
	down  bool
	calls int
}

type fakeEntry struct {
	password string
	groups   []string
}

func (s *fakeSource) Verify(_ context.Context, name, password string) (identity.Identity, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.down {
		return identity.Identity{}, fmt.Errorf("%w: dial tcp: connection refused", tokenauth.ErrUnavailable)
	}
	if e, ok := s.users[name]; ok && e.password == password {
		return identity.Identity{Source: "ldap", Name: name, Groups: e.groups}, nil
	}
	return identity.Identity{}, errors.New("ldap: invalid username or password")
}

func (s *fakeSource) setDown(down bool) { s.mu.Lock(); s.down = down; s.mu.Unlock() }
func (s *fakeSource) count() int        { s.mu.Lock(); defer s.mu.Unlock(); return s.calls }

// newExternalFixture is the token endpoint with limits of 3 failures and
// the source in front of acme: acme-dev maps to write.
func newExternalFixture(t *testing.T) (*limitedFixture, *fakeSource) {
	t.Helper()
	f := newLimitedFixture(t, tokenauth.LoginLimits{FailuresPerMinute: 0.1, Burst: 3})
	src := &fakeSource{users: map[string]fakeEntry{
		"lena":  {"lena-pw", []string{"acme-dev"}},
		"otto":  {"otto-pw", []string{"acme-dev"}},
		"nora":  {"nora-pw", []string{"marketing"}},
		"alice": {"alice-ldap-pw", []string{"acme-dev"}}, // a local user's name
		"hugo":  {"hugo-pw", []string{"hooli-dev"}},      // a domain that does not exist
	}}
	rules := identity.Rules{
		{Group: "acme-dev", Source: "ldap", Domain: "acme", Role: grants.RoleWrite},
		{Group: "hooli-dev", Source: "ldap", Domain: "hooli", Role: grants.RoleRead},
	}
	f.authn.UsePasswordSource("ldap", src, &identity.Provisioner{Rules: rules, Users: f.grants, Now: f.now})
	return f, src
}

const client = "192.0.2.1:40000"

func TestExternalLogin(t *testing.T) {
	f, src := newExternalFixture(t)
	want(t, "lena's first login", f.attempt(client, "lena", "lena-pw"), http.StatusOK, 0)
	u, ok := f.grants.Directory().User("lena")
	if !ok || u.Source != "ldap" || u.Domain != "acme" || u.Role != grants.RoleWrite {
		t.Fatalf("provisioned: %+v %v", u, ok)
	}
	calls := src.count()
	want(t, "lena again, from the cache", f.attempt(client, "lena", "lena-pw"), http.StatusOK, 0)
	want(t, "lena in capitals, the same credential", f.attempt(client, "LENA", "lena-pw"), http.StatusOK, 0)
	if src.count() != calls {
		t.Fatalf("cached logins asked the source: %d calls, want %d", src.count(), calls)
	}
	rec := f.get("LENA", "lena-pw", "account=LENA")
	want(t, "docker's account in capitals", rec, http.StatusOK, 0)

	// A local user keeps bcrypt: the directory's password of that name
	// does not log in, and the source is not asked.
	want(t, "local alice", f.attempt(client, "alice", testUsers["alice"].password), http.StatusOK, 0)
	want(t, "local alice, the directory's password", f.attempt(client, "alice", "alice-ldap-pw"), http.StatusUnauthorized, 0)
	want(t, "local alice in capitals", f.attempt(client, "ALICE", testUsers["alice"].password), http.StatusUnauthorized, 0)
	if src.count() != calls {
		t.Fatalf("local logins asked the source: %d calls, want %d", src.count(), calls)
	}

	want(t, "a wrong password", f.attempt("198.51.100.1:1000", "otto", "nope"), http.StatusUnauthorized, 0)
	want(t, "an unknown user", f.attempt("198.51.100.2:1000", "mallory", "otto-pw"), http.StatusUnauthorized, 0)
	if _, ok := f.grants.Directory().User("mallory"); ok {
		t.Fatal("a refused login made a user")
	}
}

// A person the directory verified but regshare refuses is told why
// (403), which only the right password learns.
func TestExternalRefused(t *testing.T) {
	f, _ := newExternalFixture(t)
	for _, tc := range []struct{ what, user, password, says string }{
		{"no rule maps the groups", "nora", "nora-pw", "none of your groups"},
		{"the domain does not exist", "hugo", "hugo-pw", "domain hooli, which does not exist"},
	} {
		rec := f.attempt(client, tc.user, tc.password)
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), tc.says) || strings.Contains(rec.Body.String(), "forbidden:") {
			t.Fatalf("%s: %d %s, want 403 saying %q", tc.what, rec.Code, rec.Body, tc.says)
		}
		if rec := f.attempt(client, tc.user, "wrong"); rec.Code != http.StatusUnauthorized {
			t.Fatalf("%s, wrong password: %d, want 401", tc.what, rec.Code)
		}
	}
	want(t, "lena", f.attempt(client, "lena", "lena-pw"), http.StatusOK, 0)
	disabled := true
	if _, err := f.grants.UpdateUser(t.Context(), principal(t, f, "alice"), "acme", "lena", grants.UserUpdate{Disabled: &disabled}, f.now()); err != nil {
		t.Fatal(err)
	}
	rec := f.attempt(client, "lena", "lena-pw")
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "disabled here") {
		t.Fatalf("disabled here, cached before: %d %s, want 403", rec.Code, rec.Body)
	}
	if !strings.Contains(f.audit.String(), `"result":"refused"`) {
		t.Errorf("audit: no refused login in %s", f.audit)
	}
}

// The cache entry is bound to the user's record: one deleted and made
// again is checked again.
func TestExternalCacheBoundToRecord(t *testing.T) {
	f, src := newExternalFixture(t)
	want(t, "lena", f.attempt(client, "lena", "lena-pw"), http.StatusOK, 0)
	if err := f.grants.DeleteUser(t.Context(), principal(t, f, "alice"), "acme", "lena", f.now()); err != nil {
		t.Fatal(err)
	}
	calls := src.count()
	want(t, "lena, deleted since", f.attempt(client, "lena", "lena-pw"), http.StatusOK, 0)
	if src.count() != calls+1 {
		t.Fatal("a deleted user's cached credential was taken")
	}
}

// The source down: a cached credential works for its TTL, a new login is
// 503 (never 401) and costs no failure; back up, logins work again.
func TestExternalUnavailable(t *testing.T) {
	f, src := newExternalFixture(t)
	want(t, "lena, before", f.attempt(client, "lena", "lena-pw"), http.StatusOK, 0)
	src.setDown(true)
	want(t, "lena, cached", f.attempt(client, "lena", "lena-pw"), http.StatusOK, 0)
	for i := range 5 { // past the burst of 3: unavailable costs nothing
		rec := f.attempt(client, "otto", "otto-pw")
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "10" ||
			!strings.Contains(rec.Body.String(), "cannot be checked now") || !strings.Contains(rec.Body.String(), `"UNAVAILABLE"`) {
			t.Fatalf("otto %d while down: %d %v %s, want 503 with Retry-After", i, rec.Code, rec.Header(), rec.Body)
		}
	}
	if rec := f.attempt(client, "otto", "wrong"); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("a wrong password while down: %d, want 503: nothing was checked", rec.Code)
	}
	if a := f.audit.String(); !strings.Contains(a, `"result":"unavailable"`) || strings.Contains(a, "otto-pw") {
		t.Errorf("audit: %s", a)
	}
	f.advance(tokenauth.DefaultCacheTTL + time.Second)
	if rec := f.attempt(client, "lena", "lena-pw"); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("lena past the cache TTL while down: %d, want 503", rec.Code)
	}
	src.setDown(false)
	want(t, "otto once back", f.attempt(client, "otto", "otto-pw"), http.StatusOK, 0)

	// Wrong passwords still count against the limits.
	for range 3 {
		want(t, "otto, wrong", f.attempt("198.51.100.1:1000", "otto", "wrong"), http.StatusUnauthorized, 0)
	}
	if rec := f.attempt("198.51.100.1:1000", "otto", "otto-pw"); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("past the burst: %d, want 429", rec.Code)
	}
}

// Without a source, nothing changes: a name nobody has is 401.
func TestNoSourceUnknownUser(t *testing.T) {
	f := newLimitedFixture(t, tokenauth.LoginLimits{FailuresPerMinute: 6, Burst: 3})
	want(t, "unknown", f.attempt(client, "lena", "lena-pw"), http.StatusUnauthorized, 0)
}

func principal(t *testing.T, f *limitedFixture, name string) grants.Principal {
	t.Helper()
	p, ok := f.grants.Directory().Principal(name)
	if !ok {
		t.Fatalf("no %s", name)
	}
	return p
}

// get asks GET /token as user with extra query parameters.
func (f *limitedFixture) get(user, password, extra string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/token?"+query("repository:acme/web:pull").Encode()+"&"+extra, nil)
	req.RemoteAddr = client
	req.SetBasicAuth(user, password)
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec
}
