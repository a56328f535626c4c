package grants_test

import (
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
