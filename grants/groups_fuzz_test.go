package grants_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
)

// fuzzPartners are the domains FuzzGroupShare's membership bitmasks range
// over (bit i: fuzzPartners[i]); none owns a namespace, so that nothing
// but a share grants them anything. Bit len(fuzzPartners) is acme, the
// owner.
var fuzzPartners = []string{"globex", "hooli", "initech", "umbrella"}

// fuzzMembers are the domains of a membership bitmask.
func fuzzMembers(mask uint8) []string {
	var out []string
	for i, d := range append(slices.Clone(fuzzPartners), "acme") {
		if mask&(1<<i) != 0 {
			out = append(out, d)
		}
	}
	return out
}

// FuzzGroupShare: alice (acme) shares an arbitrary target, a repository
// or a namespace prefix (ending in '/'), with the group partners, whose
// members are one bitmask when the share is made and another afterwards;
// the group vendors, which receives no share, holds the partner domains
// partners does not. The user of one partner domain asks arbitrary actions
// on an arbitrary name. The share is made iff the target is a valid name
// of acme's (a repository below a namespace, or a prefix), and the
// decision is the model's: pull, never more, until the share's deadline,
// iff the share was made, the user's domain is a member of partners now,
// pull (or "*") was asked, and the name is the shared repository or a
// valid name strictly below the shared prefix; nothing at the deadline.
func FuzzGroupShare(f *testing.F) {
	const all, globex, initech = 0b1111, 0b0001, 0b0100
	long := strings.Repeat("a", grants.MaxNameLength-len("acme/sdk/"))
	for _, s := range []struct {
		target        string
		before, after uint8
		who           uint8
		name, actions string
	}{
		{"acme/web", globex, globex, 0, "acme/web", "pull"},
		{"acme/web", globex, globex, 0, "acme/web", "pull,push,delete,*"},
		{"acme/web", globex, globex, 0, "acme/web", "*"},
		{"acme/web", globex, globex, 0, "acme/web", "push,delete"},
		{"acme/web", globex, globex, 0, "acme/web", "PULL,Pull"},
		{"acme/web", globex, globex, 0, "acme/web", ""},
		{"acme/web", globex, globex, 2, "acme/web", "pull"}, // initech, not a member
		{"acme/web", globex, 0, 0, "acme/web", "pull"},      // globex left
		{"acme/web", 0, initech, 2, "acme/web", "pull"},     // initech joined
		{"acme/web", globex, initech, 0, "acme/web", "pull"},
		{"acme/web", all, all, 3, "acme/web", "pull"},
		{"acme/web", 0b10000, 0b10000, 0, "acme/web", "pull"}, // acme alone in the group
		{"acme/web", globex, globex, 0, "acme/web2", "pull"},
		{"acme/web", globex, globex, 0, "acme/web/sub", "pull"},
		{"acme/web", globex, globex, 0, "acme/we", "pull"},
		{"acme/web", globex, globex, 0, "ACME/web", "pull"},
		{"acme/web", globex, globex, 0, "acme//web", "pull"},
		{"acme/web", globex, globex, 0, "acme/./web", "pull"},
		{"acme/web", globex, globex, 0, "acme/../acme/web", "pull"},
		{"acme/web", globex, globex, 0, "acme/web/", "pull"},
		{"acme/web", globex, globex, 0, "acme%2Fweb", "pull"},
		{"acme/web", globex, globex, 0, "@partners", "pull"},
		{"acme/web", globex, globex, 0, "@partners/web", "pull"},
		{"acme/sdk/", globex, globex, 0, "acme/sdk/cli", "pull"},
		{"acme/sdk/", globex, globex, 0, "acme/sdk/go/v2", "pull,push,delete,*"},
		{"acme/sdk/", globex, globex, 0, "acme/sdk/cli", "push,delete"},
		{"acme/sdk/", globex, globex, 0, "acme/sdk", "pull"},
		{"acme/sdk/", globex, globex, 0, "acme/sdk/", "pull"},
		{"acme/sdk/", globex, globex, 0, "acme/sdk2/x", "pull"},
		{"acme/sdk/", globex, globex, 0, "acme/sd", "pull"},
		{"acme/sdk/", globex, globex, 0, "acme/SDK/cli", "pull"},
		{"acme/sdk/", globex, globex, 0, "acme/sdk/../secret", "pull"},
		{"acme/sdk/", globex, globex, 0, "acme/sdk//cli", "pull"},
		{"acme/sdk/", globex, globex, 0, "acme/sdk/@partners", "pull"},
		{"acme/sdk/", globex, globex, 0, "acme/sdk/" + long, "pull"},
		{"acme/sdk/", globex, globex, 0, "acme/sdk/" + long + "a", "pull"},
		{"acme/sdk/", globex, 0, 0, "acme/sdk/cli", "pull"},
		{"acme/sdk/", all, globex, 2, "acme/sdk/cli", "*"},
		{"acme/", globex, globex, 0, "acme/x", "pull"},
		{"acme/", globex, globex, 0, "acme", "pull"},
		{"acme/", globex, globex, 0, "acmex/x", "pull"},
		{"acme/", globex, globex, 0, "acme-labs/x", "pull"},
		{"acme-labs/tools/", globex, globex, 0, "acme-labs/tools/x", "pull"},
		{"acme-labs/", 0b1010, 0b1010, 1, "acme-labs/a/b", "pull"},
		{"acme", globex, globex, 0, "acme", "pull"},      // a namespace is not a repository
		{"acme", globex, globex, 0, "acme/x", "pull"},    // nor a prefix without its '/'
		{"acmex/", globex, globex, 0, "acmex/x", "pull"}, // not acme's
		{"globex/", globex, globex, 0, "globex/x", "pull"},
		{"@partners/", globex, globex, 0, "@partners/x", "pull"},
		{"acme/@partners", globex, globex, 0, "acme/@partners", "pull"},
		{"acme//", globex, globex, 0, "acme/x", "pull"},
		{"ACME/web", globex, globex, 0, "acme/web", "pull"},
		{"/", globex, globex, 0, "acme/x", "pull"},
		{"", globex, globex, 0, "acme/x", "pull"},
	} {
		f.Add(s.target, s.before, s.after, s.who, s.name, s.actions)
	}
	cfg := grants.DirectoryConfig{Superusers: []string{"root"}, Domains: map[string]grants.DomainConfig{
		"acme": {Namespaces: fuzzOwned, Users: map[string]grants.UserConfig{"alice": user(grants.RoleManage)}},
		"ops":  {Namespaces: []string{"ops"}, Users: map[string]grants.UserConfig{"root": user(grants.RoleRead)}},
	}}
	for _, d := range fuzzPartners {
		cfg.Domains[d] = grants.DomainConfig{Users: map[string]grants.UserConfig{"u-" + d: user(grants.RoleManage)}}
	}
	dir := newDirectory(f, cfg)
	f.Fuzz(func(t *testing.T, target string, before, after, who uint8, name, actions string) {
		ctx := context.Background()
		g, _ := newGrants(t, dir)
		root := lookup(t, g, "root")
		if _, err := g.CreateGroup(ctx, root, grants.GroupSpec{Name: "partners", Members: fuzzMembers(before)}, now); err != nil {
			t.Fatalf("CreateGroup(partners, %v): %v", fuzzMembers(before), err)
		}
		_, err := g.Create(ctx, lookup(t, g, "alice"), newShare(target, grants.GroupRecipient("partners"), tomorrow), now)
		prefix := grants.IsPrefix(target)
		base := strings.TrimSuffix(target, "/")
		valid := grants.ValidateRepository(base) == nil && (prefix || grants.Namespace(target) != target) &&
			slices.Contains(fuzzOwned, grants.Namespace(base))
		switch {
		case err == nil && !valid:
			t.Fatalf("a share of %q was made", target)
		case err != nil && valid:
			t.Fatalf("the share of %q was refused: %v", target, err)
		case err != nil && !errors.Is(err, grants.ErrInvalid) && !errors.Is(err, grants.ErrForbidden):
			t.Fatalf("the share of %q: %v, want ErrInvalid or ErrForbidden", target, err)
		}
		if _, err := g.UpdateGroup(ctx, root, "partners", now, func(s grants.GroupSpec) grants.GroupSpec {
			s.Members = fuzzMembers(after)
			return s
		}); err != nil {
			t.Fatalf("UpdateGroup(partners, %v): %v", fuzzMembers(after), err)
		}
		if _, err := g.CreateGroup(ctx, root, grants.GroupSpec{Name: "vendors", Members: fuzzMembers(^after & 0b1111)}, now); err != nil {
			t.Fatalf("CreateGroup(vendors): %v", err)
		}

		i := int(who) % len(fuzzPartners)
		member := after&(1<<i) != 0
		asked := strings.Split(actions, ",")
		covered := name == target
		if prefix {
			covered = strings.HasPrefix(name, target) && len(name) > len(target) && grants.ValidateRepository(name) == nil
		}
		want := err == nil && member && covered && (slices.Contains(asked, grants.ActionPull) || slices.Contains(asked, grants.ActionAll))
		u := lookup(t, g, "u-"+fuzzPartners[i])
		req := []grants.Access{{Type: grants.TypeRepository, Name: name, Actions: asked}}
		for _, at := range []time.Time{now, tomorrow.Add(-time.Nanosecond)} {
			d := g.Authorize(u, req, at)
			switch {
			case len(d) != 1:
				t.Fatalf("%d decisions for one access", len(d))
			case want && (!slices.Equal(d[0].Actions, []string{grants.ActionPull}) || !d[0].Shared || !d[0].Deadline.Equal(tomorrow)):
				t.Fatalf("share %q with partners %v, %s asking %q of %q at %v: %v (shared %v) until %v, want pull until %v",
					target, fuzzMembers(after), fuzzPartners[i], asked, name, at, d[0].Actions, d[0].Shared, d[0].Deadline, tomorrow)
			case !want && len(d[0].Actions) != 0:
				t.Fatalf("share %q (made: %v) with partners %v, %s (member: %v) asking %q of %q: granted %v",
					target, err == nil, fuzzMembers(after), fuzzPartners[i], member, asked, name, d[0].Actions)
			}
		}
		if d := g.Authorize(u, req, tomorrow); len(d[0].Actions) != 0 {
			t.Fatalf("share %q, %s on %q at its deadline: granted %v", target, fuzzPartners[i], name, d[0].Actions)
		}
	})
}
