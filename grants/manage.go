package grants

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// The authority on directory changes: who may change which domain, user
// or robot, checked against the directory in force, and the one path by
// which a change reaches the store (changeRecords).

// The refusals of directory changes, each its own error.
var (
	// ErrNoAccount: no such domain, user or robot (as far as the caller may
	// know: another domain's accounts are not found either).
	ErrNoAccount = errors.New("not found")
	// ErrAccountExists: the name is taken.
	ErrAccountExists = errors.New("already exists")
	// ErrStatic: the record is declared in the configuration file, and is
	// read-only at run time.
	ErrStatic = fmt.Errorf("%w: declared in the configuration file, so read-only here; change the file and reload", ErrForbidden)
	// ErrNotAdmin: only an administrator (a superuser) may do this.
	ErrNotAdmin = fmt.Errorf("%w: only an administrator may do this", ErrForbidden)
	// ErrNotManager: only a manage user of the domain (or an administrator)
	// may do this.
	ErrNotManager = fmt.Errorf("%w: only a manage user of the domain may do this", ErrForbidden)
	// ErrNamespaceTaken: a namespace belongs to another domain.
	ErrNamespaceTaken = errors.New("namespace already owned")
	// ErrTooManyAccounts: a domain has as many users or robots as it may.
	ErrTooManyAccounts = fmt.Errorf("%w: too many accounts", ErrInvalid)
	// ErrRobotPermission: a robot would get more than its domain has.
	ErrRobotPermission = fmt.Errorf("%w: more than the robot's domain has", ErrForbidden)
	// ErrSelf: a manager cannot disable, demote or delete themselves.
	ErrSelf = fmt.Errorf("%w: you cannot disable, demote or delete yourself", ErrForbidden)
	// ErrWrongPassword: a password change gave the wrong old password.
	ErrWrongPassword = fmt.Errorf("%w: the current password is wrong", ErrForbidden)
)

// InUseError refuses to delete a domain that owns or receives shares, or
// a group ("@name") that receives them.
type InUseError struct {
	Domain string
	Shares []Key
}

func (e *InUseError) Error() string {
	names := make([]string, 0, min(len(e.Shares), 10))
	for _, k := range e.Shares[:min(len(e.Shares), 10)] {
		names = append(names, k.Repository+" with "+k.Recipient)
	}
	more := ""
	if len(e.Shares) > 10 {
		more = fmt.Sprintf(" and %d more", len(e.Shares)-10)
	}
	what := "domain " + e.Domain + " owns or receives"
	if group, ok := GroupOf(e.Domain); ok {
		what = "group " + group + " receives"
	}
	return fmt.Sprintf("%s %d shares (%s%s): revoke them, or delete with force", what, len(e.Shares), strings.Join(names, ", "), more)
}

// Event actions of directory records.
const (
	EventCreateDomain  = "create_domain"
	EventUpdateDomain  = "update_domain"
	EventDeleteDomain  = "delete_domain"
	EventCreateUser    = "create_user"
	EventUpdateUser    = "update_user"
	EventPasswordReset = "reset_password"
	EventPasswordOwn   = "change_password"
	EventDeleteUser    = "delete_user"
	EventCreateRobot   = "create_robot"
	EventUpdateRobot   = "update_robot"
	EventRotateRobot   = "rotate_robot"
	EventDeleteRobot   = "delete_robot"
	EventCreateToken   = "create_token"
	EventRevokeToken   = "revoke_token"
	EventProvisionUser = "provision_user"
)

// maxConflictRetries bounds how often a change is built again after
// another writer changed one of its records first.
const maxConflictRetries = 5

// changeRecords builds a change from the directory in force and commits
// it; when a record changed meanwhile (ErrConflict) it builds it again from
// the newer directory, so that no concurrent change is lost. It returns
// once this replica's directory holds the change.
func (g *Grants) changeRecords(ctx context.Context, build func(dir *Directory) (RecordChange, error)) (RecordChange, error) {
	if err := g.writable(); err != nil {
		return RecordChange{}, err
	}
	for i := 0; ; i++ {
		if err := g.Readable(ctx); err != nil {
			return RecordChange{}, err
		}
		c, err := build(g.dir.Load())
		if err != nil {
			return RecordChange{}, err
		}
		err = g.store.ChangeRecords(ctx, c)
		switch {
		case err == nil:
			g.settle(ctx)
			return c, nil
		case !errors.Is(err, ErrConflict):
			return RecordChange{}, err
		case i == maxConflictRetries:
			return RecordChange{}, fmt.Errorf("%w, %d times in a row; nothing was written", err, i+1)
		}
	}
}

