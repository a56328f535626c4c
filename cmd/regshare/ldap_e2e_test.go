package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/identity"
	"github.com/regshare/regshare/internal/slapdtest"
	"github.com/regshare/regshare/shareapi"
)

// The directory of the LDAP tests: lena, otto and vera in acme-dev
// (acme, write), nora in no mapped group, dave locked by an
// administrator.
var e2eLDIF = slapdtest.Person("lena", "lena-ldap-pw", slapdtest.MemberOf("acme-dev")) +
	slapdtest.Person("otto", "otto-ldap-pw", slapdtest.MemberOf("acme-dev")) +
	slapdtest.Person("vera", "vera-ldap-pw", slapdtest.MemberOf("acme-dev")) +
	slapdtest.Person("nora", "nora-ldap-pw", slapdtest.MemberOf("marketing")) +
	slapdtest.Person("dave", "dave-ldap-pw", slapdtest.MemberOf("acme-dev"), "pwdAccountLockedTime: 000001010000Z") +
	slapdtest.Group("acme-dev", "lena", "otto", "vera", "dave") +
	slapdtest.Group("marketing", "nora")

// withLDAP has regshare take srv's passwords over LDAPS, its groups
// found by a group search.
func withLDAP(t *testing.T, srv *slapdtest.Server) e2eOption {
	pw := filepath.Join(t.TempDir(), "ldap-password")
	if err := os.WriteFile(pw, []byte(slapdtest.ServicePassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return func(cfg *Config, _ *string) {
		cfg.Identity = IdentityConfig{
			Rules: identity.Rules{{Group: "acme-dev", Source: "ldap", Domain: "acme", Role: grants.RoleWrite}},
			LDAP: &LDAPConfig{URL: srv.LDAPS, CAFile: srv.CAFile, BindDN: slapdtest.ServiceDN, BindPasswordFile: pw,
				UserBase: slapdtest.People, GroupBase: slapdtest.Groups, Timeout: 2 * time.Second},
		}
	}
}

func newLDAPE2E(t *testing.T) (*e2e, *slapdtest.Server) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a registry and slapd")
	}
	srv := slapdtest.Start(t, e2eLDIF)
	return newE2E(t, withLDAP(t, srv)), srv
}

// tokenStatus asks GET /token as user and returns the status, the
// Retry-After and the body.
func (e *e2e) tokenStatus(query, user, password string) (int, string, string) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.tokenURL+"?"+query, nil)
	req.SetBasicAuth(user, password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(body)
}

// apiLogin is the console's login: an API token for user's password.
func (e *e2e) apiLogin(user, password string) (int, string) {
	e.t.Helper()
	status, _, body := e.tokenStatus("service=regshare-api", user, password)
	var tb tokenBody
	json.Unmarshal([]byte(body), &tb)
	return status, tb.Token
}

