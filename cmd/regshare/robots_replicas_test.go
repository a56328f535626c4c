package main

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/tokenauth"
)

// waitAccount waits, at most 2 s, until replica i's directory has (or
// lacks) the user or robot login: the etcd watch brings it at once.
func (r *replicas) waitAccount(t *testing.T, i int, login string, want bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		if _, ok := r.apps[i].grants.Directory().User(login); ok == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica %c: account %s in the directory is not %v after 2s", 'A'+i, login, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// principal is name as replica i knows it.
func (r *replicas) principal(t *testing.T, i int, name string) grants.Principal {
	t.Helper()
	p, ok := r.apps[i].grants.Directory().Principal(name)
	if !ok {
		t.Fatalf("replica %c has no user %s", 'A'+i, name)
	}
	return p
}

// Account changes made through replica A hold on replica B as soon as
// B's directory has them: a new robot logs in there, a deleted robot is
// refused, and a deleted user loses its API token and its Basic login.
func TestRobotReplicasAccounts(t *testing.T) {
	r := newReplicas(t)
	e := r.e
	ctx := context.Background()
	a, now := r.apps[replicaA].grants, e.clock.Now()
	web, err := e.push("alice", "acme/web:latest")
	if err != nil {
		t.Fatal(err)
	}
	shareVia(t, r.urls[replicaA], "acme/web", "globex", "alice", e2ePass)
	r.waitIndex(t, replicaB, webGlobex, true)

	u, secret, err := a.CreateRobot(ctx, r.principal(t, replicaA, "gus"),
		grants.RobotSpec{Domain: robotDomain, Name: "ci", Permissions: []grants.Permission{pullOf("acme/web")}, Expires: now.Add(time.Hour)}, now)
	if err != nil {
		t.Fatal(err)
	}
	ci := robot{u.Name, secret}
	r.waitAccount(t, replicaB, ci.login, true)
	if status, _, c := tokenAs(t, r.urls[replicaB], pullQuery("acme/web"), ci.login, ci.secret); status != http.StatusOK || !slices.Equal(granted(c, "acme/web"), []string{"pull"}) {
		t.Fatalf("robot made on A, token from B: %d, access %v", status, c.Access)
	}
	r.realm(replicaB)
	e.mustPull("robot made on A, with tokens from B", ci, "acme/web:latest", web)

	if err := a.DeleteRobot(ctx, r.principal(t, replicaA, "gus"), robotDomain, "ci", now); err != nil {
		t.Fatal(err)
	}
	r.waitAccount(t, replicaB, ci.login, false)
	if status, _, _ := tokenAs(t, r.urls[replicaB], pullQuery("acme/web"), ci.login, ci.secret); status != http.StatusUnauthorized {
		t.Fatalf("robot deleted on A, login on B: %d, want 401", status)
	}
	_, err = e.robotPull(ci, "acme/web:latest")
	e.wantLoginRefused("robot deleted on A, pulling with tokens from B", err)

	// A user made on A, with an API token from B and its Basic login
	// checked (and cached) there; deleted on A, B refuses both. Its domain
	// is made at run time too: the directory takes run-time users only in
	// run-time domains.
	root := r.principal(t, replicaA, "root")
	if _, err := a.CreateDomain(ctx, root, grants.DomainSpec{Name: "initech", Namespaces: []string{"initech"}}, now); err != nil {
		t.Fatal(err)
	}
	a.SetPasswordCost(bcrypt.MinCost)
	if _, _, err := a.CreateUser(ctx, root, grants.UserSpec{Domain: "initech", Name: "temp", Role: grants.RoleManage, Password: e2ePass}, now); err != nil {
		t.Fatal(err)
	}
	r.waitAccount(t, replicaB, "temp", true)
	apiToken, _ := tokenAnswer(t, r.urls[replicaB], "service="+tokenauth.DefaultAPIService, "temp")
	bearer := func(req *http.Request) { req.Header.Set("Authorization", "Bearer "+apiToken) }
	basic := func(req *http.Request) { req.SetBasicAuth("temp", e2ePass) }
	const listing = "/v2/manage/shared-repositories?center=self"
	if got := httpStatus(t, http.MethodGet, r.urls[replicaB], listing, bearer, ""); got != http.StatusOK {
		t.Fatalf("API token of the new user on B: %d", got)
	}
	if got := httpStatus(t, http.MethodGet, r.urls[replicaB], listing, basic, ""); got != http.StatusOK {
		t.Fatalf("Basic API call of the new user on B: %d", got)
	}
	if status, _, c := tokenAs(t, r.urls[replicaB], pullQuery("initech/app"), "temp", e2ePass); status != http.StatusOK || len(c.Access) != 1 {
		t.Fatalf("Basic login of the new user on B: %d, access %v", status, c.Access)
	}

	if err := a.DeleteUser(ctx, root, "initech", "temp", now); err != nil {
		t.Fatal(err)
	}
	r.waitAccount(t, replicaB, "temp", false)
	if got := httpStatus(t, http.MethodGet, r.urls[replicaB], listing, bearer, ""); got != http.StatusUnauthorized {
		t.Errorf("API token of the user deleted on A, on B: %d, want 401", got)
	}
	if got := httpStatus(t, http.MethodGet, r.urls[replicaB], listing, basic, ""); got != http.StatusUnauthorized {
		t.Errorf("Basic API call of the user deleted on A, on B: %d, want 401", got)
	}
	if status, _, _ := tokenAs(t, r.urls[replicaB], pullQuery("initech/app"), "temp", e2ePass); status != http.StatusUnauthorized {
		t.Errorf("Basic login of the user deleted on A, on B: %d, want 401", status)
	}
}