// isAdmin reports whether p administers the directory.
func isAdmin(p Principal) bool { return p.Superuser && p.Robot == nil && p.dir != nil }

// mayManage checks that p may manage the accounts of domain: a manage
// user of it, or an administrator. Another domain is not found.
func (g *Grants) mayManage(p Principal, domain string) error {
	if err := g.current(p); err != nil {
		return err
	}
	switch {
	case isAdmin(p):
	case p.Robot != nil || p.Domain != domain:
		return fmt.Errorf("%w: domain %s", ErrNoAccount, domain)
	case p.Role != RoleManage:
		return ErrNotManager
	}
	if !g.dir.Load().HasDomain(domain) {
		return fmt.Errorf("%w: domain %s", ErrNoAccount, domain)
	}
	return nil
}

// mayView checks that p may list the accounts of domain: any user of it,
// or an administrator.
func (g *Grants) mayView(p Principal, domain string) error {
	if err := g.current(p); err != nil {
		return err
	}
	if !isAdmin(p) && (p.Robot != nil || p.Domain != domain) || !g.dir.Load().HasDomain(domain) {
		return fmt.Errorf("%w: domain %s", ErrNoAccount, domain)
	}
	return nil
}

// event is the history event of action on ref by p at now; detail is
// encoded as JSON.
func event(p Principal, now time.Time, action string, ref Ref, detail any) AccountEvent {
	ev := AccountEvent{Time: now.UTC(), Actor: p.Name, Action: action, Kind: ref.Kind, Name: ref.Name}
	if detail != nil {
		ev.Detail = mustJSON(detail)
	}
	return ev
}

// put is the write of v as ref, expecting the version dir has of it.
func put(dir *Directory, ref Ref, v any) RecordWrite {
	return RecordWrite{Ref: ref, Value: mustJSON(v), Expect: dir.revs[ref]}
}

// del is the deletion of ref, expecting the version dir has of it.
func del(dir *Directory, ref Ref) RecordWrite {
	return RecordWrite{Ref: ref, Expect: dir.revs[ref]}
}

// HashPassword hashes a password for a user record at the cost set
// (SetPasswordCost), checking its length.
func (g *Grants) HashPassword(password string) (string, error) {
	if n := len(password); n < minPasswordLen || n > maxPasswordLen {
		return "", fmt.Errorf("%w: a password has %d to %d bytes", ErrInvalid, minPasswordLen, maxPasswordLen)
	}
	cost := int(g.passwordCost.Load())
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	return string(h), err
}

// SetPasswordCost sets the bcrypt cost of the passwords set at run time
// (default bcrypt.DefaultCost).
func (g *Grants) SetPasswordCost(cost int) { g.passwordCost.Store(int64(cost)) }

// NewPassword draws a password for a new or reset user: 26 characters of
// base32, 128 bits.
func NewPassword() string { return strings.ToLower(rand.Text()) }

// RecordHistory returns the history of a domain, user or robot record to
// an administrator, or to a manage user of its domain.
func (g *Grants) RecordHistory(ctx context.Context, p Principal, ref Ref) ([]AccountEvent, error) {
	domain := ref.Name
	switch ref.Kind {
	case KindUser:
		u, ok := g.dir.Load().users[ref.Name]
		if !ok && !isAdmin(p) {
			return nil, fmt.Errorf("%w: user %s", ErrNoAccount, ref.Name)
		}
		domain = cmp.Or(u.Domain, p.Domain)
	case KindRobot, KindWebhook:
		domain, _, _ = strings.Cut(ref.Name, robotSeparator)
	}
	admins := ref.Kind == KindDomain || ref.Kind == KindGroup
	if admins && !isAdmin(p) || !admins && g.mayManage(p, domain) != nil {
		return nil, fmt.Errorf("%w: %s", ErrNoAccount, ref)
	}
	return g.store.RecordHistory(ctx, ref)
}
