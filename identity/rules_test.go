package identity

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
)

func TestMap(t *testing.T) {
	rules := Rules{
		{Group: "acme-admins", Domain: "acme", Role: grants.RoleManage},
		{Group: "acme-dev", Domain: "acme", Role: grants.RoleWrite},
		{Group: "staff", Source: "ldap", Domain: "globex", Role: grants.RoleRead},
		{Group: "*", Source: "oidc:partners", Domain: "initech", Role: grants.RoleRead},
	}
	for _, tc := range []struct {
		name string
		id   Identity
		want Mapping
		err  error
	}{
		{"first rule wins", Identity{Source: "oidc:corp", Groups: []string{"acme-dev", "acme-admins"}}, Mapping{"acme", grants.RoleManage, 0}, nil},
		{"second rule", Identity{Source: "ldap", Groups: []string{"acme-dev"}}, Mapping{"acme", grants.RoleWrite, 1}, nil},
		{"source-bound rule", Identity{Source: "ldap", Groups: []string{"staff"}}, Mapping{"globex", grants.RoleRead, 2}, nil},
		{"source-bound rule, other source", Identity{Source: "oidc:corp", Groups: []string{"staff"}}, Mapping{}, ErrNoRule},
		{"wildcard of one source", Identity{Source: "oidc:partners"}, Mapping{"initech", grants.RoleRead, 3}, nil},
		{"no group", Identity{Source: "oidc:corp"}, Mapping{}, ErrNoRule},
		{"case matters", Identity{Source: "ldap", Groups: []string{"ACME-ADMINS"}}, Mapping{}, ErrNoRule},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := rules.Map(tc.id)
			if !errors.Is(err, tc.err) || got != tc.want {
				t.Fatalf("Map = %+v, %v; want %+v, %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	if errs := (Rules{{Group: "a", Domain: "acme", Role: grants.RoleRead}}).Validate(); errs != nil {
		t.Fatal(errs)
	}
	for _, r := range []Rule{
		{Domain: "acme", Role: grants.RoleRead},
		{Group: "a", Role: grants.RoleRead},
		{Group: "a", Domain: "acme", Role: "admin"},
	} {
		if errs := (Rules{r}).Validate(); len(errs) != 1 {
			t.Errorf("%+v: accepted", r)
		}
	}
}

type users struct{ spec grants.ProvisionSpec }

func (u *users) ProvisionUser(_ context.Context, s grants.ProvisionSpec, _ time.Time) (grants.Principal, error) {
	u.spec = s
	return grants.Principal{}, nil
}

func TestProvisionerMaps(t *testing.T) {
	u := &users{}
	pr := &Provisioner{Rules: Rules{{Group: "dev", Domain: "acme", Role: grants.RoleWrite}}, Users: u, Now: time.Now}
	if _, err := pr.Provision(context.Background(), Identity{Source: "ldap", Name: "lee", Groups: []string{"dev"}}); err != nil {
		t.Fatal(err)
	}
	if want := (grants.ProvisionSpec{Source: "ldap", Name: "lee", Groups: []string{"dev"}, Domain: "acme", Role: grants.RoleWrite}); !reflect.DeepEqual(u.spec, want) {
		t.Errorf("provisioned %+v, want %+v", u.spec, want)
	}
	u.spec = grants.ProvisionSpec{}
	if _, err := pr.Provision(context.Background(), Identity{Source: "ldap", Name: "max", Groups: []string{"ops"}}); !errors.Is(err, ErrNoRule) || u.spec.Name != "" {
		t.Errorf("an unmapped person: %v, provisioned %+v", err, u.spec)
	}
}

func TestProvisionerChecksRenewals(t *testing.T) {
	pr := &Provisioner{Rules: Rules{{Group: "dev", Domain: "acme", Role: grants.RoleWrite}}}
	user := func(source, domain string, role grants.Role, groups ...string) grants.Principal {
		return grants.Principal{User: grants.User{Name: "lee", Source: source, Domain: domain, Role: role, Groups: groups}}
	}
	for _, tc := range []struct {
		name string
		p    grants.Principal
		want error
	}{
		{"a local user", user("", "globex", grants.RoleManage), nil},
		{"still mapped so", user("ldap", "acme", grants.RoleWrite, "dev"), nil},
		{"the rule now gives another role", user("ldap", "acme", grants.RoleManage, "dev"), ErrChanged},
		{"the rule now gives another domain", user("ldap", "globex", grants.RoleWrite, "dev"), ErrChanged},
		{"no rule maps the groups any more", user("ldap", "acme", grants.RoleWrite, "ops"), ErrChanged},
	} {
		if err := pr.Check(tc.p); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	var none *Provisioner
	if err := none.Check(user("ldap", "acme", grants.RoleWrite, "dev")); !errors.Is(err, ErrChanged) {
		t.Errorf("no provider configured: %v", err)
	}
}
