package identity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/regshare/regshare/grants"
)

// Users is what a Provisioner needs of the grants authority.
type Users interface {
	ProvisionUser(ctx context.Context, s grants.ProvisionSpec, now time.Time) (grants.Principal, error)
}

// Provisioner turns an identity a provider vouched for into a principal:
// the rules decide the domain and role, and the user is made or brought up
// to date in the store. It is the one path from any provider to a login.
type Provisioner struct {
	Rules Rules
	Users Users
	Now   func() time.Time
}

// ErrChanged ends a session whose user the rules now map otherwise (or
// not at all): they must log in again.
var ErrChanged = errors.New("your access changed since you logged in: log in again")

// Provision maps id and returns its principal. Errors: ErrNoRule, and
// the grants package's refusals (grants.ErrLocalName, grants.ErrDisabled,
// a domain that does not exist).
func (pr *Provisioner) Provision(ctx context.Context, id Identity) (grants.Principal, error) {
	if pr == nil {
		return grants.Principal{}, fmt.Errorf("%w: no identity provider is configured", grants.ErrForbidden)
	}
	m, err := pr.Rules.Map(id)
	if err != nil {
		return grants.Principal{}, err
	}
	return pr.Users.ProvisionUser(ctx, grants.ProvisionSpec{Source: id.Source, Name: id.Name, Groups: id.Groups, Domain: m.Domain, Role: m.Role}, pr.Now())
}

// Check maps a provider-managed principal's groups of its last login
// again, for a session's renewal: a rule changed since then ends it
// (ErrChanged). A local user passes.
func (pr *Provisioner) Check(p grants.Principal) error {
	if p.Source == "" {
		return nil
	}
	if pr == nil {
		return ErrChanged
	}
	m, err := pr.Rules.Map(Identity{Source: p.Source, Name: p.Name, Groups: p.Groups})
	if err != nil || m.Domain != p.Domain || m.Role != p.Role {
		return ErrChanged
	}
	return nil
}
