package grants_test

import (
	"errors"
	"slices"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
)

func TestProvisionUser(t *testing.T) {
	g := accountsFixture(t)
	spec := grants.ProvisionSpec{Source: "oidc:corp", Name: "pat@example.com", Groups: []string{"dev", "acme-dev", "dev"}, Domain: "acme", Role: grants.RoleWrite}
	p, err := g.ProvisionUser(ctx, spec, now)
	if err != nil || p.Domain != "acme" || p.Role != grants.RoleWrite || p.Source != "oidc:corp" || !slices.Equal(p.Groups, []string{"acme-dev", "dev"}) {
		t.Fatalf("ProvisionUser = %+v, %v", p.User, err)
	}
	if d := decide(g, p, "acme/web", "push"); !sameActions(d.Actions, []string{"push"}) {
		t.Errorf("granted %q", d.Actions)
	}
	// No password logs a provider-managed user in: the hash is a stamp.
	if err := bcrypt.CompareHashAndPassword(p.PasswordHash, nil); err == nil || p.PasswordHash[0] != '!' {
		t.Errorf("the password hash of a provider-managed user: %v", err)
	}
	// The same again writes nothing: the principal stays current.
	if _, err := g.ProvisionUser(ctx, spec, now); err != nil {
		t.Fatal(err)
	}
	if d := decide(g, p, "acme/web", "pull"); d.Actions == nil {
		t.Error("an unchanged login ended the earlier principal")
	}
	// New groups move them: the earlier principal is granted nothing.
	spec.Domain, spec.Role, spec.Groups = "globex", grants.RoleRead, []string{"globex-readers"}
	moved, err := g.ProvisionUser(ctx, spec, now)
	if err != nil || moved.Domain != "globex" || moved.Role != grants.RoleRead {
		t.Fatalf("moved = %+v, %v", moved.User, err)
	}
	if d := decide(g, p, "acme/web", "push"); d.Actions != nil {
		t.Errorf("the principal of the old mapping is granted %q", d.Actions)
	}
	// Their domain's managers may disable them, not give them a role.
	gina := lookup(t, g, "gina")
	manage := grants.RoleManage
	if _, err := g.UpdateUser(ctx, gina, "globex", "pat@example.com", grants.UserUpdate{Role: &manage}, now); !errors.Is(err, grants.ErrProviderManaged) {
		t.Errorf("a role given to a provider-managed user: %v", err)
	}
	if _, err := g.ResetPassword(ctx, gina, "globex", "pat@example.com", now); !errors.Is(err, grants.ErrProviderManaged) {
		t.Errorf("a provider-managed user's password reset: %v", err)
	}
	yes := true
	if _, err := g.UpdateUser(ctx, gina, "globex", "pat@example.com", grants.UserUpdate{Disabled: &yes}, now); err != nil {
		t.Fatal(err)
	}
	if _, err := g.ProvisionUser(ctx, spec, now); !errors.Is(err, grants.ErrDisabled) {
		t.Errorf("a disabled user logs in again: %v", err)
	}
	users, _ := g.Users(gina, "globex")
	if i := slices.IndexFunc(users, func(u grants.User) bool { return u.Name == "pat@example.com" }); i < 0 || !users[i].Disabled {
		t.Error("the provider's login re-enabled a user disabled here")
	}
}

func TestProvisionUserRefusals(t *testing.T) {
	g := accountsFixture(t)
	ok := grants.ProvisionSpec{Source: "ldap", Name: "lee", Domain: "acme", Role: grants.RoleRead}
	if _, err := g.ProvisionUser(ctx, ok, now); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		spec grants.ProvisionSpec
		want error
	}{
		{"a file user's name", grants.ProvisionSpec{Source: "ldap", Name: "alice", Domain: "acme", Role: grants.RoleManage}, grants.ErrLocalName},
		{"another source's user", grants.ProvisionSpec{Source: "oidc:corp", Name: "lee", Domain: "acme", Role: grants.RoleRead}, grants.ErrLocalName},
		{"no such domain", grants.ProvisionSpec{Source: "ldap", Name: "max", Domain: "nowhere", Role: grants.RoleRead}, grants.ErrForbidden},
		{"a bad name", grants.ProvisionSpec{Source: "ldap", Name: "*)(uid=*", Domain: "acme", Role: grants.RoleRead}, grants.ErrInvalid},
		{"an upper-case name", grants.ProvisionSpec{Source: "ldap", Name: "Max", Domain: "acme", Role: grants.RoleRead}, grants.ErrInvalid},
		{"a robot's name", grants.ProvisionSpec{Source: "ldap", Name: "robot$acme+ci", Domain: "acme", Role: grants.RoleRead}, grants.ErrInvalid},
		{"a bad role", grants.ProvisionSpec{Source: "ldap", Name: "max", Domain: "acme", Role: "admin"}, grants.ErrInvalid},
		{"no source", grants.ProvisionSpec{Name: "max", Domain: "acme", Role: grants.RoleRead}, grants.ErrInvalid},
	} {
		if _, err := g.ProvisionUser(ctx, tc.spec, now); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if u, _ := g.Directory().User("alice"); u.Source != "" || u.Domain != "acme" {
		t.Errorf("a refused login changed alice: %+v", u)
	}
	if _, found := g.Directory().User("max"); found {
		t.Error("a refused login made a user")
	}
}
