package tokenauth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/tokenauth"
)

// matrixFixture: acme/web and the namespace prefix acme/sdk/ are shared
// with globex (permanently); acme/old and the prefix acme/past/ were
// shared with globex until an hour before testNow. gina is a globex user.
func matrixFixture(t *testing.T) (*tokenFixture, *httptest.Server) {
	t.Helper()
	f := newTokenFixture(t, tokenauth.AlgES256)
	f.share(t, "acme/web", "globex", time.Time{})
	f.share(t, "acme/sdk/", "globex", time.Time{})
	alice, _ := f.grants.Directory().Principal("alice")
	for _, repo := range []string{"acme/old", "acme/past/"} {
		if _, err := f.grants.Create(context.Background(), alice, grants.Share{
			Repository: repo, Recipient: "globex", Permit: grants.PermitRead, Deadline: testNow.Add(-time.Hour),
		}, testNow.Add(-2*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	ts := httptest.NewServer(f.handler)
	t.Cleanup(ts.Close)
	return f, ts
}

// pullWeb is the only thing a recipient may ever be granted of acme/web,
// and pullSDK of acme/sdk/cli, below the namespace share acme/sdk/.
var (
	pullWeb = []tokenauth.AccessEntry{acc("repository", "acme/web", "pull")}
	pullSDK = []tokenauth.AccessEntry{acc("repository", "acme/sdk/cli", "pull")}
)

// TestRecipientMatrix tries, as a user of the domain acme/web is shared
// with, every way around pull-only through GET /token, and checks exactly
// what the signed token's access claim grants. Registry-side refusals of
// tokens used for the wrong purpose are in cmd/regshare
// (TestDockerLoginRefreshFlow, TestAPIToken).
func TestRecipientMatrix(t *testing.T) {
	f, ts := matrixFixture(t)
	none := []tokenauth.AccessEntry{}
	tests := []struct {
		name   string
		scopes []string
		want   []tokenauth.AccessEntry
	}{
		// Actions.
		{"every action in one scope", []string{"repository:acme/web:pull,push,delete,*"}, pullWeb},
		{"wildcard", []string{"repository:acme/web:*"}, pullWeb},
		{"push and delete only", []string{"repository:acme/web:push,delete"}, none},
		{"unknown action", []string{"repository:acme/web:PULL,admin,Pull"}, none},
		{"pull and push in separate scopes", []string{"repository:acme/web:push", "repository:acme/web:pull"}, pullWeb},
		{"pull, then push in the same value", []string{"repository:acme/web:pull repository:acme/web:push,delete"}, pullWeb},
		// Spellings of the same repository.
		{"upper case namespace", []string{"repository:ACME/web:pull"}, none},
		{"upper case name", []string{"repository:acme/Web:pull"}, none},
		{"trailing slash", []string{"repository:acme/web/:pull"}, none},
		{"leading slash", []string{"repository:/acme/web:pull"}, none},
		{"double slash", []string{"repository:acme//web:pull"}, none},
		{"dot component", []string{"repository:acme/./web:pull"}, none},
		{"dot-dot component", []string{"repository:acme/../acme/web:pull"}, none},
		{"dot-dot to another namespace", []string{"repository:globex/../acme/web:pull"}, none},
		{"escaped slash, lower case", []string{"repository:acme/web%2f:pull"}, none},
		{"percent-encoded separator", []string{"repository:acme%2Fweb:pull"}, none},
		{"double-encoded separator", []string{"repository:acme%252Fweb:pull"}, none},
		{"registry host prefix", []string{"repository:localhost:5000/acme/web:pull"}, none},
		{"docker.io prefix", []string{"repository:docker.io/acme/web:pull"}, none},
		{"Cyrillic a", []string{"repository:\u0430cme/web:pull"}, none},
		{"fullwidth letters", []string{"repository:\uff41\uff43\uff4d\uff45/\uff57\uff45\uff42:pull"}, none},
		{"zero-width space", []string{"repository:acme/w\u200beb:pull"}, none},
		{"NUL byte", []string{"repository:acme/web\x00:pull"}, none},
		{"tag in the name", []string{"repository:acme/web:latest:pull"}, none},
		{"digest in the name", []string{"repository:acme/web@sha256:0000:pull"}, none},
		// Neighbours of the shared name.
		{"longer name", []string{"repository:acme/web2:pull"}, none},
		{"below the shared name", []string{"repository:acme/web/sub:pull"}, none},
		{"prefix of the shared name", []string{"repository:acme/we:pull"}, none},
		{"the namespace itself", []string{"repository:acme:pull"}, none},
		{"another repository of the owner", []string{"repository:acme/api:pull"}, none},
		// Below the namespace share acme/sdk/: pull only.
		{"below the prefix, every action", []string{"repository:acme/sdk/cli:pull,push,delete,*"}, pullSDK},
		{"below the prefix, wildcard", []string{"repository:acme/sdk/cli:*"}, pullSDK},
		{"below the prefix, push and delete only", []string{"repository:acme/sdk/cli:push,delete"}, none},
		{"below the prefix, class plugin", []string{"repository(plugin):acme/sdk/cli:push,pull"}, pullSDK},
		{"two levels below the prefix", []string{"repository:acme/sdk/go/v2:pull,push"}, []tokenauth.AccessEntry{acc("repository", "acme/sdk/go/v2", "pull")}},
		// Just outside it, and spellings of names below it.
		{"the prefix's name", []string{"repository:acme/sdk:pull"}, none},
		{"the prefix itself", []string{"repository:acme/sdk/:pull"}, none},
		{"a sibling the prefix's name begins", []string{"repository:acme/sdk2/x:pull"}, none},
		{"that sibling itself", []string{"repository:acme/sdk2:pull"}, none},
		{"a name the prefix begins with", []string{"repository:acme/sd:pull"}, none},
		{"below that name", []string{"repository:acme/sd/k:pull"}, none},
		{"beside the prefix", []string{"repository:acme/secret:pull"}, none},
		{"upper case below the prefix", []string{"repository:acme/SDK/cli:pull"}, none},
		{"upper case namespace below the prefix", []string{"repository:ACME/sdk/cli:pull"}, none},
		{"dot component below the prefix", []string{"repository:acme/sdk/./cli:pull"}, none},
		{"dot-dot out of the prefix", []string{"repository:acme/sdk/../secret:pull"}, none},
		{"dot-dot into the prefix", []string{"repository:acme/secret/../sdk/cli:pull"}, none},
		{"empty component below the prefix", []string{"repository:acme/sdk//cli:pull"}, none},
		{"trailing slash below the prefix", []string{"repository:acme/sdk/cli/:pull"}, none},
		{"escaped slash after the prefix", []string{"repository:acme/sdk%2Fcli:pull"}, none},
		{"escaped separators", []string{"repository:acme%2Fsdk%2Fcli:pull"}, none},
		{"double-escaped slash after the prefix", []string{"repository:acme/sdk%252Fcli:pull"}, none},
		{"the prefix in a look-alike namespace", []string{"repository:acmex/sdk/cli:pull"}, none},
		{"registry host before the prefix", []string{"repository:localhost:5000/acme/sdk/cli:pull"}, none},
		{"expired namespace share", []string{"repository:acme/past/x:pull"}, none},
		{"all prefix attempts in one request", []string{
			"repository:acme/sdk:*", "repository:acme/sdk/:*", "repository:acme/sdk2/x:*", "repository:acme/sd:*",
			"repository:acme/SDK/cli:*", "repository:acme/sdk/../secret:*", "repository:acme/past/x:*",
			"repository:acme/sdk/cli:push,delete", "repository:acme/sdk/cli:pull,push",
		}, pullSDK},
		// Other resource types and classes.
		{"catalog", []string{"registry:catalog:*"}, none},
		{"catalog, pull", []string{"registry:catalog:pull"}, none},
		{"unknown type", []string{"foo:acme/web:pull"}, none},
		{"type in upper case", []string{"Repository:acme/web:pull"}, none},
		// The registry ignores the class, so the grant is written with the
		// bare type "repository" (a "repository(plugin)" type would never match).
		{"class plugin", []string{"repository(plugin):acme/web:pull"}, pullWeb},
		{"class plugin, push", []string{"repository(plugin):acme/web:pull,push,delete"}, pullWeb},
		{"class on an unshared name", []string{"repository(plugin):acme/api:pull"}, none},
		// Time.
		{"expired share", []string{"repository:acme/old:pull"}, none},
		// Everything at once: the one pull, and only it.
		{"all attempts in one request", []string{
			"repository:acme/web:pull,push,delete,*", "repository:ACME/web:*", "repository:acme/web/:*",
			"repository:acme/web2:*", "repository:acme/old:pull", "registry:catalog:*", "repository(plugin):acme/web:push",
		}, pullWeb},
		// Control: gina's own domain (role read).
		{"own namespace", []string{"repository:globex/app:pull,push,delete"}, []tokenauth.AccessEntry{acc("repository", "globex/app", "pull")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				var r response
				if method == http.MethodGet {
					r = get(t, ts, "gina", testUsers["gina"].password, query(tt.scopes...))
				} else {
					r = post(t, ts, url.Values{"grant_type": {"password"}, "username": {"gina"}, "password": {testUsers["gina"].password},
						"service": {testService}, "scope": {strings.Join(tt.scopes, " ")}})
				}
				claims, _ := f.parse(t, r.token(t).AccessToken)
				if claims.Access == nil {
					claims.Access = []tokenauth.AccessEntry{}
				}
				if !reflect.DeepEqual(claims.Access, tt.want) {
					t.Errorf("%s %q: access %+v, want %+v", method, tt.scopes, claims.Access, tt.want)
				}
				// "access" is always written, as a list.
				if raw := string(rawClaims(t, r.token(t).AccessToken)["access"]); !strings.HasPrefix(raw, "[") {
					t.Errorf("%s: access claim %s is not a list", method, raw)
				}
			}
		})
	}
}

// The query is decoded once, as the registry decodes what it checks: a
// scope whose separator was percent-encoded in the query string names
// acme/web itself, and one encoded twice names "acme%2Fweb", which is
// nothing.
func TestRecipientMatrixRawQuery(t *testing.T) {
	f, ts := matrixFixture(t)
	for _, c := range []struct {
		raw  string
		want []tokenauth.AccessEntry
	}{
		{"scope=repository:acme%2Fweb:pull,push", pullWeb},
		{"scope=repository%3Aacme%2Fweb%3Apull%2Cpush%2Cdelete", pullWeb},
		{"scope=repository:acme%252Fweb:pull", []tokenauth.AccessEntry{}},
		{"scope=repository:acme/web%00:pull", []tokenauth.AccessEntry{}},
		{"scope=repository:acme/web:pull&scope=repository:acme/web:push", pullWeb},
		{"scope=repository:acme%2Fsdk%2Fcli:pull,push", pullSDK},
		{"scope=repository:acme%2Fsdk%252Fcli:pull", []tokenauth.AccessEntry{}},
		{"scope=repository:acme%2Fsdk:pull", []tokenauth.AccessEntry{}},
	} {
		req, err := http.NewRequest(http.MethodGet, ts.URL+"/token?service="+testService+"&"+c.raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth("gina", testUsers["gina"].password)
		claims, _ := f.parse(t, do(t, ts.Client(), req).token(t).Token)
		if claims.Access == nil {
			claims.Access = []tokenauth.AccessEntry{}
		}
		if !reflect.DeepEqual(claims.Access, c.want) {
			t.Errorf("%s: access %+v, want %+v", c.raw, claims.Access, c.want)
		}
	}
}

// Requests a recipient cannot turn into a token at all: another user's
// account, another service, tokens in place of credentials.
func TestRecipientMatrixRefused(t *testing.T) {
	_, ts := matrixFixture(t)
	ginaPW := testUsers["gina"].password
	scope := "repository:acme/web:pull,push"
	for _, c := range []struct {
		name   string
		q      url.Values
		status int
	}{
		{"account of the owner's manager", url.Values{"service": {testService}, "scope": {scope}, "account": {"alice"}}, 400},
		{"account in another case", url.Values{"service": {testService}, "scope": {scope}, "account": {"GINA"}}, 400},
		{"account with a suffix", url.Values{"service": {testService}, "scope": {scope}, "account": {"gina\x00alice"}}, 400},
		{"another service", url.Values{"service": {"other.example"}, "scope": {scope}}, 400},
		{"the service in upper case", url.Values{"service": {strings.ToUpper(testService)}, "scope": {scope}}, 400},
		{"the service with a suffix", url.Values{"service": {testService + ".evil"}, "scope": {scope}}, 400},
		{"the refresh audience as service", url.Values{"service": {"regshare-refresh"}, "scope": {scope}}, 400},
		{"a malformed scope among good ones", url.Values{"service": {testService}, "scope": {scope, "repository(plugin:acme/web:pull"}}, 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := get(t, ts, "gina", ginaPW, c.q)
			r.error(t, c.status)
			if strings.Contains(string(r.body), `"token"`) {
				t.Errorf("a refused request carries a token: %s", r.body)
			}
		})
	}

	// gina's own account is fine.
	get(t, ts, "gina", ginaPW, url.Values{"service": {testService}, "scope": {scope}, "account": {"gina"}}).token(t)
}

// A token issued for one purpose does not serve another: the refresh token
// is audience "regshare-refresh" and grants nothing; an access token or an
// API token is no refresh token; a refresh token is no password.
func TestRecipientTokensForOnePurpose(t *testing.T) {
	f, ts := matrixFixture(t)
	ginaPW := testUsers["gina"].password
	q := query("repository:acme/web:pull,push")
	q.Set("offline_token", "true")
	tr := get(t, ts, "gina", ginaPW, q).token(t)
	if tr.RefreshToken == "" {
		t.Fatal("no refresh token")
	}

	// What the registry verifies: aud must contain the service. The refresh
	// token's does not, and it has no access claim.
	raw := rawClaims(t, tr.RefreshToken)
	if string(raw["aud"]) != `["regshare-refresh"]` {
		t.Errorf("refresh token aud %s, want [\"regshare-refresh\"]", raw["aud"])
	}
	if _, ok := raw["access"]; ok {
		t.Errorf("refresh token has an access claim %s", raw["access"])
	}

	api := get(t, ts, "gina", ginaPW, url.Values{"service": {tokenauth.DefaultAPIService}, "scope": {"repository:acme/web:pull"}}).token(t)
	if raw := rawClaims(t, api.Token); string(raw["aud"]) != `["regshare-api"]` || raw["access"] != nil {
		t.Errorf("API token aud %s access %s, want [\"regshare-api\"] and no access claim", raw["aud"], raw["access"])
	}

	for _, c := range []struct{ name, token string }{
		{"access token", tr.AccessToken},
		{"API token", api.Token},
		{"refresh token with its signature cut", tr.RefreshToken[:strings.LastIndexByte(tr.RefreshToken, '.')+1]},
	} {
		r := post(t, ts, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {c.token}, "service": {testService}, "scope": {"repository:acme/web:pull"}})
		r.error(t, http.StatusUnauthorized)
	}
	// The refresh token as a password, and as a Bearer credential.
	get(t, ts, "gina", tr.RefreshToken, query("repository:acme/web:pull")).error(t, http.StatusUnauthorized)
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/token?"+query("repository:acme/web:pull").Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+tr.RefreshToken)
	do(t, ts.Client(), req).error(t, http.StatusBadRequest)

	// And the refresh grant itself still gives pull only.
	r := post(t, ts, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken}, "service": {testService}, "scope": {"repository:acme/web:pull,push,delete,*"}})
	claims, _ := f.parse(t, r.token(t).AccessToken)
	if !reflect.DeepEqual(claims.Access, pullWeb) {
		t.Errorf("refresh grant: access %+v, want %+v", claims.Access, pullWeb)
	}
}

