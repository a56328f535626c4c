package grants

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// RobotSpec is a robot to create. Expires is required unless the domain
// lets its robots never expire (then zero means never).
type RobotSpec struct {
	Domain, Name string
	Description  string
	Permissions  []Permission
	Expires      time.Time
}

// Robots lists a domain's robots to its manage users and to
// administrators, sorted by name.
func (g *Grants) Robots(p Principal, domain string) ([]User, error) {
	if err := g.mayManage(p, domain); err != nil {
		return nil, err
	}
	var out []User
	for _, r := range g.dir.Load().robots {
		if r.Domain == domain {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// checkPermissions normalizes perms and checks that they are at most what
// domain has at now: pull, push and delete below its own namespaces; pull
// only of another domain's repository shared with it, in force.
func (g *Grants) checkPermissions(dir *Directory, domain string, perms []Permission, now time.Time) ([]Permission, error) {
	if len(perms) == 0 {
		return nil, fmt.Errorf("%w: a robot needs at least one permission", ErrInvalid)
	}
	if len(perms) > MaxPermissionsPerRobot {
		return nil, fmt.Errorf("%w: a robot has at most %d permissions", ErrInvalid, MaxPermissionsPerRobot)
	}
	out := make([]Permission, 0, len(perms))
	for _, p := range perms {
		actions, err := normalizeActions(p.Actions)
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(p.Repository, "/")
		if err := ValidateRepository(name); err != nil {
			return nil, fmt.Errorf("%w: permission %q: %w", ErrInvalid, p.Repository, err)
		}
		owner, owned := dir.NamespaceOwner(Namespace(name))
		switch {
		case owned && owner == domain:
		case p.Prefix():
			return nil, fmt.Errorf("%w: %s is not below a namespace of domain %s; a shared repository is named whole", ErrRobotPermission, p.Repository, domain)
		case !slices.Equal(actions, []string{ActionPull}):
			return nil, fmt.Errorf("%w: %s is not domain %s's; a shared repository can only be pulled", ErrRobotPermission, p.Repository, domain)
		default:
			if _, ok := g.shareFor(dir, name, domain, owner, now); !owned || !ok {
				return nil, fmt.Errorf("%w: %s is not shared with domain %s", ErrRobotPermission, p.Repository, domain)
			}
		}
		out = append(out, Permission{Repository: p.Repository, Actions: actions})
	}
	return out, nil
}

// checkExpiry checks an expiry against the domain's robot lifetime.
func checkExpiry(info DomainInfo, expires, now time.Time) error {
	switch {
	case expires.IsZero() && !info.RobotNeverExpires:
		return fmt.Errorf("%w: a robot of domain %s needs an expiry, at most %s away", ErrInvalid, info.Name, FormatLifetime(info.MaxRobotLifetime()))
	case expires.IsZero():
		return nil
	case !expires.After(now):
		return fmt.Errorf("%w: the expiry must lie in the future", ErrInvalid)
	case !info.RobotNeverExpires && expires.Sub(now) > info.MaxRobotLifetime()+time.Minute:
		return fmt.Errorf("%w: a robot of domain %s lives at most %s", ErrInvalid, info.Name, FormatLifetime(info.MaxRobotLifetime()))
	}
	return nil
}

// FormatLifetime writes a duration in days when it is whole days, else in
// hours.
func FormatLifetime(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return fmt.Sprintf("%dh", d/time.Hour)
}

// ParseLifetime reads what FormatLifetime writes, the DURATION of the API
// and the CLI: a whole number without sign or leading zero ("0" alone),
// followed by "h" (hours) or "d" (days of 24 hours). Nothing else is one:
// no "1.5d", "1h30m", " 1d", "1D". Its callers bound the value.
func ParseLifetime(s string) (time.Duration, bool) {
	if len(s) < 2 {
		return 0, false
	}
	digits, unit := s[:len(s)-1], time.Hour
	switch s[len(s)-1] {
	case 'h':
	case 'd':
		unit = 24 * time.Hour
	default:
		return 0, false
	}
	if len(digits) > 1 && digits[0] == '0' {
		return 0, false
	}
	var n int64
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' || n > (math.MaxInt64/int64(unit)-int64(c-'0'))/10 {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return time.Duration(n) * unit, true
}

// CreateRobot makes a robot account; a manage user of the domain or an
// administrator. It returns the robot and its secret, shown this once.
func (g *Grants) CreateRobot(ctx context.Context, p Principal, s RobotSpec, now time.Time) (User, string, error) {
	if err := g.mayManage(p, s.Domain); err != nil {
		return User{}, "", err
	}
	if err := ValidateAccountName("robot", s.Name); err != nil {
		return User{}, "", err
	}
	if n := utf8.RuneCountInString(s.Description); n > MaxRobotDescription || !utf8.ValidString(s.Description) {
		return User{}, "", fmt.Errorf("%w: a robot's description has at most %d characters", ErrInvalid, MaxRobotDescription)
	}
	secret := NewRobotSecret()
	ref := robotRef(s.Domain, s.Name)
	_, err := g.changeRecords(ctx, func(dir *Directory) (RecordChange, error) {
		if _, ok := dir.robots[RobotLogin(s.Domain, s.Name)]; ok {
			return RecordChange{}, fmt.Errorf("%w: robot %s", ErrAccountExists, RobotLogin(s.Domain, s.Name))
		}
		if n := countRobots(dir, s.Domain); n >= MaxRobotsPerDomain {
			return RecordChange{}, fmt.Errorf("%w: domain %s has %d robots, the most a domain may have", ErrTooManyAccounts, s.Domain, n)
		}
		perms, err := g.checkPermissions(dir, s.Domain, s.Permissions, now)
		if err != nil {
			return RecordChange{}, err
		}
		if err := checkExpiry(dir.info[s.Domain], s.Expires, now); err != nil {
			return RecordChange{}, err
		}
		rec := RobotRecord{Domain: s.Domain, Name: s.Name, Description: s.Description, Permissions: perms, Expires: s.Expires.UTC(),
			Digest: SecretDigest(secret), Created: now.UTC(), Updated: now.UTC(), UpdatedBy: p.Name}
		if s.Expires.IsZero() {
			rec.Expires = time.Time{}
		}
		return RecordChange{Writes: []RecordWrite{put(dir, ref, rec)}, Event: event(p, now, EventCreateRobot, ref, robotDetail(rec))}, nil
	})
	if err != nil {
		return User{}, "", err
	}
	return g.dir.Load().robots[RobotLogin(s.Domain, s.Name)], secret, nil
}

// robotDetail is what a robot's history records of it: no digest.
func robotDetail(r RobotRecord) map[string]any {
	return map[string]any{"permissions": r.Permissions, "expires": r.Expires, "disabled": r.Disabled, "description": r.Description}
}

func countRobots(dir *Directory, domain string) int {
	n := 0
	for _, r := range dir.robots {
		if r.Domain == domain {
			n++
		}
	}
	return n
}

// changeRobot writes what fn makes of a robot's record (a copy).
func (g *Grants) changeRobot(ctx context.Context, p Principal, domain, name, action string, now time.Time, fn func(*RobotRecord) error) (User, error) {
	if err := g.mayManage(p, domain); err != nil {
		return User{}, err
	}
	login, ref := RobotLogin(domain, name), robotRef(domain, name)
	_, err := g.changeRecords(ctx, func(dir *Directory) (RecordChange, error) {
		u, ok := dir.robots[login]
		if !ok {
			return RecordChange{}, fmt.Errorf("%w: robot %s", ErrNoAccount, login)
		}
		rec := *u.Robot
		rec.Permissions = slices.Clone(rec.Permissions)
		if err := fn(&rec); err != nil {
			return RecordChange{}, err
		}
		rec.Updated, rec.UpdatedBy = now.UTC(), p.Name
		return RecordChange{Writes: []RecordWrite{put(dir, ref, rec)}, Event: event(p, now, action, ref, robotDetail(rec))}, nil
	})
	if err != nil {
		return User{}, err
	}
	return g.dir.Load().robots[login], nil
}

// RotateRobot gives a robot a new secret, returned once. The old one keeps
// working for grace (at most MaxRotationGrace; 0: it stops at once).
func (g *Grants) RotateRobot(ctx context.Context, p Principal, domain, name string, grace time.Duration, now time.Time) (User, string, error) {
	if grace < 0 || grace > MaxRotationGrace {
		return User{}, "", fmt.Errorf("%w: a rotation's grace is between 0 and %s", ErrInvalid, FormatLifetime(MaxRotationGrace))
	}
	secret := NewRobotSecret()
	u, err := g.changeRobot(ctx, p, domain, name, EventRotateRobot, now, func(r *RobotRecord) error {
		r.PrevDigest, r.PrevUntil = "", time.Time{}
		if grace > 0 {
			r.PrevDigest, r.PrevUntil = r.Digest, now.Add(grace).UTC()
		}
		r.Digest = SecretDigest(secret)
		return nil
	})
	if err != nil {
		return User{}, "", err
	}
	return u, secret, nil
}

// SetRobotDisabled disables or enables a robot.
func (g *Grants) SetRobotDisabled(ctx context.Context, p Principal, domain, name string, disabled bool, now time.Time) (User, error) {
	return g.changeRobot(ctx, p, domain, name, EventUpdateRobot, now, func(r *RobotRecord) error {
		r.Disabled = disabled
		return nil
	})
}

// DeleteRobot removes a robot: its secret stops working at once, on every
// replica.
func (g *Grants) DeleteRobot(ctx context.Context, p Principal, domain, name string, now time.Time) error {
	if err := g.mayManage(p, domain); err != nil {
		return err
	}
	login, ref := RobotLogin(domain, name), robotRef(domain, name)
	_, err := g.changeRecords(ctx, func(dir *Directory) (RecordChange, error) {
		if _, ok := dir.robots[login]; !ok {
			return RecordChange{}, fmt.Errorf("%w: robot %s", ErrNoAccount, login)
		}
		return RecordChange{Writes: []RecordWrite{del(dir, ref), {Ref: Ref{KindRobotUse, ref.Name}, Expect: Any}},
			Event: event(p, now, EventDeleteRobot, ref, nil)}, nil
	})
	return err
}

// FlushRobotUse writes the robot logins noted since the last flush, in one
// change without a history event. A failed flush is retried at the next.
func (g *Grants) FlushRobotUse(ctx context.Context) error {
	uses := g.usage.take()
	if len(uses) == 0 {
		return nil
	}
	var ws []RecordWrite
	dir := g.dir.Load()
	for _, login := range sortedKeys(uses) {
		if _, ok := dir.robots[login]; ok && len(ws) < maxTxnRecordWrites {
			ws = append(ws, RecordWrite{Ref: Ref{KindRobotUse, strings.TrimPrefix(login, robotPrefix)}, Value: mustJSON(uses[login]), Expect: Any})
		}
	}
	if len(ws) == 0 {
		return nil
	}
	err := g.store.ChangeRecords(ctx, RecordChange{Writes: ws})
	if err != nil {
		g.usage.mu.Lock()
		for k, v := range uses {
			if _, newer := g.usage.last[k]; !newer {
				if g.usage.last == nil {
					g.usage.last = map[string]RobotUse{}
				}
				g.usage.last[k] = v
			}
		}
		g.usage.mu.Unlock()
	}
	return err
}

// maxTxnRecordWrites keeps a flush within one etcd transaction.
const maxTxnRecordWrites = 100
