package grants

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Event actions of groups.
const (
	EventCreateGroup = "create_group"
	EventUpdateGroup = "update_group"
	EventDeleteGroup = "delete_group"
)

// Groups lists the groups, to any current user: sharing with one needs
// its name. Members are an administrator's to see (GroupView).
func (g *Grants) Groups(p Principal) ([]GroupView, error) {
	if err := g.current(p); err != nil {
		return nil, err
	}
	dir := g.dir.Load()
	out := make([]GroupView, 0, len(dir.groups))
	for _, name := range sortedKeys(dir.groups) {
		out = append(out, dir.groupView(name, p))
	}
	return out, nil
}

// Group returns one group, as Groups does.
func (g *Grants) Group(p Principal, name string) (GroupView, error) {
	if err := g.current(p); err != nil {
		return GroupView{}, err
	}
	dir := g.dir.Load()
	if !dir.HasGroup(name) {
		return GroupView{}, fmt.Errorf("%w: group %s", ErrNoAccount, name)
	}
	return dir.groupView(name, p), nil
}

// CreateGroup makes a group; administrators only.
func (g *Grants) CreateGroup(ctx context.Context, p Principal, s GroupSpec, now time.Time) (GroupView, error) {
	if err := g.mayAdminister(p); err != nil {
		return GroupView{}, err
	}
	s.Members = normalMembers(s.Members)
	_, err := g.changeRecords(ctx, func(dir *Directory) (RecordChange, error) {
		if dir.HasGroup(s.Name) {
			return RecordChange{}, fmt.Errorf("%w: group %s", ErrAccountExists, s.Name)
		}
		if len(dir.groups) >= MaxGroupsTotal {
			return RecordChange{}, fmt.Errorf("%w: there are %d groups, the most there may be", ErrInvalid, MaxGroupsTotal)
		}
		if err := s.validate(dir); err != nil {
			return RecordChange{}, err
		}
		ref := Ref{KindGroup, s.Name}
		rec := GroupRecord{Name: s.Name, Description: s.Description, Members: s.Members, Created: now.UTC(), Updated: now.UTC(), UpdatedBy: p.Name}
		return RecordChange{Writes: []RecordWrite{put(dir, ref, rec)}, Event: event(p, now, EventCreateGroup, ref, s)}, nil
	})
	if err != nil {
		return GroupView{}, err
	}
	return g.dir.Load().groupView(s.Name, p), nil
}

// UpdateGroup changes a group's description and members to what fn makes
// of them; administrators only. fn is called on the group in force, again
// if another change came first, so that adding one member and removing
// another at once lose neither. A member removed loses the group's shares
// for every token issued afterwards.
func (g *Grants) UpdateGroup(ctx context.Context, p Principal, name string, now time.Time, fn func(GroupSpec) GroupSpec) (GroupView, error) {
	if err := g.mayAdminister(p); err != nil {
		return GroupView{}, err
	}
	_, err := g.changeRecords(ctx, func(dir *Directory) (RecordChange, error) {
		gi, ok := dir.groups[name]
		if !ok {
			return RecordChange{}, fmt.Errorf("%w: group %s", ErrNoAccount, name)
		}
		s := fn(GroupSpec{Name: name, Description: gi.rec.Description, Members: slices.Clone(gi.members)})
		s.Name, s.Members = name, normalMembers(s.Members)
		if err := s.validate(dir); err != nil {
			return RecordChange{}, err
		}
		ref := Ref{KindGroup, name}
		rec := GroupRecord{Name: name, Description: s.Description, Members: s.Members, Created: gi.rec.Created, Updated: now.UTC(), UpdatedBy: p.Name}
		return RecordChange{Writes: []RecordWrite{put(dir, ref, rec)}, Event: event(p, now, EventUpdateGroup, ref, groupChange(gi.members, s))}, nil
	})
	if err != nil {
		return GroupView{}, err
	}
	return g.dir.Load().groupView(name, p), nil
}

// groupChange is the history's detail of an update: the members added
// and removed beside the group as it is now.
func groupChange(old []string, s GroupSpec) map[string]any {
	added := slices.DeleteFunc(slices.Clone(s.Members), func(m string) bool { return slices.Contains(old, m) })
	removed := slices.DeleteFunc(slices.Clone(old), func(m string) bool { return slices.Contains(s.Members, m) })
	return map[string]any{"description": s.Description, "members": s.Members, "added": added, "removed": removed}
}

// DeleteGroup removes a group; administrators only. A group that receives
// shares is refused with an *InUseError, unless force, which revokes them
// in the same change. It returns the shares revoked.
func (g *Grants) DeleteGroup(ctx context.Context, p Principal, name string, force bool, now time.Time) ([]Key, error) {
	if err := g.mayAdminister(p); err != nil {
		return nil, err
	}
	c, err := g.changeRecords(ctx, func(dir *Directory) (RecordChange, error) {
		if !dir.HasGroup(name) {
			return RecordChange{}, fmt.Errorf("%w: group %s", ErrNoAccount, name)
		}
		var shares []Key
		for _, s := range g.index.ByRecipient(GroupRecipient(name)) {
			shares = append(shares, s.Key())
		}
		slices.SortFunc(shares, compareKeys)
		if len(shares) > 0 && !force {
			return RecordChange{}, &InUseError{Domain: GroupRecipient(name), Shares: shares}
		}
		ref := Ref{KindGroup, name}
		ev := event(p, now, EventDeleteGroup, ref, map[string]bool{"force": force})
		ev.Revoked = shares
		if err := g.noteRevocations(ctx, &ev, shares); err != nil {
			return RecordChange{}, err
		}
		return RecordChange{Writes: []RecordWrite{del(dir, ref)}, Revoke: shares, Event: ev}, nil
	})
	return c.Revoke, err
}

// leaveGroups are the writes that take domain out of every group whose
// record names it, made with the domain's deletion and with a domain's
// creation: a domain made under a name no domain has now (one deleted,
// or one the file declared no more) inherits no group of the other.
func leaveGroups(dir *Directory, domain string, now time.Time, actor string) []RecordWrite {
	var ws []RecordWrite
	for _, name := range sortedKeys(dir.groups) {
		rec := *dir.groups[name].rec
		if !slices.Contains(rec.Members, domain) {
			continue
		}
		rec.Members = slices.DeleteFunc(slices.Clone(rec.Members), func(m string) bool { return m == domain })
		rec.Updated, rec.UpdatedBy = now.UTC(), actor
		ws = append(ws, put(dir, Ref{KindGroup, name}, rec))
	}
	return ws
}
