package tokenauth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/tokenauth"
)

// ivanPassword is the password of ivan, initech's user, made at run time.
const ivanPassword = "ivan-pw-initech"

// asRoot is the fixture's administrator, as its directory in force has it.
func (f *tokenFixture) asRoot(t *testing.T) grants.Principal {
	t.Helper()
	p, ok := f.grants.Directory().Principal("root")
	if !ok {
		t.Fatal("no root")
	}
	return p
}

// setGroup makes the group name hold exactly members, creating it the
// first time, through the fixture's Grants as root.
func (f *tokenFixture) setGroup(t *testing.T, name string, members ...string) {
	t.Helper()
	ctx, root := context.Background(), f.asRoot(t)
	var err error
	if f.grants.Directory().HasGroup(name) {
		_, err = f.grants.UpdateGroup(ctx, root, name, f.now(), func(s grants.GroupSpec) grants.GroupSpec {
			s.Members = members
			return s
		})
	} else {
		_, err = f.grants.CreateGroup(ctx, root, grants.GroupSpec{Name: name, Members: members}, f.now())
	}
	if err != nil {
		t.Fatalf("group %s with %v: %v", name, members, err)
	}
	v, err := f.grants.Group(root, name)
	if err != nil || !slices.Equal(v.Members, slices.Sorted(slices.Values(members))) {
		t.Fatalf("group %s is %+v, %v; want members %v", name, v, err, members)
	}
}

// groupFixture: the run-time domain initech (namespace initech, user
// ivan, role read) beside the test directory's; the group partners with
// globex alone; acme/web and the namespace prefix acme/sdk/ shared with
// "@partners" permanently, acme/brief until two minutes after testNow;
// the token server's clock, and its authenticator's, at testNow.
func groupFixture(t *testing.T) (*tokenFixture, *httptest.Server) {
	t.Helper()
	f := newTokenFixture(t, tokenauth.AlgES256)
	f.grants.SetPasswordCost(bcrypt.MinCost)
	ctx, root := context.Background(), f.asRoot(t)
	if _, err := f.grants.CreateDomain(ctx, root, grants.DomainSpec{Name: "initech", Namespaces: []string{"initech"}}, testNow); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.grants.CreateUser(ctx, f.asRoot(t), grants.UserSpec{Domain: "initech", Name: "ivan", Role: grants.RoleRead, Password: ivanPassword}, testNow); err != nil {
		t.Fatal(err)
	}
	f.setGroup(t, "partners", "globex")
	partners := grants.GroupRecipient("partners")
	f.share(t, "acme/web", partners, time.Time{})
	f.share(t, "acme/sdk/", partners, time.Time{})
	f.share(t, "acme/brief", partners, testNow.Add(2*time.Minute))
	// Credentials are checked on the fixture's clock too, so that a robot
	// made to expire a day after testNow is current.
	f.serve(t, tokenauth.NewAuthenticator(f.grants, tokenauth.CacheConfig{}, f.now), tokenauth.Config{})
	ts := httptest.NewServer(f.handler)
	t.Cleanup(ts.Close)
	return f, ts
}

