package identity

import (
	"errors"
	"testing"

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
