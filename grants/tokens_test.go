package grants_test

import (
	"errors"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
)

// tokenLogin logs in with a personal access token of login's.
func tokenLogin(t *testing.T, g *grants.Grants, login, secret string, at time.Time) grants.Principal {
	t.Helper()
	p, ok := g.Directory().TokenPrincipal(login, secret, at)
	if !ok {
		t.Fatalf("%s cannot log in with the token", login)
	}
	return p
}

func decide(g *grants.Grants, p grants.Principal, repo, action string) grants.Decision {
	return g.Authorize(p, []grants.Access{{Type: "repository", Name: repo, Actions: []string{action}}}, now)[0]
}

func TestAccessTokenDecisions(t *testing.T) {
	g := accountsFixture(t)
	walt := lookup(t, g, "walt") // acme, write
	expires := now.Add(10 * 24 * time.Hour)
	// Unnarrowed: the owner's rights, until the token expires.
	whole, secret, err := g.CreateAccessToken(ctx, walt, grants.AccessTokenSpec{Label: "laptop", Expires: expires}, 0, now)
	if err != nil || whole.Digest != "" || whole.Owner != "walt" || !grants.WellFormedSecret(secret) {
		t.Fatalf("CreateAccessToken = %+v, %q, %v", whole, secret, err)
	}
	p := tokenLogin(t, g, "walt", secret, now)
	if !p.ViaToken() || p.Name != "walt" {
		t.Fatalf("principal %+v", p)
	}
	// Narrowed: pull of acme/web only.
	_, narrow, err := g.CreateAccessToken(ctx, walt, grants.AccessTokenSpec{Label: "ci",
		Permissions: []grants.Permission{{Repository: "acme/web", Actions: []string{"pull"}}}}, 0, now)
	if err != nil {
		t.Fatal(err)
	}
	n := tokenLogin(t, g, "walt", narrow, now)
	for _, tc := range []struct {
		p        grants.Principal
		repo, ak string
		want     []string
		deadline time.Time
	}{
		{p, "acme/web", "push", []string{"push"}, expires},
		{p, "acme/web", "delete", nil, time.Time{}}, // the owner's role has no delete
		{p, "globex/app", "pull", nil, time.Time{}}, // not shared with acme? it is: see below
		{n, "acme/web", "pull", []string{"pull"}, now.Add(grants.DefaultTokenLifetime)},
		{n, "acme/web", "push", nil, time.Time{}},
		{n, "acme/team/api", "pull", nil, time.Time{}},
	} {
		if tc.repo == "globex/app" {
			tc.want, tc.deadline = []string{"pull"}, expires // globex/app is shared with acme, permanently
		}
		d := decide(g, tc.p, tc.repo, tc.ak)
		if !sameActions(d.Actions, tc.want) || !d.Deadline.Equal(tc.deadline) {
			t.Errorf("%s %s %s: granted %q until %v, want %q until %v", tc.p.Token.Label, tc.ak, tc.repo, d.Actions, d.Deadline, tc.want, tc.deadline)
		}
	}
	// Neither the wrong secret, another's name, nor the expired token.
	if _, ok := g.Directory().TokenPrincipal("alice", secret, now); ok {
		t.Error("walt's token logs alice in")
	}
	if _, ok := g.Directory().TokenPrincipal("walt", grants.NewRobotSecret(), now); ok {
		t.Error("a made-up secret logs in")
	}
	if _, ok := g.Directory().TokenPrincipal("walt", secret, expires); ok {
		t.Error("an expired token logs in")
	}
	// A token is no owner of tokens.
	if _, _, err := g.CreateAccessToken(ctx, p, grants.AccessTokenSpec{Label: "x"}, 0, now); !errors.Is(err, grants.ErrTokenOwner) {
		t.Errorf("a token makes a token: %v", err)
	}
	// Revoked: nothing at once, for the principal already logged in too.
	if err := g.RevokeAccessToken(ctx, walt, whole.ID, now); err != nil {
		t.Fatal(err)
	}
	if d := decide(g, p, "acme/web", "pull"); d.Actions != nil {
		t.Errorf("a revoked token is granted %q", d.Actions)
	}
	if _, ok := g.Directory().TokenPrincipal("walt", secret, now); ok {
		t.Error("a revoked token logs in")
	}
	if d := decide(g, n, "acme/web", "pull"); d.Actions == nil {
		t.Error("revoking one token ended another")
	}
}

