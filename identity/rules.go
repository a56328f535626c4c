// Package identity maps what an identity provider says of a person (an
// OpenID Connect provider's claims, an LDAP directory's groups) to the
// one domain and role regshare grants them, by ordered rules.
package identity

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/regshare/regshare/grants"
)

// Identity is a person as a provider vouched for them at one login.
type Identity struct {
	// Source names the provider: "ldap", or "oidc:" and the provider's
	// name in the configuration.
	Source string
	// Name is the login name regshare knows them by.
	Name string
	// Groups are the provider's groups of the person.
	Groups []string
}

// Rule maps one provider group to a domain and a role.
type Rule struct {
	// Group is a group name as the provider sends it ("acme-admins", or an
	// LDAP group's cn). "*" matches every person of the source.
	Group string `yaml:"group"`
	// Source limits the rule to one source ("ldap", "oidc:corp"); empty:
	// every source.
	Source string      `yaml:"source"`
	Domain string      `yaml:"domain"`
	Role   grants.Role `yaml:"role"`
}

// Mapping is what the rules grant one identity.
type Mapping struct {
	Domain string
	Role   grants.Role
	// Rule is the index of the rule that matched, for the audit log.
	Rule int
}

// Rules are evaluated in order; the first that matches decides.
type Rules []Rule

// ErrNoRule refuses a person whose groups no rule maps to a domain.
var ErrNoRule = errors.New("none of your groups gives access to a domain here; ask your administrator to map one of them")

// Validate checks the rules' shape, a problem each; whether their domains
// exist is known only at login, since domains are made at run time.
func (rs Rules) Validate() []error {
	var errs []error
	for i, r := range rs {
		switch {
		case strings.TrimSpace(r.Group) == "":
			errs = append(errs, fmt.Errorf("identity.rules[%d]: group is required", i))
		case r.Domain == "":
			errs = append(errs, fmt.Errorf("identity.rules[%d]: domain is required", i))
		case r.Role.Actions() == nil:
			errs = append(errs, fmt.Errorf("identity.rules[%d]: role %q must be one of manage, write, read", i, r.Role))
		}
	}
	return errs
}

// Map returns what the first rule matching id grants, or ErrNoRule.
func (rs Rules) Map(id Identity) (Mapping, error) {
	for i, r := range rs {
		if r.Source != "" && r.Source != id.Source {
			continue
		}
		if r.Group == "*" || slices.Contains(id.Groups, r.Group) {
			return Mapping{Domain: r.Domain, Role: r.Role, Rule: i}, nil
		}
	}
	return Mapping{}, ErrNoRule
}
