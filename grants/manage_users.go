package grants

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// UserSpec is a user to create. An empty Password has one drawn, returned
// once.
type UserSpec struct {
	Domain, Name string
	Role         Role
	Password     string
}

// UserUpdate changes a user's role or disabled state; nil leaves it.
type UserUpdate struct {
	Role     *Role
	Disabled *bool
}

// Users lists a domain's users to its users and to administrators, sorted
// by name.
func (g *Grants) Users(p Principal, domain string) ([]User, error) {
	if err := g.mayView(p, domain); err != nil {
		return nil, err
	}
	var out []User
	for _, u := range g.dir.Load().users {
		if u.Domain == domain {
			u.PasswordHash = nil
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// userOf returns the user name of domain that p may change; a user of
// another domain is not found, a file-declared one is read-only.
func userOf(dir *Directory, domain, name string) (User, error) {
	u, ok := dir.users[name]
	switch {
	case !ok || u.Domain != domain:
		return User{}, fmt.Errorf("%w: user %s in domain %s", ErrNoAccount, name, domain)
	case u.Static:
		return User{}, fmt.Errorf("user %s: %w", name, ErrStatic)
	}
	return u, nil
}

func userRecord(u User) UserRecord {
	return UserRecord{Name: u.Name, Domain: u.Domain, Role: u.Role, PasswordHash: string(u.PasswordHash), Disabled: u.Disabled,
		Created: u.Created, Updated: u.Updated, UpdatedBy: u.UpdatedBy, Source: u.Source, Groups: u.Groups}
}

// CreateUser adds a user to a domain; a manage user of it or an
// administrator. It returns the user and its password (drawn when the
// spec has none: shown once).
func (g *Grants) CreateUser(ctx context.Context, p Principal, s UserSpec, now time.Time) (User, string, error) {
	if err := g.mayManage(p, s.Domain); err != nil {
		return User{}, "", err
	}
	if err := ValidateAccountName("user", s.Name); err != nil {
		return User{}, "", err
	}
	if s.Role.Actions() == nil {
		return User{}, "", fmt.Errorf("%w: role %q must be one of manage, write, read", ErrInvalid, s.Role)
	}
	if s.Password == "" {
		s.Password = NewPassword()
	}
	hash, err := g.HashPassword(s.Password)
	if err != nil {
		return User{}, "", err
	}
	ref := Ref{KindUser, s.Name}
	_, err = g.changeRecords(ctx, func(dir *Directory) (RecordChange, error) {
		if _, ok := dir.users[s.Name]; ok {
			return RecordChange{}, fmt.Errorf("%w: user %s", ErrAccountExists, s.Name)
		}
		if n := countUsers(dir, s.Domain); n >= MaxUsersPerDomain {
			return RecordChange{}, fmt.Errorf("%w: domain %s has %d users, the most a domain may have", ErrTooManyAccounts, s.Domain, n)
		}
		rec := UserRecord{Name: s.Name, Domain: s.Domain, Role: s.Role, PasswordHash: hash, Created: now.UTC(), Updated: now.UTC(), UpdatedBy: p.Name}
		return RecordChange{Writes: []RecordWrite{put(dir, ref, rec)},
			Event: event(p, now, EventCreateUser, ref, map[string]string{"domain": s.Domain, "role": string(s.Role)})}, nil
	})
	if err != nil {
		return User{}, "", err
	}
	u, _ := g.dir.Load().users[s.Name]
	u.PasswordHash = nil
	return u, s.Password, nil
}

func countUsers(dir *Directory, domain string) int {
	n := 0
	for _, u := range dir.users {
		if u.Domain == domain {
			n++
		}
	}
	return n
}

// UpdateUser changes a user's role or disables or enables it; a manage
// user of its domain or an administrator. A disabled user is refused at
// once, its tokens and cached credentials with it, on every replica; no one
// may disable or demote themselves (a domain would lose its last manager by
// mistake).
func (g *Grants) UpdateUser(ctx context.Context, p Principal, domain, name string, up UserUpdate, now time.Time) (User, error) {
	if err := g.mayManage(p, domain); err != nil {
		return User{}, err
	}
	if up.Role != nil && up.Role.Actions() == nil {
		return User{}, fmt.Errorf("%w: role %q must be one of manage, write, read", ErrInvalid, *up.Role)
	}
	if name == p.Name && (up.Disabled != nil && *up.Disabled || up.Role != nil && *up.Role != p.Role) {
		return User{}, ErrSelf
	}
	return g.changeUser(ctx, p, domain, name, EventUpdateUser, now, up, func(u *User) error {
		if up.Role != nil && *up.Role != u.Role && u.Source != "" {
			return ErrProviderManaged
		}
		if up.Role != nil {
			u.Role = *up.Role
		}
		if up.Disabled != nil {
			u.Disabled = *up.Disabled
		}
		return nil
	})
}

// changeUser writes what fn makes of a run-time user.
func (g *Grants) changeUser(ctx context.Context, p Principal, domain, name, action string, now time.Time, detail any, fn func(*User) error) (User, error) {
	ref := Ref{KindUser, name}
	_, err := g.changeRecords(ctx, func(dir *Directory) (RecordChange, error) {
		u, err := userOf(dir, domain, name)
		if err != nil {
			return RecordChange{}, err
		}
		if err := fn(&u); err != nil {
			return RecordChange{}, err
		}
		u.Updated, u.UpdatedBy = now.UTC(), p.Name
		return RecordChange{Writes: []RecordWrite{put(dir, ref, userRecord(u))}, Event: event(p, now, action, ref, detail)}, nil
	})
	if err != nil {
		return User{}, err
	}
	u := g.dir.Load().users[name]
	u.PasswordHash = nil
	return u, nil
}

// ResetPassword gives a user a new drawn password, returned once; a manage
// user of its domain or an administrator. The old password, and every
// token and cached credential bound to it, stop working at once.
func (g *Grants) ResetPassword(ctx context.Context, p Principal, domain, name string, now time.Time) (string, error) {
	if err := g.mayManage(p, domain); err != nil {
		return "", err
	}
	password := NewPassword()
	hash, err := g.HashPassword(password)
	if err != nil {
		return "", err
	}
	_, err = g.changeUser(ctx, p, domain, name, EventPasswordReset, now, nil, func(u *User) error {
		if u.Source != "" {
			return ErrProviderManaged
		}
		u.PasswordHash = []byte(hash)
		return nil
	})
	return password, err
}

// ChangePassword sets p's own password, given the current one.
func (g *Grants) ChangePassword(ctx context.Context, p Principal, current, next string, now time.Time) error {
	if err := g.current(p); err != nil {
		return err
	}
	if p.Robot != nil {
		return fmt.Errorf("%w: a robot has a secret, not a password; rotate it", ErrForbidden)
	}
	if p.Static {
		return fmt.Errorf("your user: %w", ErrStatic)
	}
	if p.Source != "" {
		return ErrProviderManaged
	}
	if bcrypt.CompareHashAndPassword(p.PasswordHash, []byte(current)) != nil {
		return ErrWrongPassword
	}
	hash, err := g.HashPassword(next)
	if err != nil {
		return err
	}
	_, err = g.changeUser(ctx, p, p.Domain, p.Name, EventPasswordOwn, now, nil, func(u *User) error {
		if string(u.PasswordHash) != string(p.PasswordHash) {
			return ErrReloaded // changed meanwhile: the current password given may be old
		}
		u.PasswordHash = []byte(hash)
		return nil
	})
	return err
}

// DeleteUser removes a run-time user; a manage user of its domain or an
// administrator, never oneself. Its tokens and cached credentials stop
// working at once, on every replica.
func (g *Grants) DeleteUser(ctx context.Context, p Principal, domain, name string, now time.Time) error {
	if err := g.mayManage(p, domain); err != nil {
		return err
	}
	if name == p.Name {
		return ErrSelf
	}
	ref := Ref{KindUser, name}
	_, err := g.changeRecords(ctx, func(dir *Directory) (RecordChange, error) {
		if _, err := userOf(dir, domain, name); err != nil {
			return RecordChange{}, err
		}
		writes := append([]RecordWrite{del(dir, ref)}, ownerTokenWrites(dir, name)...)
		return RecordChange{Writes: writes, Event: event(p, now, EventDeleteUser, ref, nil)}, nil
	})
	return err
}
