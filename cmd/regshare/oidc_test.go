package main

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/identity"
	"github.com/regshare/regshare/oidclogin/oidctest"
	"github.com/regshare/regshare/shareapi"
)

const (
	oidcPass     = "the provider's password"
	oidcClientID = "regshare-console"
	oidcProvName = "corp"
	// oidcTokenLife is how long the provider's ID tokens live.
	oidcTokenLife = 5 * time.Minute
)

// oidcRules map the provider's groups: the rules of every OIDC test.
var oidcRules = identity.Rules{
	{Group: "acme-admins", Domain: "acme", Role: grants.RoleManage},
	{Group: "acme-readers", Domain: "acme", Role: grants.RoleRead},
	{Group: "globex-users", Domain: "globex", Role: grants.RoleRead},
	{Group: "ghosts", Domain: "nowhere", Role: grants.RoleRead},
}

// oidcUsers are the provider's people: ann administers acme, rob reads
// it, nora's group maps to nothing, gail's to a domain that does not
// exist, and alice has a local user's name.
var oidcUsers = []oidctest.User{
	{Username: "ann", Password: oidcPass, Email: "ann@corp.test", Groups: []string{"staff", "acme-admins"}},
	{Username: "rob", Password: oidcPass, Email: "rob@corp.test", Groups: []string{"acme-readers"}},
	{Username: "nora", Password: oidcPass, Email: "nora@corp.test", Groups: []string{"marketing"}},
	{Username: "gail", Password: oidcPass, Email: "gail@corp.test", Groups: []string{"ghosts"}},
	{Username: "alice", Password: oidcPass, Email: "alice@corp.test", Groups: []string{"acme-admins"}},
}

// oidcE2E is the e2e system with a real OpenID provider in the test
// process as its identity provider "corp".
type oidcE2E struct {
	*e2e
	op    *oidctest.Provider
	audit string // the audit log's file
}