// groupScopes are the scopes of TestGroupShareMatrix, each with what a
// user of a member domain is granted; a user of any other domain is
// granted nothing of them.
var groupScopes = []struct {
	name   string
	scopes []string
	member []tokenauth.AccessEntry
}{
	// Actions on the shared repository.
	{"pull", []string{"repository:acme/web:pull"}, pullWeb},
	{"every action", []string{"repository:acme/web:pull,push,delete,*"}, pullWeb},
	{"wildcard", []string{"repository:acme/web:*"}, pullWeb},
	{"push", []string{"repository:acme/web:push"}, nil},
	{"delete", []string{"repository:acme/web:delete"}, nil},
	{"push and delete", []string{"repository:acme/web:push,delete"}, nil},
	{"pull and push in separate scopes", []string{"repository:acme/web:push", "repository:acme/web:pull"}, pullWeb},
	{"unknown actions", []string{"repository:acme/web:PULL,Pull,admin"}, nil},
	{"class plugin", []string{"repository(plugin):acme/web:pull,push"}, pullWeb},
	// Spellings and neighbours of the shared repository.
	{"upper case namespace", []string{"repository:ACME/web:pull"}, nil},
	{"upper case name", []string{"repository:acme/Web:pull"}, nil},
	{"trailing slash", []string{"repository:acme/web/:pull"}, nil},
	{"leading slash", []string{"repository:/acme/web:pull"}, nil},
	{"double slash", []string{"repository:acme//web:pull"}, nil},
	{"dot component", []string{"repository:acme/./web:pull"}, nil},
	{"dot-dot component", []string{"repository:acme/../acme/web:pull"}, nil},
	{"dot-dot from the member's namespace", []string{"repository:globex/../acme/web:pull"}, nil},
	{"percent-encoded separator", []string{"repository:acme%2Fweb:pull"}, nil},
	{"Cyrillic a", []string{"repository:\u0430cme/web:pull"}, nil},
	{"longer name", []string{"repository:acme/web2:pull"}, nil},
	{"below the shared name", []string{"repository:acme/web/sub:pull"}, nil},
	{"prefix of the shared name", []string{"repository:acme/we:pull"}, nil},
	{"the namespace itself", []string{"repository:acme:pull"}, nil},
	{"another repository of the owner", []string{"repository:acme/api:pull"}, nil},
	{"look-alike namespace", []string{"repository:acmex/web:pull"}, nil},
	// Below the namespace share acme/sdk/, and beside it.
	{"below the prefix, every action", []string{"repository:acme/sdk/cli:pull,push,delete,*"}, pullSDK},
	{"below the prefix, wildcard", []string{"repository:acme/sdk/cli:*"}, pullSDK},
	{"below the prefix, push and delete", []string{"repository:acme/sdk/cli:push,delete"}, nil},
	{"two levels below the prefix", []string{"repository:acme/sdk/go/v2:pull,push"}, []tokenauth.AccessEntry{acc("repository", "acme/sdk/go/v2", "pull")}},
	{"the prefix's name", []string{"repository:acme/sdk:pull"}, nil},
	{"the prefix itself", []string{"repository:acme/sdk/:pull"}, nil},
	{"a sibling the prefix's name begins", []string{"repository:acme/sdk2/x:pull"}, nil},
	{"that sibling itself", []string{"repository:acme/sdk2:pull"}, nil},
	{"a name the prefix begins with", []string{"repository:acme/sd:pull"}, nil},
	{"below that name", []string{"repository:acme/sd/k:pull"}, nil},
	{"upper case below the prefix", []string{"repository:acme/SDK/cli:pull"}, nil},
	{"upper case namespace below the prefix", []string{"repository:ACME/sdk/cli:pull"}, nil},
	{"the prefix in a look-alike namespace", []string{"repository:acmex/sdk/cli:pull"}, nil},
	{"dot component below the prefix", []string{"repository:acme/sdk/./cli:pull"}, nil},
	{"dot-dot out of the prefix", []string{"repository:acme/sdk/../secret:pull"}, nil},
	{"dot-dot into the prefix", []string{"repository:acme/secret/../sdk/cli:pull"}, nil},
	{"empty component below the prefix", []string{"repository:acme/sdk//cli:pull"}, nil},
	{"escaped slash after the prefix", []string{"repository:acme/sdk%2Fcli:pull"}, nil},
	// The group's recipient name used as a name.
	{"the group as a repository", []string{"repository:@partners:pull"}, nil},
	{"the group as a namespace", []string{"repository:@partners/x:pull"}, nil},
	{"the group as a namespace, wildcard", []string{"repository:@partners/web:*"}, nil},
	{"the group before the shared name", []string{"repository:@partners/acme/web:pull"}, nil},
	{"the group below the owner", []string{"repository:acme/@partners:pull"}, nil},
	{"the group below the prefix", []string{"repository:acme/sdk/@partners:pull"}, nil},
	{"the group after the shared name", []string{"repository:acme/web@partners:pull"}, nil},
	{"the group's name without @", []string{"repository:partners/x:pull"}, nil},
	{"the group percent-encoded", []string{"repository:%40partners/x:pull"}, nil},
	{"the group as the type", []string{"@partners:acme/web:pull"}, nil},
	// Other resources, and time.
	{"catalog", []string{"registry:catalog:*"}, nil},
	{"share until two minutes on", []string{"repository:acme/brief:pull,push"}, []tokenauth.AccessEntry{acc("repository", "acme/brief", "pull")}},
	// Everything at once: the two pulls, in the order asked.
	{"all attempts in one request", []string{
		"repository:acme/web:pull,push,delete,*", "repository:ACME/web:*", "repository:acme/web/:*",
		"repository:acme/sdk:*", "repository:acme/sdk2/x:*", "repository:@partners/x:*",
		"repository:acme/sdk/cli:pull,push", "registry:catalog:*",
	}, append(slices.Clone(pullWeb), pullSDK...)},
}