// FuzzRecipientScope: whatever scope a recipient asks, the answer is a
// token or a 400, and the token never grants anything of acme but pull on
// acme/web and on valid names strictly below the namespace share
// acme/sdk/, nor any action of globex beyond gina's role (read).
func FuzzRecipientScope(f *testing.F) {
	fx := newTokenFixture(f, tokenauth.AlgES256)
	fx.share(f, "acme/web", "globex", time.Time{})
	fx.share(f, "acme/sdk/", "globex", time.Time{})
	for _, s := range []string{
		"repository:acme/web:pull,push,delete,*",
		"repository:ACME/web:pull",
		"repository:acme/web/:pull",
		"repository:acme//web:*",
		"repository:acme/../acme/web:*",
		"repository:acme%2Fweb:pull",
		"repository:localhost:5000/acme/web:pull",
		"repository:\u0430cme/web:pull",
		"repository:acme/web2:pull",
		"repository(plugin):acme/web:*",
		"registry:catalog:*",
		"foo:acme/web:pull",
		"repository:globex/app:*",
		"repository:acme/web:pull repository:acme/web:push",
		"repository:acme/sdk/cli:pull,push,delete,*",
		"repository:acme/sdk:pull",
		"repository:acme/sdk/:pull",
		"repository:acme/sdk2/x:pull",
		"repository:acme/sd:pull",
		"repository:acme/SDK/cli:pull",
		"repository:acme/sdk/../secret:*",
		"repository:acme/sdk/./cli:*",
		"repository:acme/sdk//cli:*",
		"repository:acme%2Fsdk%2Fcli:pull",
		"repository(plugin):acme/sdk/go/v2:*",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, scope string) {
		req := httptest.NewRequest(http.MethodGet, "/token?"+query(scope).Encode(), nil)
		req.SetBasicAuth("gina", testUsers["gina"].password)
		rec := httptest.NewRecorder()
		fx.handler.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusBadRequest:
			return
		case http.StatusOK:
		default:
			t.Fatalf("scope %q: status %d %s", scope, rec.Code, rec.Body)
		}
		claims, _ := fx.parse(t, response{rec.Code, rec.Header(), rec.Body.Bytes()}.token(t).Token)
		for _, a := range claims.Access {
			below := func(prefix string) bool {
				return strings.HasPrefix(a.Name, prefix) && len(a.Name) > len(prefix) && grants.ValidateRepository(a.Name) == nil
			}
			ok := a.Type == "repository" && reflect.DeepEqual(a.Actions, []string{"pull"}) &&
				(a.Name == "acme/web" || below("acme/sdk/") || below("globex/"))
			if !ok {
				t.Fatalf("scope %q granted %+v", scope, a)
			}
		}
	})
}
