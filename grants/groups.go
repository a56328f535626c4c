package grants

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Groups of domains: named sets an administrator keeps (SWR's
// organizations). A share made with a group is one share, its recipient
// "@name" (no domain name holds '@'), and grants each member domain, as
// the directory in force names them: a domain that joins gains it, one
// that leaves loses it for every token issued afterwards, on every
// replica, as soon as the group's record reaches it.

// KindGroup is the record kind of a group; name: the group's name.
const KindGroup = "group"

// Limits of groups. A decision looks a repository up once per recipient
// the domain stands for (itself and each of its groups), so the number of
// groups a domain is in bounds its cost.
const (
	MaxGroupsPerDomain = 16
	MaxMembersPerGroup = 1000
	MaxGroupsTotal     = 1000
)

// groupPrefix begins a group's recipient name.
const groupPrefix = "@"

// GroupRecipient is the recipient of a share made with the group name.
func GroupRecipient(name string) string { return groupPrefix + name }

// GroupOf returns the group a recipient names, if it names one, else "".
func GroupOf(recipient string) (string, bool) {
	if name, ok := strings.CutPrefix(recipient, groupPrefix); ok {
		return name, true
	}
	return "", false
}

// GroupRecord is a group as the store keeps it.
type GroupRecord struct {
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Members     []string  `json:"members"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	UpdatedBy   string    `json:"updated_by,omitempty"`
}

// GroupSpec is what an administrator sets of a group.
type GroupSpec struct {
	Name        string
	Description string
	Members     []string
}

// GroupView is a group as listings show it. Members are listed to
// administrators only: another tenant's domain names are not every user's
// to read. Member says whether the caller's domain is one.
type GroupView struct {
	Name        string
	Description string
	Members     []string
	NumMembers  int
	Member      bool
	Created     time.Time
	Updated     time.Time
	UpdatedBy   string
}

// HasGroup reports whether the group exists.
func (d *Directory) HasGroup(name string) bool {
	_, ok := d.groups[name]
	return ok
}

// HasRecipient reports whether a share's recipient exists: a domain, or a
// group ("@name").
func (d *Directory) HasRecipient(recipient string) bool {
	if name, ok := GroupOf(recipient); ok {
		return d.HasGroup(name)
	}
	return d.HasDomain(recipient)
}

// Recipients are the recipients whose shares domain receives: itself,
// then each group it is a member of ("@name"), in name order.
func (d *Directory) Recipients(domain string) []string {
	return append([]string{domain}, d.memberOf[domain]...)
}

// addGroup puts the group record in force: its members that are domains
// of the directory (a domain the file no longer declares is left out) and
// each member's list of groups, as recipients.
func (d *Directory) addGroup(rec *GroupRecord) {
	members := slices.DeleteFunc(slices.Clone(rec.Members), func(m string) bool { return !d.HasDomain(m) })
	d.groups[rec.Name] = groupInfo{rec: rec, members: members}
	for _, m := range members {
		d.memberOf[m] = append(d.memberOf[m], GroupRecipient(rec.Name))
	}
}

// groupInfo is a group of the directory in force.
type groupInfo struct {
	rec     *GroupRecord
	members []string // the record's members that exist
}

func (d *Directory) groupView(name string, p Principal) GroupView {
	gi := d.groups[name]
	v := GroupView{Name: name, Description: gi.rec.Description, NumMembers: len(gi.members),
		Member: slices.Contains(gi.members, p.Domain), Created: gi.rec.Created, Updated: gi.rec.Updated, UpdatedBy: gi.rec.UpdatedBy}
	if isAdmin(p) {
		v.Members = slices.Clone(gi.members)
	}
	return v
}

// validate checks a spec against dir: a valid name, a description of at
// most MaxDescription characters, members that are domains, none in more
// than MaxGroupsPerDomain groups once this one holds it.
func (s GroupSpec) validate(dir *Directory) error {
	if err := ValidateNamespace(s.Name); err != nil {
		return fmt.Errorf("%w: group name %q must be lower-case letters and digits separated by '.', '_', '__' or '-'", ErrInvalid, s.Name)
	}
	if !utf8.ValidString(s.Description) || utf8.RuneCountInString(s.Description) > MaxDescription {
		return fmt.Errorf("%w: a group's description is valid UTF-8 of at most %d characters", ErrInvalid, MaxDescription)
	}
	if len(s.Members) > MaxMembersPerGroup {
		return fmt.Errorf("%w: a group has at most %d members", ErrInvalid, MaxMembersPerGroup)
	}
	for _, m := range s.Members {
		if !dir.HasDomain(m) {
			return fmt.Errorf("%w %q", ErrUnknownDomain, m)
		}
		in := dir.memberOf[m]
		if len(in) >= MaxGroupsPerDomain && !slices.Contains(in, GroupRecipient(s.Name)) {
			return fmt.Errorf("%w: domain %s is in %d groups already, the most a domain may be in", ErrInvalid, m, MaxGroupsPerDomain)
		}
	}
	return nil
}

// normalMembers sorts the members and drops repeats.
func normalMembers(m []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(m)))
}