func newOIDCE2E(t *testing.T) *oidcE2E {
	t.Helper()
	e := newE2E(t)
	callback := e.server + "/console/oidc/" + oidcProvName + "/callback"
	op := oidctest.Start(t, oidcUsers, []oidctest.Client{{ID: oidcClientID, Secret: "client secret", RedirectURIs: []string{callback}, IDTokenLifetime: oidcTokenLife}})
	dir := t.TempDir()
	secret := filepath.Join(dir, "client-secret")
	if err := os.WriteFile(secret, []byte("client secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.cfg.AuditLog = filepath.Join(dir, "audit.log")
	e.cfg.Identity = IdentityConfig{Rules: oidcRules, OIDC: []OIDCProviderConfig{{
		Name: oidcProvName, DisplayName: "Corp SSO", Issuer: op.Issuer, ClientID: oidcClientID, ClientSecretFile: secret,
		RedirectURL: callback, Scopes: []string{"openid", "profile", "email", oidctest.GroupsScope},
	}}}
	if errs := e.cfg.validateIdentity(); len(errs) > 0 {
		t.Fatal(errs)
	}
	e.start()
	return &oidcE2E{e2e: e, op: op, audit: e.cfg.AuditLog}
}

// oidcBrowser is a browser's cookies, following no redirect.
func oidcBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// get GETs u and returns where it redirects to.
func (o *oidcE2E) get(c *http.Client, u string) *url.URL {
	o.t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		o.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		o.t.Fatalf("GET %s: %d, want a redirect", u, resp.StatusCode)
	}
	loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
	if err != nil {
		o.t.Fatal(err)
	}
	return loc
}

// startLogin is the console's "Log in with Corp SSO": the provider's
// authorization URL regshare sends the browser to.
func (o *oidcE2E) startLogin(c *http.Client) *url.URL {
	o.t.Helper()
	u := o.get(c, o.server+"/console/oidc/"+oidcProvName+"/login")
	if !strings.HasPrefix(u.String(), o.op.Issuer) {
		o.t.Fatalf("the login sends the browser to %s, not to the provider", u)
	}
	return u
}

// atProvider logs user in at the provider from authorize, and returns the
// callback the provider sends the browser back to.
func (o *oidcE2E) atProvider(c *http.Client, authorize *url.URL, user string) *url.URL {
	o.t.Helper()
	back := o.op.Login(o.t, c, authorize.String(), user, oidcPass)
	if !strings.HasPrefix(back.String(), o.server+"/console/oidc/"+oidcProvName+"/callback?") {
		o.t.Fatalf("the provider sends the browser back to %s", back)
	}
	return back
}

// callback follows the provider's redirect to regshare, which answers
// with the console's page and the login's result in its fragment.
func (o *oidcE2E) callback(c *http.Client, back *url.URL) url.Values {
	o.t.Helper()
	u := o.get(c, back.String())
	if u.Path != "/" || u.RawQuery != "" {
		o.t.Fatalf("the callback sends the browser to %s, want the console", u)
	}
	v, err := url.ParseQuery(u.Fragment)
	if err != nil {
		o.t.Fatal(err)
	}
	return v
}

// handOver is the console's fetch of its API token after a login: the
// token, or "" when there is none (404).
func (o *oidcE2E) handOver(c *http.Client) (string, int) {
	o.t.Helper()
	resp, err := c.Post(o.server+"/console/oidc/session", "", nil)
	if err != nil {
		o.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Token     string `json:"token"`
		ExpiresIn int    `json:"expires_in"`
	}
	if resp.StatusCode != http.StatusOK {
		return "", resp.StatusCode
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Token == "" || body.ExpiresIn < 60 {
		o.t.Fatalf("hand-over: %+v, %v", body, err)
	}
	return body.Token, resp.StatusCode
}

// login logs user in through the provider, as the console does, and
// returns the console's fragment and API token.
func (o *oidcE2E) login(user string) (url.Values, string) {
	o.t.Helper()
	c := oidcBrowser()
	v := o.callback(c, o.atProvider(c, o.startLogin(c), user))
	token, _ := o.handOver(c)
	return v, token
}

// api calls regshare's API with an API token.
func (o *oidcE2E) api(token, method, path string, out any) int {
	o.t.Helper()
	req, _ := http.NewRequest(method, o.server+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		o.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			o.t.Fatal(err)
		}
	}
	return resp.StatusCode
}

func (o *oidcE2E) me(token string) shareapi.User {
	o.t.Helper()
	var u shareapi.User
	if status := o.api(token, "GET", "/v2/manage/user", &u); status != http.StatusOK {
		o.t.Fatalf("GET /v2/manage/user: %d", status)
	}
	return u
}

// TestOIDCLogin: through the real provider, ann lands in the console as
// a manage user of acme and rob as a read user, provisioned as users of
// the source oidc:corp; the token is handed over once, reaches no log,
// and the login is audited.
func TestOIDCLogin(t *testing.T) {
	o := newOIDCE2E(t)
	var list struct {
		Providers []struct{ Name, DisplayName, LoginURL string } `json:"providers"`
	}
	if o.api("", "GET", "/v2/manage/identity-providers", &list); len(list.Providers) != 1 || list.Providers[0].Name != oidcProvName {
		t.Fatalf("identity providers: %+v", list)
	}
	for _, tc := range []struct {
		user  string
		role  string
		share bool
	}{{"ann", "manage", true}, {"rob", "read", false}} {
		c := oidcBrowser()
		v := o.callback(c, o.atProvider(c, o.startLogin(c), tc.user))
		if v.Get("oidc") != "ok" {
			t.Fatalf("%s: the console is told %v", tc.user, v)
		}
		token, _ := o.handOver(c)
		if me := o.me(token); me.Name != tc.user || me.Domain != "acme" || me.Role != tc.role || me.CanShare != tc.share {
			t.Errorf("%s is %+v, want %s of acme", tc.user, me, tc.role)
		}
		if _, status := o.handOver(c); status != http.StatusNotFound {
			t.Errorf("%s: a second hand-over answered %d, want 404", tc.user, status)
		}
		if u := o.user(tc.user); u.Source != "oidc:"+oidcProvName {
			t.Errorf("%s's record: source %q", tc.user, u.Source)
		}
		log, err := os.ReadFile(o.audit)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(log), token) {
			t.Errorf("the audit log holds %s's API token", tc.user)
		}
		if !strings.Contains(string(log), `"actor":"`+tc.user+`"`) || !strings.Contains(string(log), `"action":"oidc_login"`) {
			t.Errorf("the audit log has no login of %s:\n%s", tc.user, log)
		}
	}
}
