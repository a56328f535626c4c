package grants

import (
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// DomainInfo is what the directory knows of a domain besides its
// namespaces and users.
type DomainInfo struct {
	Name string
	// Static: declared in the configuration file, read-only at run time.
	Static            bool
	RobotMaxLifetime  time.Duration // 0: DefaultRobotMaxLifetime
	RobotNeverExpires bool
	Created, Updated  time.Time
	UpdatedBy         string
}

// MaxRobotLifetime is the longest a robot of the domain may live.
func (i DomainInfo) MaxRobotLifetime() time.Duration {
	if i.RobotMaxLifetime > 0 {
		return i.RobotMaxLifetime
	}
	return DefaultRobotMaxLifetime
}

// storedRecord is a record of the store, decoded once.
type storedRecord struct {
	rev int64
	v   any // *DomainRecord, *string (a namespace's owner), *UserRecord, *RobotRecord, *GroupRecord
}

// records is the store's part of the directory, as the sink receives it.
type records map[Ref]storedRecord

// apply adds or removes recs; a record that does not decode is left out
// (logged): it grants nothing until repaired.
func (rs records) apply(log *slog.Logger, recs ...Record) {
	for _, r := range recs {
		if r.Value == nil {
			delete(rs, r.Ref())
			continue
		}
		v, err := decodeRecord(r)
		if err != nil {
			log.Error("ignoring a directory record", "record", r.Ref().String(), "err", err)
			delete(rs, r.Ref())
			continue
		}
		rs[r.Ref()] = storedRecord{rev: r.Rev, v: v}
	}
}

// merge is the directory of the file's declarations (static, which it
// leaves alone) overlaid on the store's records: where both name a domain,
// user or namespace, the file's wins.
func merge(static *Directory, rs records) *Directory {
	d := &Directory{
		users:      maps.Clone(static.users),
		robots:     map[string]User{},
		namespaces: maps.Clone(static.namespaces),
		domains:    maps.Clone(static.domains),
		info:       maps.Clone(static.info),
		groups:     map[string]groupInfo{},
		memberOf:   map[string][]string{},
		webhooks:   map[string][]*WebhookRecord{},
		tokens:     map[string][]*AccessTokenRecord{},
		revs:       make(map[Ref]int64, len(rs)),
	}
	for ref, r := range rs {
		d.revs[ref] = r.rev
		if dom, ok := r.v.(*DomainRecord); ok && !d.info[ref.Name].Static {
			d.domains[ref.Name] = nil
			d.info[ref.Name] = DomainInfo{Name: ref.Name, RobotMaxLifetime: dom.RobotMaxLifetime, RobotNeverExpires: dom.RobotNeverExpires,
				Created: dom.Created, Updated: dom.Updated, UpdatedBy: dom.UpdatedBy}
		}
	}
	for ref, r := range rs {
		switch v := r.v.(type) {
		case *string:
			if _, taken := d.namespaces[ref.Name]; !taken && d.storeDomain(*v) {
				d.namespaces[ref.Name] = *v
				d.domains[*v] = append(d.domains[*v], ref.Name)
			}
		case *UserRecord:
			if _, taken := d.users[ref.Name]; !taken && d.HasDomain(v.Domain) {
				d.users[ref.Name] = User{Name: v.Name, Domain: v.Domain, Role: v.Role, PasswordHash: []byte(v.PasswordHash),
					Disabled: v.Disabled, Created: v.Created, Updated: v.Updated, UpdatedBy: v.UpdatedBy, Source: v.Source, Groups: v.Groups,
					ver: uint64(r.rev)}
			}
		case *RobotRecord:
			if _, ok := d.domains[v.Domain]; ok {
				login := RobotLogin(v.Domain, v.Name)
				d.robots[login] = User{Name: login, Domain: v.Domain, Disabled: v.Disabled, Created: v.Created, Updated: v.Updated,
					UpdatedBy: v.UpdatedBy, Robot: v, ver: uint64(r.rev)}
			}
		}
	}
	for _, r := range rs {
		switch v := r.v.(type) {
		case *GroupRecord:
			d.addGroup(v)
		case *WebhookRecord:
			if d.HasDomain(v.Domain) {
				d.webhooks[v.Domain] = append(d.webhooks[v.Domain], v)
			}
		case *AccessTokenRecord:
			d.addToken(v)
		}
	}
	for _, gs := range d.memberOf {
		slices.Sort(gs)
	}
	for _, ws := range d.webhooks {
		slices.SortFunc(ws, func(a, b *WebhookRecord) int { return strings.Compare(a.ID, b.ID) })
	}
	for dom, nss := range d.domains {
		if !d.info[dom].Static {
			slices.Sort(nss)
		}
	}
	d.cost = typicalCost(d.hashCosts())
	return d
}

// hashCosts counts the users' bcrypt costs.
func (d *Directory) hashCosts() map[int]int {
	costs := map[int]int{}
	for _, u := range d.users {
		if c, err := bcrypt.Cost(u.PasswordHash); err == nil {
			costs[c]++
		}
	}
	return costs
}

// storeDomain reports whether a domain exists and is the store's.
func (d *Directory) storeDomain(name string) bool {
	i, ok := d.info[name]
	return ok && !i.Static
}
