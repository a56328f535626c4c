package grants

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// DomainSpec is what an administrator sets of a domain.
type DomainSpec struct {
	Name       string
	Namespaces []string
	// RobotMaxLifetime bounds its robots' expiry; 0: the default (90 days).
	RobotMaxLifetime  time.Duration
	RobotNeverExpires bool
}

// DomainView is a domain as listings show it.
type DomainView struct {
	DomainInfo
	Namespaces []string
	Users      int
	Robots     int
}

// Domains lists every domain to an administrator, and the caller's own to
// anyone else.
func (g *Grants) Domains(p Principal) ([]DomainView, error) {
	if err := g.current(p); err != nil {
		return nil, err
	}
	dir := g.dir.Load()
	var out []DomainView
	for _, name := range sortedKeys(dir.domains) {
		if isAdmin(p) || name == p.Domain {
			out = append(out, dir.domainView(name))
		}
	}
	return out, nil
}

// Domain returns one domain, to an administrator or one of its users.
func (g *Grants) Domain(p Principal, name string) (DomainView, error) {
	if err := g.mayView(p, name); err != nil {
		return DomainView{}, err
	}
	return g.dir.Load().domainView(name), nil
}

func (d *Directory) domainView(name string) DomainView {
	v := DomainView{DomainInfo: d.info[name], Namespaces: slices.Clone(d.domains[name])}
	for _, u := range d.users {
		if u.Domain == name {
			v.Users++
		}
	}
	for _, r := range d.robots {
		if r.Domain == name {
			v.Robots++
		}
	}
	return v
}