// apiList lists the shares of the caller's domain with an API token.
func (e *e2e) apiList(token string) int {
	req, _ := http.NewRequest("GET", e.server+"/v2/manage/shared-repositories?center=self", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (e *e2e) readyz() (int, string) {
	e.t.Helper()
	resp, err := http.Get(e.server + "/readyz")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// An LDAP user's directory password works for docker's clients (push and
// pull through the registry) and for the console's API login; what the
// directory refuses, and what is no name, is 401; a person it verified
// whom no rule maps is 403.
func TestLDAPEndToEnd(t *testing.T) {
	e, _ := newLDAPE2E(t)
	digest, err := pushAs(t, e.registry, "acme/lena:1", "lena", "lena-ldap-pw")
	if err != nil {
		t.Fatalf("lena's push with her directory password: %v", err)
	}
	if got, err := pullAs(t, e.registry, "acme/lena:1", "otto", "otto-ldap-pw"); err != nil || got != digest {
		t.Fatalf("otto's pull: %v %v, want %v", got, err, digest)
	}
	if u, ok := e.app.grants.Directory().User("lena"); !ok || u.Source != "ldap" || u.Domain != "acme" || u.Role != grants.RoleWrite {
		t.Fatalf("lena in the directory: %+v %v", u, ok)
	}
	// docker login gets no identity token that would outlive her removal
	// from the directory: docker keeps the password, checked again.
	if rt, status := e.login("lena", "lena-ldap-pw"); status != http.StatusOK || rt != "" {
		t.Errorf("lena's docker login: status %d, refresh token %q", status, rt)
	}
	status, token := e.apiLogin("lena", "lena-ldap-pw")
	if status != 200 || e.apiList(token) != 200 {
		t.Fatalf("lena's console login: %d; API with its token", status)
	}

	for _, tc := range []struct {
		what, user, password string
		status               int
	}{
		{"injection: every uid", "*)(uid=*", "lena-ldap-pw", 401},
		{"injection: a wildcard", "*", "lena-ldap-pw", 401},
		{"injection: an or", "lena)(|(uid=*", "lena-ldap-pw", 401},
		{"a wrong password", "lena", "otto-ldap-pw", 401},
		{"an unknown user", "mallory", "lena-ldap-pw", 401},
		{"an account locked in the directory", "dave", "dave-ldap-pw", 401},
		{"no rule maps the groups", "nora", "nora-ldap-pw", 403},
	} {
		got, _, body := e.tokenStatus(pullQuery("acme/lena"), tc.user, tc.password)
		if got != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.what, got, body, tc.status)
		}
		if got == 401 && !strings.Contains(body, "invalid username or password") {
			t.Errorf("%s: the 401 says %s", tc.what, body)
		}
		if got, _ := e.apiLogin(tc.user, tc.password); got != tc.status {
			t.Errorf("%s, console login: %d, want %d", tc.what, got, tc.status)
		}
	}
	_, err = pushAs(t, e.registry, "acme/lena:2", "lena", "wrong")
	e.wantLoginRefused("a push with a wrong password", err)
	for _, name := range []string{"dave", "nora", "mallory"} {
		if _, ok := e.app.grants.Directory().User(name); ok {
			t.Errorf("%s was made a user", name)
		}
	}
}

// slapd stopped mid-run: lena, who logged in before, keeps working from
// the credential cache; vera's first login is 503 (never 401), at the
// token endpoint and the API; /readyz and regshare_ldap_up say so; local
// users and robots keep working; once slapd is back, vera logs in.
func TestLDAPOutage(t *testing.T) {
	e, srv := newLDAPE2E(t)
	web, err := e.push("alice", "acme/web:latest")
	if err != nil {
		t.Fatal(err)
	}
	e.share("acme/web", "globex", time.Time{})
	ci := e.newRobot("ci", e.clock.Now().Add(24*time.Hour), pullOf("acme/web"))
	if got, err := pullAs(t, e.registry, "acme/web:latest", "lena", "lena-ldap-pw"); err != nil || got != web {
		t.Fatalf("lena before: %v %v", got, err)
	}
	if code, body := e.readyz(); code != 200 || !strings.Contains(body, "ldap: reachable") {
		t.Fatalf("/readyz before: %d %q", code, body)
	}

	srv.Stop()
	if got, err := pullAs(t, e.registry, "acme/web:latest", "lena", "lena-ldap-pw"); err != nil || got != web {
		t.Fatalf("lena's cached login while slapd is down: %v %v", got, err)
	}
	code, retry, body := e.tokenStatus(pullQuery("acme/web"), "vera", "vera-ldap-pw")
	if code != 503 || retry == "" || !strings.Contains(body, "cannot be checked now") {
		t.Fatalf("vera's first login while down: %d (Retry-After %q) %s, want 503", code, retry, body)
	}
	if code, _, _ := e.tokenStatus(pullQuery("acme/web"), "vera", "a wrong password"); code != 503 {
		t.Fatalf("a wrong password while down: %d, want 503 (nothing was checked)", code)
	}
	_, err = remote.Image(e.ref("acme/web:latest"), remote.WithAuth(&authn.Basic{Username: "vera", Password: "vera-ldap-pw"}),
		remote.WithRetryStatusCodes())
	if te := (*transport.Error)(nil); !errors.As(err, &te) || te.StatusCode != 503 {
		t.Fatalf("vera's pull while down: %v, want the token endpoint's 503", err)
	}
	e.wantAPIError("vera's console login while down", "vera", "vera-ldap-pw", 503, "REGSHARE.5030005")
	if code, body := e.readyz(); code != 200 || !strings.Contains(body, "ldap: unreachable") || !strings.Contains(body, "local users and robots keep working") {
		t.Fatalf("/readyz while down: %d %q", code, body)
	}
	if up := e.scrape()["regshare_ldap_up"]; up != 0 {
		t.Fatalf("regshare_ldap_up while down: %v", up)
	}
	if got := e.scrape()[`regshare_token_requests_total{outcome="unavailable"}`]; got < 2 {
		t.Errorf("unavailable token requests counted: %v", got)
	}
	if got, err := e.pull("rita", "acme/web:latest"); err != nil || got != web {
		t.Fatalf("a local user while down: %v %v", got, err)
	}
	e.mustPull("a robot while down", ci, "acme/web:latest", web)

	srv.Start()
	if got, err := pullAs(t, e.registry, "acme/web:latest", "vera", "vera-ldap-pw"); err != nil || got != web {
		t.Fatalf("vera once slapd is back: %v %v", got, err)
	}
	if code, body := e.readyz(); code != 200 || !strings.Contains(body, "ldap: reachable") {
		t.Fatalf("/readyz once back: %d %q", code, body)
	}
	if up := e.scrape()["regshare_ldap_up"]; up != 1 {
		t.Fatalf("regshare_ldap_up once back: %v", up)
	}
}

// wantAPIError asserts the management API's SWR error for user's Basic
// credentials.
func (e *e2e) wantAPIError(what, user, password string, status int, code string) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.server+"/v2/manage/shared-repositories?center=self", nil)
	req.SetBasicAuth(user, password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var errs []shareapi.Error
	json.NewDecoder(resp.Body).Decode(&errs)
	if resp.StatusCode != status || len(errs) != 1 || errs[0].ErrorCode != code || resp.Header.Get("Retry-After") == "" && status == 503 {
		e.t.Fatalf("%s: %d %+v, want %d %s", what, resp.StatusCode, errs, status, code)
	}
}
