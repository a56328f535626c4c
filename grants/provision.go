package grants

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"
)

// Provider-managed users: people an identity provider (an OpenID
// provider, an LDAP directory) vouches for, made or brought up to date in
// the store at each of their logins, so that they are principals like any
// other and their domain and role follow the provider's groups.

// ProvisionSpec is a person as a provider vouched for them, and what the
// rules grant them.
type ProvisionSpec struct {
	Source, Name string
	Groups       []string
	Domain       string
	Role         Role
}

// The refusals of provisioning.
var (
	// ErrLocalName: a local user (or one of another source) has the name.
	ErrLocalName = fmt.Errorf("%w: the name is taken by a user of another identity source", ErrForbidden)
	// ErrDisabled: an administrator disabled the user here.
	ErrDisabled = fmt.Errorf("%w: your account is disabled here", ErrForbidden)
	// ErrProviderManaged: the user's domain, role and password are the
	// identity provider's.
	ErrProviderManaged = fmt.Errorf("%w: the user is managed by an identity provider: change their groups there", ErrForbidden)
)

// providerName is the grammar of provider-managed names: as local ones,
// and '@' may join parts too (an e-mail address).
var providerName = regexp.MustCompile(`^[a-z0-9]+(?:[._@-][a-z0-9]+)*$`)

// ValidateProviderName checks a login name a provider gives.
func ValidateProviderName(name string) error {
	if len(name) > MaxNameLen || !providerName.MatchString(name) {
		return fmt.Errorf("%w: the name %q your identity provider gives is not one regshare can use: 1 to %d lower-case letters and digits, joined by single '.', '_', '-' or '@'", ErrInvalid, name, MaxNameLen)
	}
	return nil
}

// provisionStamp stands in a provider-managed user's password hash: never
// a bcrypt hash (no password logs in), and drawn anew for each account,
// so that the tokens of a user deleted and made again are not its own.
func provisionStamp(source string) string { return "!" + source + ":" + rand.Text() }

var errUnchanged = errors.New("unchanged")

// ProvisionUser makes or updates the provider-managed user s names and
// returns them as a principal; the store is written only when their
// domain, role or groups changed. A local user of that name, one of
// another source, or one disabled here is refused.
func (g *Grants) ProvisionUser(ctx context.Context, s ProvisionSpec, now time.Time) (Principal, error) {
	if s.Source == "" {
		return Principal{}, fmt.Errorf("%w: a provider-managed user needs a source", ErrInvalid)
	}
	if err := ValidateProviderName(s.Name); err != nil {
		return Principal{}, err
	}
	if s.Role.Actions() == nil {
		return Principal{}, fmt.Errorf("%w: role %q must be one of manage, write, read", ErrInvalid, s.Role)
	}
	s.Groups = slices.Compact(slices.Sorted(slices.Values(s.Groups)))
	ref := Ref{KindUser, s.Name}
	_, err := g.changeRecords(ctx, func(dir *Directory) (RecordChange, error) {
		if !dir.HasDomain(s.Domain) {
			return RecordChange{}, fmt.Errorf("%w: your groups map to domain %s, which does not exist here; ask your administrator", ErrForbidden, s.Domain)
		}
		rec := UserRecord{Name: s.Name, Domain: s.Domain, Role: s.Role, Source: s.Source, Groups: s.Groups,
			PasswordHash: provisionStamp(s.Source), Created: now.UTC(), Updated: now.UTC(), UpdatedBy: s.Source}
		action := EventCreateUser
		if u, ok := dir.users[s.Name]; ok {
			switch {
			case u.Static || u.Source != s.Source:
				return RecordChange{}, ErrLocalName
			case u.Disabled:
				return RecordChange{}, ErrDisabled
			case u.Domain == s.Domain && u.Role == s.Role && slices.Equal(u.Groups, s.Groups):
				return RecordChange{}, errUnchanged
			}
			rec.PasswordHash, rec.Created, action = string(u.PasswordHash), u.Created, EventUpdateUser
		} else if n := countUsers(dir, s.Domain); n >= MaxUsersPerDomain {
			return RecordChange{}, fmt.Errorf("%w: domain %s has %d users, the most a domain may have", ErrTooManyAccounts, s.Domain, n)
		}
		ev := AccountEvent{Time: now.UTC(), Actor: s.Name, Action: action, Kind: ref.Kind, Name: ref.Name,
			Detail: mustJSON(map[string]any{"source": s.Source, "domain": s.Domain, "role": s.Role, "groups": s.Groups})}
		return RecordChange{Writes: []RecordWrite{put(dir, ref, rec)}, Event: ev}, nil
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		return Principal{}, err
	}
	p, ok := g.dir.Load().Principal(s.Name)
	if !ok || p.Source != s.Source {
		return Principal{}, ErrReloaded
	}
	return p, nil
}