// groupAccess is the access claim of a token user gets for scopes, by
// GET and by POST (which must agree), and the token's expiry.
func groupAccess(t *testing.T, f *tokenFixture, ts *httptest.Server, user, password string, scopes []string) ([]tokenauth.AccessEntry, time.Time) {
	t.Helper()
	var got [2][]tokenauth.AccessEntry
	var exp time.Time
	for i, method := range []string{http.MethodGet, http.MethodPost} {
		var r response
		if method == http.MethodGet {
			r = get(t, ts, user, password, query(scopes...))
		} else {
			r = post(t, ts, url.Values{"grant_type": {"password"}, "username": {user}, "password": {password},
				"service": {testService}, "scope": {strings.Join(scopes, " ")}})
		}
		claims, _ := f.parse(t, r.token(t).AccessToken)
		got[i], exp = claims.Access, claims.ExpiresAt.Time
		if got[i] == nil {
			got[i] = []tokenauth.AccessEntry{}
		}
	}
	if !reflect.DeepEqual(got[0], got[1]) {
		t.Errorf("%s %q: GET grants %+v, POST %+v", user, scopes, got[0], got[1])
	}
	return got[0], exp
}

// TestGroupShareMatrix: a share made with the group "@partners" grants a
// user of each member domain, as the group is when the token is issued,
// exactly pull of the shared repository and of names strictly below the
// shared prefix, and nothing else; a user of another domain nothing at
// all. globex leaving the group takes everything from gina in the very
// next token; initech joining gives ivan what gina had.
func TestGroupShareMatrix(t *testing.T) {
	f, ts := groupFixture(t)
	users := map[string]string{"gina": testUsers["gina"].password, "ivan": ivanPassword}
	check := func(phase string, members ...string) {
		t.Helper()
		for _, name := range []string{"gina", "ivan"} {
			domain := map[string]string{"gina": "globex", "ivan": "initech"}[name]
			member := slices.Contains(members, domain)
			for _, c := range groupScopes {
				want := []tokenauth.AccessEntry{}
				if member && c.member != nil {
					want = c.member
				}
				got, exp := groupAccess(t, f, ts, name, users[name], c.scopes)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s, %s (%s member: %v), %s %q: access %+v, want %+v", phase, name, domain, member, c.name, c.scopes, got, want)
				}
				wantExp := testNow.Add(testTTL)
				if len(want) > 0 && c.name == "share until two minutes on" {
					wantExp = testNow.Add(2*time.Minute - testLeeway)
				}
				if !exp.Equal(wantExp) {
					t.Errorf("%s, %s, %s: exp %v, want %v", phase, name, c.name, exp.UTC(), wantExp)
				}
			}
		}
		// Each one's own namespace is theirs throughout: the tokens above
		// were issued to them, only without the group's grants.
		for name, repo := range map[string]string{"gina": "globex/app", "ivan": "initech/app"} {
			if got, _ := groupAccess(t, f, ts, name, users[name], []string{"repository:" + repo + ":pull,push"}); !reflect.DeepEqual(got, []tokenauth.AccessEntry{acc("repository", repo, "pull")}) {
				t.Errorf("%s, %s on %s: %+v", phase, name, repo, got)
			}
		}
	}
	check("globex in the group", "globex")
	f.setGroup(t, "partners")
	check("the group empty")
	f.setGroup(t, "partners", "initech")
	check("initech in the group", "initech")
	f.setGroup(t, "partners", "globex", "initech")
	check("both in the group", "globex", "initech")
}

