package grants_test

import (
	"errors"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
)

// A share whose recipient or owner domain is removed grants nothing, is
// listed as not valid, and can be revoked; once EndOrphans ran, a later
// tenant given the same domain name (and namespace) inherits nothing.
func TestSharesEndWithTheirDomains(t *testing.T) {
	g, store := newGrants(t, newDirectory(t, testDirectoryConfig()))
	toGlobex := mustShare(t, g, "alice", newShare("acme/web", "globex", time.Time{}), now)
	fromInitech := mustShare(t, g, "ivan", newShare("initech/tool", "acme", nextYear), now)
	pull := func(repo string) []grants.Access {
		return []grants.Access{{Type: "repository", Name: repo, Actions: []string{"pull"}}}
	}

	// globex (a recipient) and initech (an owner) leave.
	cfg := testDirectoryConfig()
	delete(cfg.Domains, "globex")
	delete(cfg.Domains, "initech")
	g.SetDirectory(newDirectory(t, cfg))
	if g.Effective(toGlobex, now) || g.Effective(fromInitech, now) {
		t.Error("a share of a removed domain is listed as valid")
	}
	if d := g.Authorize(lookup(t, g, "alice"), pull("initech/tool"), now)[0]; len(d.Actions) != 0 {
		t.Errorf("a removed owner's share still grants %q", d.Actions)
	}
	n, err := g.EndOrphans(t.Context(), now)
	if err != nil || n != 2 {
		t.Fatalf("EndOrphans = %d, %v; want 2", n, err)
	}
	if n, err := g.EndOrphans(t.Context(), now.Add(time.Minute)); err != nil || n != 0 {
		t.Errorf("EndOrphans again = %d, %v; want 0", n, err)
	}
	stored, err := store.Get(t.Context(), toGlobex.Key())
	if err != nil || !stored.Deadline.Equal(now) || stored.UpdatedBy != "regshare" {
		t.Errorf("stored share %+v (%v): want its deadline now, updated by regshare", stored, err)
	}

	// New tenants under the old names.
	g.SetDirectory(newDirectory(t, testDirectoryConfig()))
	later := now.Add(time.Second)
	if d := g.Authorize(lookup(t, g, "greg"), pull("acme/web"), later)[0]; len(d.Actions) != 0 {
		t.Errorf("the new globex inherits the old globex's share: %q", d.Actions)
	}
	if d := g.Authorize(lookup(t, g, "alice"), pull("initech/tool"), later)[0]; len(d.Actions) != 0 {
		t.Errorf("a share of the old initech grants for the new one: %q", d.Actions)
	}
	if s, ok := g.Index().Get(toGlobex.Key()); !ok || g.Effective(s, later) {
		t.Errorf("the ended share is not listed, or listed as valid: %+v %v", s, ok)
	}
	if _, err := g.Revoke(t.Context(), lookup(t, g, "alice"), toGlobex.Key(), later); err != nil {
		t.Errorf("revoke an ended share: %v", err)
	}
}

// A share change is decided against the directory in force: a principal
// authenticated before a reload (demoted, moved or removed since) changes
// nothing, and a share whose recipient was removed can be revoked but not
// renewed.
func TestShareChangesRefuseReplacedSnapshot(t *testing.T) {
	g, _ := newGrants(t, newDirectory(t, testDirectoryConfig()))
	s := mustShare(t, g, "alice", newShare("acme/web", "globex", time.Time{}), now)
	stale := lookup(t, g, "alice")
	cfg := testDirectoryConfig()
	cfg.Domains["acme"].Users["alice"] = user(grants.RoleRead)
	g.SetDirectory(newDirectory(t, cfg))
	if _, err := g.Create(t.Context(), stale, newShare("acme/web", "initech", time.Time{}), now); !errors.Is(err, grants.ErrReloaded) {
		t.Errorf("Create by a demoted user's old principal: %v, want ErrReloaded", err)
	}
	if _, _, err := g.Update(t.Context(), stale, s.Key(), now, func(s grants.Share) grants.Share { s.Description = "x"; return s }); !errors.Is(err, grants.ErrReloaded) {
		t.Errorf("Update by an old principal: %v, want ErrReloaded", err)
	}
	if _, err := g.Revoke(t.Context(), stale, s.Key(), now); !errors.Is(err, grants.ErrReloaded) {
		t.Errorf("Revoke by an old principal: %v, want ErrReloaded", err)
	}
	if _, ok := g.Index().Get(s.Key()); !ok {
		t.Fatal("a refused change removed the share")
	}

	cfg = testDirectoryConfig()
	delete(cfg.Domains, "globex")
	g.SetDirectory(newDirectory(t, cfg))
	amy := lookup(t, g, "amy")
	if _, _, err := g.Update(t.Context(), amy, s.Key(), now, func(s grants.Share) grants.Share { s.Deadline = nextYear; return s }); !errors.Is(err, grants.ErrUnknownDomain) {
		t.Errorf("renewing a share of a removed recipient: %v, want ErrUnknownDomain", err)
	}
	if _, err := g.Revoke(t.Context(), amy, s.Key(), now); err != nil {
		t.Errorf("revoking a share of a removed recipient: %v", err)
	}
}
