package grants_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
)

// accountsFixture is authorizeFixture with passwords hashed fast.
func accountsFixture(t *testing.T) *grants.Grants {
	g := authorizeFixture(t)
	g.SetPasswordCost(bcrypt.MinCost)
	return g
}

var ctx = context.Background()

func TestDomainLifecycle(t *testing.T) {
	g := accountsFixture(t)
	root, alice := lookup(t, g, "root"), lookup(t, g, "alice")
	if _, err := g.CreateDomain(ctx, alice, grants.DomainSpec{Name: "hooli", Namespaces: []string{"hooli"}}, now); !errors.Is(err, grants.ErrNotAdmin) {
		t.Fatalf("a manage user creates a domain: %v", err)
	}
	d, err := g.CreateDomain(ctx, root, grants.DomainSpec{Name: "hooli", Namespaces: []string{"hooli", "hooli-labs"}}, now)
	if err != nil || !slices.Equal(d.Namespaces, []string{"hooli", "hooli-labs"}) || d.Static {
		t.Fatalf("CreateDomain = %+v, %v", d, err)
	}
	if owner, ok := g.Directory().NamespaceOwner("hooli-labs"); !ok || owner != "hooli" {
		t.Errorf("hooli-labs owned by %q, %v", owner, ok)
	}
	for _, tc := range []struct {
		spec grants.DomainSpec
		want error
	}{
		{grants.DomainSpec{Name: "hooli", Namespaces: []string{"x"}}, grants.ErrAccountExists},
		{grants.DomainSpec{Name: "acme"}, grants.ErrAccountExists},
		{grants.DomainSpec{Name: "pied", Namespaces: []string{"acme"}}, grants.ErrNamespaceTaken},       // the file's
		{grants.DomainSpec{Name: "pied", Namespaces: []string{"hooli-labs"}}, grants.ErrNamespaceTaken}, // the store's
		{grants.DomainSpec{Name: "Pied"}, grants.ErrInvalid},
		{grants.DomainSpec{Name: "pied", RobotMaxLifetime: time.Minute}, grants.ErrInvalid},
	} {
		if _, err := g.CreateDomain(ctx, root, tc.spec, now); !errors.Is(err, tc.want) {
			t.Errorf("CreateDomain(%+v) = %v, want %v", tc.spec, err, tc.want)
		}
	}
	if g.Directory().HasDomain("pied") {
		t.Error("a refused domain was made")
	}
	// A file-declared domain is read-only.
	if _, err := g.UpdateDomain(ctx, root, "acme", now, func(s grants.DomainSpec) grants.DomainSpec { return s }); !errors.Is(err, grants.ErrStatic) {
		t.Errorf("UpdateDomain(acme) = %v", err)
	}
	if _, err := g.DeleteDomain(ctx, root, "acme", true, now); !errors.Is(err, grants.ErrStatic) {
		t.Errorf("DeleteDomain(acme) = %v", err)
	}
	// Giving a namespace up frees it.
	if _, err := g.UpdateDomain(ctx, root, "hooli", now, func(s grants.DomainSpec) grants.DomainSpec {
		s.Namespaces = []string{"hooli"}
		return s
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.CreateDomain(ctx, root, grants.DomainSpec{Name: "pied", Namespaces: []string{"hooli-labs"}}, now); err != nil {
		t.Errorf("a freed namespace cannot be claimed: %v", err)
	}
	hist, err := g.RecordHistory(ctx, root, grants.Ref{Kind: grants.KindDomain, Name: "hooli"})
	if err != nil || len(hist) != 2 || hist[0].Action != grants.EventCreateDomain || hist[1].Action != grants.EventUpdateDomain || hist[1].Actor != "root" {
		t.Errorf("history = %+v, %v", hist, err)
	}
}

func TestDeleteDomainWithShares(t *testing.T) {
	g := accountsFixture(t)
	root := lookup(t, g, "root")
	if _, err := g.CreateDomain(ctx, root, grants.DomainSpec{Name: "hooli", Namespaces: []string{"hooli"}}, now); err != nil {
		t.Fatal(err)
	}
	mgr, _, err := g.CreateUser(ctx, root, grants.UserSpec{Domain: "hooli", Name: "hank", Role: grants.RoleManage, Password: "hank-password"}, now)
	if err != nil {
		t.Fatal(err)
	}
	hank := lookup(t, g, mgr.Name)
	mustShare(t, g, "hank", newShare("hooli/box", "acme", time.Time{}), now)
	mustShare(t, g, "alice", newShare("acme/web", "hooli", time.Time{}), now)
	_, err = g.DeleteDomain(ctx, root, "hooli", false, now)
	var inUse *grants.InUseError
	if !errors.As(err, &inUse) || len(inUse.Shares) != 2 {
		t.Fatalf("DeleteDomain without force = %v", err)
	}
	if !g.Directory().HasDomain("hooli") {
		t.Fatal("a refused deletion deleted the domain")
	}
	revoked, err := g.DeleteDomain(ctx, root, "hooli", true, now)
	if err != nil || len(revoked) != 2 {
		t.Fatalf("DeleteDomain(force) = %v, %v", revoked, err)
	}
	if _, ok := g.Index().Get(grants.Key{Repository: "acme/web", Recipient: "hooli"}); ok {
		t.Error("the share with the deleted domain is still in the index")
	}
	if _, ok := g.Directory().User("hank"); ok {
		t.Error("the deleted domain's user remains")
	}
	req := []grants.Access{{Type: "repository", Name: "hooli/box", Actions: []string{"pull"}}}
	if d := g.Authorize(hank, req, now)[0]; len(d.Actions) != 0 {
		t.Errorf("a user of a deleted domain is granted %q", d.Actions)
	}
}

func TestUserManagement(t *testing.T) {
	g := accountsFixture(t)
	alice, walt, gina, root := lookup(t, g, "alice"), lookup(t, g, "walt"), lookup(t, g, "gina"), lookup(t, g, "root")
	spec := grants.UserSpec{Domain: "acme", Name: "carol", Role: grants.RoleWrite}
	for _, tc := range []struct {
		by   grants.Principal
		spec grants.UserSpec
		want error
	}{
		{walt, spec, grants.ErrNotManager},
		{gina, spec, grants.ErrNoAccount}, // another domain's manager does not see acme
		{alice, grants.UserSpec{Domain: "acme", Name: "Carol", Role: grants.RoleRead}, grants.ErrInvalid},
		{alice, grants.UserSpec{Domain: "acme", Name: "robot$acme+x", Role: grants.RoleRead}, grants.ErrInvalid},
		{alice, grants.UserSpec{Domain: "acme", Name: "carol", Role: "owner"}, grants.ErrInvalid},
		{alice, grants.UserSpec{Domain: "acme", Name: "gina", Role: grants.RoleRead}, grants.ErrAccountExists},
		{alice, grants.UserSpec{Domain: "acme", Name: "carol", Role: grants.RoleRead, Password: "short"}, grants.ErrInvalid},
	} {
		if _, _, err := g.CreateUser(ctx, tc.by, tc.spec, now); !errors.Is(err, tc.want) {
			t.Errorf("CreateUser by %s %+v = %v, want %v", tc.by.Name, tc.spec, err, tc.want)
		}
	}
	u, password, err := g.CreateUser(ctx, alice, spec, now)
	if err != nil || len(password) < 20 || u.Static || len(u.PasswordHash) != 0 {
		t.Fatalf("CreateUser = %+v, %q, %v", u, password, err)
	}
	carol := lookup(t, g, "carol")
	if bcrypt.CompareHashAndPassword(carol.PasswordHash, []byte(password)) != nil {
		t.Fatal("the drawn password is not the user's")
	}
	push := []grants.Access{{Type: "repository", Name: "acme/web", Actions: []string{"push"}}}
	if d := g.Authorize(carol, push, now)[0]; !sameActions(d.Actions, []string{"push"}) {
		t.Errorf("a new write user is granted %q", d.Actions)
	}
	// Demoted: carol as authenticated before is granted nothing, the new
	// record pull only.
	read := grants.RoleRead
	if _, err := g.UpdateUser(ctx, alice, "acme", "carol", grants.UserUpdate{Role: &read}, now); err != nil {
		t.Fatal(err)
	}
	if d := g.Authorize(carol, push, now)[0]; len(d.Actions) != 0 {
		t.Errorf("a demoted user's old principal is granted %q", d.Actions)
	}
	if d := g.Authorize(lookup(t, g, "carol"), push, now)[0]; len(d.Actions) != 0 {
		t.Errorf("a read user is granted %q", d.Actions)
	}
	yes := true
	if _, err := g.UpdateUser(ctx, alice, "acme", "carol", grants.UserUpdate{Disabled: &yes}, now); err != nil {
		t.Fatal(err)
	}
	if _, ok := g.Directory().Principal("carol"); ok {
		t.Error("a disabled user is a principal")
	}
	// The file's users are read-only; nobody demotes or deletes themselves.
	if _, err := g.UpdateUser(ctx, alice, "acme", "walt", grants.UserUpdate{Role: &read}, now); !errors.Is(err, grants.ErrStatic) {
		t.Errorf("UpdateUser(walt) = %v", err)
	}
	if err := g.DeleteUser(ctx, alice, "acme", "alice", now); !errors.Is(err, grants.ErrSelf) {
		t.Errorf("DeleteUser(self) = %v", err)
	}
	if err := g.DeleteUser(ctx, gina, "acme", "carol", now); !errors.Is(err, grants.ErrNoAccount) {
		t.Errorf("DeleteUser by another domain = %v", err)
	}
	if err := g.DeleteUser(ctx, root, "acme", "carol", now); err != nil {
		t.Fatal(err)
	}
	if _, ok := g.Directory().User("carol"); ok {
		t.Error("a deleted user remains")
	}
}

func TestPasswords(t *testing.T) {
	g := accountsFixture(t)
	alice := lookup(t, g, "alice")
	if _, _, err := g.CreateUser(ctx, alice, grants.UserSpec{Domain: "acme", Name: "dave", Role: grants.RoleRead, Password: "first-password"}, now); err != nil {
		t.Fatal(err)
	}
	dave := lookup(t, g, "dave")
	if err := g.ChangePassword(ctx, dave, "wrong-password", "second-password", now); !errors.Is(err, grants.ErrWrongPassword) {
		t.Errorf("ChangePassword with a wrong current one = %v", err)
	}
	if err := g.ChangePassword(ctx, dave, "first-password", "second-password", now); err != nil {
		t.Fatal(err)
	}
	if _, err := g.MayView(dave, "acme/web"); !errors.Is(err, grants.ErrReloaded) {
		t.Errorf("the principal of the old password still acts: %v", err)
	}
	dave = lookup(t, g, "dave")
	if bcrypt.CompareHashAndPassword(dave.PasswordHash, []byte("second-password")) != nil {
		t.Error("the new password is not set")
	}
	if err := g.ChangePassword(ctx, alice, "x", "second-password", now); !errors.Is(err, grants.ErrStatic) {
		t.Errorf("a file user changes its password at run time: %v", err)
	}
	reset, err := g.ResetPassword(ctx, alice, "acme", "dave", now)
	if err != nil || bcrypt.CompareHashAndPassword(lookup(t, g, "dave").PasswordHash, []byte(reset)) != nil {
		t.Errorf("ResetPassword = %q, %v", reset, err)
	}
	if _, err := g.ResetPassword(ctx, lookup(t, g, "rita"), "acme", "dave", now); !errors.Is(err, grants.ErrNotManager) {
		t.Errorf("a read user resets a password: %v", err)
	}
}

// TestConcurrentManagers has two managers change one user at once: both
// changes land, neither overwrites the other.
func TestConcurrentManagers(t *testing.T) {
	g := accountsFixture(t)
	alice, amy := lookup(t, g, "alice"), lookup(t, g, "amy")
	if _, _, err := g.CreateUser(ctx, alice, grants.UserSpec{Domain: "acme", Name: "erin", Role: grants.RoleRead, Password: "erin-password"}, now); err != nil {
		t.Fatal(err)
	}
	write, yes := grants.RoleWrite, true
	errc := make(chan error, 2)
	go func() {
		_, err := g.UpdateUser(ctx, alice, "acme", "erin", grants.UserUpdate{Role: &write}, now)
		errc <- err
	}()
	go func() {
		_, err := g.UpdateUser(ctx, amy, "acme", "erin", grants.UserUpdate{Disabled: &yes}, now)
		errc <- err
	}()
	for range 2 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	u, _ := g.Directory().User("erin")
	if u.Role != grants.RoleWrite || !u.Disabled {
		t.Errorf("after two concurrent changes: role %s, disabled %v; one was lost", u.Role, u.Disabled)
	}
}