func TestAccessTokenRefusals(t *testing.T) {
	g := accountsFixture(t)
	rita, walt := lookup(t, g, "rita"), lookup(t, g, "walt") // acme read, acme write
	for _, tc := range []struct {
		who  grants.Principal
		spec grants.AccessTokenSpec
		want error
	}{
		{walt, grants.AccessTokenSpec{}, grants.ErrInvalid},
		{walt, grants.AccessTokenSpec{Label: "x", Expires: now}, grants.ErrInvalid},
		{walt, grants.AccessTokenSpec{Label: "x", Expires: now.Add(400 * 24 * time.Hour)}, grants.ErrInvalid},
		{rita, grants.AccessTokenSpec{Label: "x", Permissions: []grants.Permission{{Repository: "acme/web", Actions: []string{"push"}}}}, grants.ErrRobotPermission},
		{walt, grants.AccessTokenSpec{Label: "x", Permissions: []grants.Permission{{Repository: "acme/web", Actions: []string{"delete"}}}}, grants.ErrRobotPermission},
		{walt, grants.AccessTokenSpec{Label: "x", Permissions: []grants.Permission{{Repository: "initech/app", Actions: []string{"pull"}}}}, grants.ErrRobotPermission},
		{walt, grants.AccessTokenSpec{Label: "x", Permissions: []grants.Permission{{Repository: "globex/app", Actions: []string{"push"}}}}, grants.ErrRobotPermission},
	} {
		if _, _, err := g.CreateAccessToken(ctx, tc.who, tc.spec, 0, now); !errors.Is(err, tc.want) {
			t.Errorf("%s %+v: %v, want %v", tc.who.Name, tc.spec, err, tc.want)
		}
	}
	// A pull of a repository shared with the domain may be a permission.
	if _, _, err := g.CreateAccessToken(ctx, walt, grants.AccessTokenSpec{Label: "x", Permissions: []grants.Permission{{Repository: "globex/app", Actions: []string{"pull"}}}}, 0, now); err != nil {
		t.Errorf("a shared pull: %v", err)
	}
	for i := 1; i < grants.MaxTokensPerUser; i++ {
		if _, _, err := g.CreateAccessToken(ctx, walt, grants.AccessTokenSpec{Label: "x"}, 0, now); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := g.CreateAccessToken(ctx, walt, grants.AccessTokenSpec{Label: "x"}, 0, now); !errors.Is(err, grants.ErrTooManyAccounts) {
		t.Errorf("token %d: %v", grants.MaxTokensPerUser+1, err)
	}
	if err := g.RevokeAccessToken(ctx, rita, "nosuchid", now); !errors.Is(err, grants.ErrNoAccount) {
		t.Errorf("revoke an unknown token: %v", err)
	}
	ts, _ := g.AccessTokens(walt)
	if err := g.RevokeAccessToken(ctx, rita, ts[0].ID, now); !errors.Is(err, grants.ErrNoAccount) {
		t.Errorf("rita revokes walt's token: %v", err)
	}
	if own, _ := g.AccessTokens(rita); len(own) != 0 {
		t.Errorf("rita lists %d tokens", len(own))
	}
}

// TestAccessTokenEndsWithOwner: a token ends with its owner's account, and
// the account made again under the same name does not inherit it.
func TestAccessTokenEndsWithOwner(t *testing.T) {
	g := accountsFixture(t)
	alice := lookup(t, g, "alice")
	if _, _, err := g.CreateUser(ctx, alice, grants.UserSpec{Domain: "acme", Name: "dora", Role: grants.RoleWrite, Password: "dora-password"}, now); err != nil {
		t.Fatal(err)
	}
	dora := lookup(t, g, "dora")
	_, secret, err := g.CreateAccessToken(ctx, dora, grants.AccessTokenSpec{Label: "ci"}, 0, now)
	if err != nil {
		t.Fatal(err)
	}
	p := tokenLogin(t, g, "dora", secret, now)
	yes := true
	if _, err := g.UpdateUser(ctx, alice, "acme", "dora", grants.UserUpdate{Disabled: &yes}, now); err != nil {
		t.Fatal(err)
	}
	if _, ok := g.Directory().TokenPrincipal("dora", secret, now); ok {
		t.Error("a disabled owner's token logs in")
	}
	if d := decide(g, p, "acme/web", "pull"); d.Actions != nil {
		t.Errorf("a disabled owner's token is granted %q", d.Actions)
	}
	if err := g.DeleteUser(ctx, alice, "acme", "dora", now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := g.CreateUser(ctx, alice, grants.UserSpec{Domain: "acme", Name: "dora", Role: grants.RoleWrite, Password: "dora-password"}, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, ok := g.Directory().TokenPrincipal("dora", secret, now); ok {
		t.Error("a user made again inherits the deleted one's token")
	}
	if ts, _ := g.AccessTokens(lookup(t, g, "dora")); len(ts) != 0 {
		t.Errorf("the new dora has %d tokens", len(ts))
	}
}