// No credential or account names the group: it is a recipient, not a
// user.
func TestGroupShareNotALogin(t *testing.T) {
	_, ts := groupFixture(t)
	scope := "repository:acme/web:pull"
	get(t, ts, "@partners", testUsers["gina"].password, query(scope)).error(t, http.StatusUnauthorized)
	get(t, ts, "partners", testUsers["gina"].password, query(scope)).error(t, http.StatusUnauthorized)
	q := query(scope)
	q.Set("account", "@partners")
	get(t, ts, "gina", testUsers["gina"].password, q).error(t, http.StatusBadRequest)
}

// TestGroupShareRobot: a robot of a member domain pulls a group-shared
// repository only where its permissions name it, never more than pull,
// and loses it in the next token once its domain leaves the group; the
// domain joining again gives it back, as the permission still names it.
func TestGroupShareRobot(t *testing.T) {
	f, ts := groupFixture(t)
	_, secret, err := f.grants.CreateRobot(context.Background(), f.asRoot(t), grants.RobotSpec{
		Domain: "globex", Name: "ci", Expires: testNow.Add(24 * time.Hour),
		Permissions: []grants.Permission{
			{Repository: "acme/web", Actions: []string{"pull"}},
			{Repository: "acme/sdk/cli", Actions: []string{"pull"}},
		},
	}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	login := grants.RobotLogin("globex", "ci")
	cases := []struct {
		scope string
		want  []tokenauth.AccessEntry // while globex is a member
	}{
		{"repository:acme/web:pull,push,delete,*", pullWeb},
		{"repository:acme/web:push", nil},
		{"repository:acme/sdk/cli:*", pullSDK},
		{"repository:acme/sdk/go:pull", nil},    // below the shared prefix, not named by the robot
		{"repository:acme/sdk/cli/x:pull", nil}, // below a name it holds
		{"repository:acme/brief:pull", nil},     // shared with the group, not named by the robot
		{"repository:acme/web2:pull", nil},
		{"repository:@partners/x:pull", nil},
	}
	check := func(phase string, member bool) {
		t.Helper()
		for _, c := range cases {
			want := []tokenauth.AccessEntry{}
			if member && c.want != nil {
				want = c.want
			}
			if got, _ := groupAccess(t, f, ts, login, secret, []string{c.scope}); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: robot %s, %q: access %+v, want %+v", phase, login, c.scope, got, want)
			}
		}
	}
	check("globex in the group", true)
	f.setGroup(t, "partners", "initech")
	check("globex gone from the group", false)
	f.setGroup(t, "partners", "initech", "globex")
	check("globex back in the group", true)

	// A robot of a domain outside the group cannot be given the permission.
	f.setGroup(t, "partners", "initech")
	_, _, err = f.grants.CreateRobot(context.Background(), f.asRoot(t), grants.RobotSpec{
		Domain: "globex", Name: "late", Expires: testNow.Add(24 * time.Hour),
		Permissions: []grants.Permission{{Repository: "acme/web", Actions: []string{"pull"}}},
	}, testNow)
	if err == nil {
		t.Error("a robot of a domain outside the group was given pull of acme/web")
	}
}
