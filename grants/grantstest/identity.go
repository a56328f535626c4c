package grantstest

import (
	"slices"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
)

// testReopenIdentity: a provider-managed user and personal access tokens
// survive a Close and a new open: the user keeps its source, domain and
// groups; a token still logs in and decides as before; a token revoked
// before the close stays revoked.
func testReopenIdentity(t *testing.T, open func(t *testing.T, dir string) grants.Store) {
	at := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	st := open(t, dir)
	g := groupGrants(t, st)
	lee, err := g.ProvisionUser(t.Context(), grants.ProvisionSpec{Source: "ldap", Name: "lee", Groups: []string{"acme-dev"}, Domain: "acme", Role: grants.RoleWrite}, at)
	if err != nil {
		t.Fatalf("ProvisionUser: %v", err)
	}
	narrow := []grants.Permission{{Repository: "acme/web", Actions: []string{"pull"}}}
	_, kept, err := g.CreateAccessToken(t.Context(), lee, grants.AccessTokenSpec{Label: "ci", Permissions: narrow}, 0, at)
	if err != nil {
		t.Fatalf("CreateAccessToken: %v", err)
	}
	gone, revoked, err := g.CreateAccessToken(t.Context(), lee, grants.AccessTokenSpec{Label: "old"}, 0, at)
	if err != nil {
		t.Fatalf("CreateAccessToken: %v", err)
	}
	if err := g.RevokeAccessToken(t.Context(), lee, gone.ID, at); err != nil {
		t.Fatalf("RevokeAccessToken: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	st = open(t, dir)
	defer st.Close()
	g = groupGrants(t, st)
	u, ok := g.Directory().User("lee")
	if !ok || u.Source != "ldap" || u.Domain != "acme" || u.Role != grants.RoleWrite || !slices.Equal(u.Groups, []string{"acme-dev"}) {
		t.Fatalf("after the reopen, lee is %+v (%v)", u, ok)
	}
	p, ok := g.Directory().TokenPrincipal("lee", kept, at)
	if !ok {
		t.Fatal("after the reopen, the token does not log in")
	}
	for repo, want := range map[string][]string{"acme/web": {"pull"}, "acme/sdk/cli": nil} {
		d := g.Authorize(p, []grants.Access{{Type: grants.TypeRepository, Name: repo, Actions: []string{"pull", "push"}}}, at)
		if !slices.Equal(d[0].Actions, want) {
			t.Errorf("after the reopen, the token is granted %v on %s, want %v", d[0].Actions, repo, want)
		}
	}
	if _, ok := g.Directory().TokenPrincipal("lee", revoked, at); ok {
		t.Error("after the reopen, a revoked token logs in")
	}
}