// validate checks a spec's own fields.
func (s DomainSpec) validate() error {
	if err := ValidateNamespace(s.Name); err != nil {
		return fmt.Errorf("%w: domain name %q must be lower-case letters and digits separated by '.', '_', '__' or '-'", ErrInvalid, s.Name)
	}
	if len(s.Namespaces) > MaxNamespacesPerDomain {
		return fmt.Errorf("%w: a domain owns at most %d namespaces", ErrInvalid, MaxNamespacesPerDomain)
	}
	for _, ns := range s.Namespaces {
		if err := ValidateNamespace(ns); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	if s.RobotMaxLifetime < 0 || s.RobotMaxLifetime > maxRobotLifetimeSettable {
		return fmt.Errorf("%w: a robot lifetime is between 1 hour and 10 years", ErrInvalid)
	}
	if s.RobotMaxLifetime > 0 && s.RobotMaxLifetime < time.Hour {
		return fmt.Errorf("%w: a robot lifetime is between 1 hour and 10 years", ErrInvalid)
	}
	return nil
}

// claims are the writes that make ns the namespaces of domain, replacing
// old: new claims must be free (or held by a domain that is gone).
func claims(dir *Directory, domain string, old, ns []string) ([]RecordWrite, error) {
	var out []RecordWrite
	for _, n := range ns {
		if slices.Contains(old, n) {
			continue
		}
		if owner, ok := dir.namespaces[n]; ok {
			return nil, fmt.Errorf("%w: namespace %s belongs to domain %s", ErrNamespaceTaken, n, owner)
		}
		out = append(out, put(dir, Ref{KindNamespace, n}, domain))
	}
	for _, n := range old {
		if !slices.Contains(ns, n) {
			out = append(out, del(dir, Ref{KindNamespace, n}))
		}
	}
	return out, nil
}

// CreateDomain makes a domain with its namespaces; administrators only.
func (g *Grants) CreateDomain(ctx context.Context, p Principal, s DomainSpec, now time.Time) (DomainView, error) {
	if err := g.mayAdminister(p); err != nil {
		return DomainView{}, err
	}
	s.Namespaces = slices.Compact(slices.Sorted(slices.Values(s.Namespaces)))
	if err := s.validate(); err != nil {
		return DomainView{}, err
	}
	_, err := g.changeRecords(ctx, func(dir *Directory) (RecordChange, error) {
		if dir.HasDomain(s.Name) {
			return RecordChange{}, fmt.Errorf("%w: domain %s", ErrAccountExists, s.Name)
		}
		ref := Ref{KindDomain, s.Name}
		rec := DomainRecord{Name: s.Name, Namespaces: s.Namespaces, RobotMaxLifetime: s.RobotMaxLifetime,
			RobotNeverExpires: s.RobotNeverExpires, Created: now.UTC(), Updated: now.UTC(), UpdatedBy: p.Name}
		ws, err := claims(dir, s.Name, nil, s.Namespaces)
		if err != nil {
			return RecordChange{}, err
		}
		ws = append(ws, leaveGroups(dir, s.Name, now, p.Name)...)
		return RecordChange{Writes: append([]RecordWrite{put(dir, ref, rec)}, ws...), Event: event(p, now, EventCreateDomain, ref, s)}, nil
	})
	if err != nil {
		return DomainView{}, err
	}
	return g.dir.Load().domainView(s.Name), nil
}

// UpdateDomain replaces a run-time domain's namespaces and robot lifetime
// with what fn makes of them; administrators only. A namespace it gives up
// ends the shares made of its repositories (see effective).
func (g *Grants) UpdateDomain(ctx context.Context, p Principal, name string, now time.Time, fn func(DomainSpec) DomainSpec) (DomainView, error) {
	if err := g.mayAdminister(p); err != nil {
		return DomainView{}, err
	}
	_, err := g.changeRecords(ctx, func(dir *Directory) (RecordChange, error) {
		ref := Ref{KindDomain, name}
		info, err := runtimeDomain(dir, name)
		if err != nil {
			return RecordChange{}, err
		}
		old := dir.domains[name]
		s := fn(DomainSpec{Name: name, Namespaces: slices.Clone(old), RobotMaxLifetime: info.RobotMaxLifetime, RobotNeverExpires: info.RobotNeverExpires})
		s.Name = name
		s.Namespaces = slices.Compact(slices.Sorted(slices.Values(s.Namespaces)))
		if err := s.validate(); err != nil {
			return RecordChange{}, err
		}
		ws, err := claims(dir, name, old, s.Namespaces)
		if err != nil {
			return RecordChange{}, err
		}
		rec := DomainRecord{Name: name, Namespaces: s.Namespaces, RobotMaxLifetime: s.RobotMaxLifetime, RobotNeverExpires: s.RobotNeverExpires,
			Created: info.Created, Updated: now.UTC(), UpdatedBy: p.Name}
		return RecordChange{Writes: append([]RecordWrite{put(dir, ref, rec)}, ws...), Event: event(p, now, EventUpdateDomain, ref, s)}, nil
	})
	if err != nil {
		return DomainView{}, err
	}
	return g.dir.Load().domainView(name), nil
}

// DeleteDomain removes a run-time domain with its namespace claims, users
// and robots; administrators only. A domain that owns or receives shares
// is refused with an *InUseError, unless force, which revokes them in the
// same change. It returns the shares revoked.
func (g *Grants) DeleteDomain(ctx context.Context, p Principal, name string, force bool, now time.Time) ([]Key, error) {
	if err := g.mayAdminister(p); err != nil {
		return nil, err
	}
	c, err := g.changeRecords(ctx, func(dir *Directory) (RecordChange, error) {
		ref := Ref{KindDomain, name}
		if _, err := runtimeDomain(dir, name); err != nil {
			return RecordChange{}, err
		}
		shares := g.domainShares(dir, name)
		if len(shares) > 0 && !force {
			return RecordChange{}, &InUseError{Domain: name, Shares: shares}
		}
		ws := []RecordWrite{del(dir, ref)}
		for _, ns := range dir.domains[name] {
			ws = append(ws, del(dir, Ref{KindNamespace, ns}))
		}
		for _, u := range dir.users {
			if u.Domain == name && !u.Static {
				ws = append(ws, del(dir, Ref{KindUser, u.Name}))
			}
		}
		for _, r := range dir.robots {
			if r.Domain == name {
				rr := robotRef(r.Domain, r.Robot.Name)
				ws = append(ws, del(dir, rr), RecordWrite{Ref: Ref{KindRobotUse, rr.Name}, Expect: Any})
			}
		}
		for _, w := range dir.webhooks[name] {
			ws = append(ws, del(dir, webhookRef(name, w.ID)))
		}
		ws = append(ws, leaveGroups(dir, name, now, p.Name)...)
		ev := event(p, now, EventDeleteDomain, ref, map[string]bool{"force": force})
		ev.Revoked = shares
		if err := g.noteRevocations(ctx, &ev, shares); err != nil {
			return RecordChange{}, err
		}
		return RecordChange{Writes: ws, Revoke: shares, Event: ev}, nil
	})
	return c.Revoke, err
}

// domainShares are the shares a domain owns (of repositories below its
// namespaces) or receives, sorted.
func (g *Grants) domainShares(dir *Directory, name string) []Key {
	var out []Key
	for _, ns := range dir.domains[name] {
		for _, s := range g.index.ByNamespace(ns) {
			out = append(out, s.Key())
		}
	}
	for _, s := range g.index.ByRecipient(name) {
		out = append(out, s.Key())
	}
	slices.SortFunc(out, compareKeys)
	return slices.Compact(out)
}

// compareKeys orders keys by repository, then recipient.
func compareKeys(a, b Key) int {
	return cmp.Or(cmp.Compare(a.Repository, b.Repository), cmp.Compare(a.Recipient, b.Recipient))
}

// mayAdminister checks that p is a current administrator.
func (g *Grants) mayAdminister(p Principal) error {
	if err := g.current(p); err != nil {
		return err
	}
	if !isAdmin(p) {
		return ErrNotAdmin
	}
	return nil
}

// runtimeDomain is the domain name of dir that may be changed at run time:
// it exists and the file does not declare it.
func runtimeDomain(dir *Directory, name string) (DomainInfo, error) {
	info, ok := dir.info[name]
	switch {
	case !ok:
		return DomainInfo{}, fmt.Errorf("%w: domain %s", ErrNoAccount, name)
	case info.Static:
		return DomainInfo{}, fmt.Errorf("domain %s: %w", name, ErrStatic)
	}
	return info, nil
}
