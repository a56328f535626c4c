package tokenauth_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/tokenauth"
)

// robotSecret makes acme's robot ci, with pull on acme/web for a day
// from now, in g's store.
func robotSecret(t *testing.T, g *grants.Grants, now time.Time) string {
	t.Helper()
	alice, ok := g.Directory().Principal("alice")
	if !ok {
		t.Fatal("no alice")
	}
	_, secret, err := g.CreateRobot(context.Background(), alice, grants.RobotSpec{
		Domain: "acme", Name: "ci", Permissions: []grants.Permission{{Repository: "acme/web", Actions: []string{"pull"}}},
		Expires: now.Add(24 * time.Hour),
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// TestRobotLoginLimits: wrong robot secrets count toward the login limits
// like wrong passwords; past them, a client without failures of its own
// still gets in with the right secret, and the guessing client does not.
func TestRobotLoginLimits(t *testing.T) {
	f := newLimitedFixture(t, tokenauth.LoginLimits{FailuresPerMinute: 1, Burst: 3})
	secret := robotSecret(t, f.grants, f.now())
	const login = "robot$acme+ci"
	want(t, "the right secret", f.attempt("192.0.2.1:1", login, secret), http.StatusOK, 0)
	for range 3 {
		want(t, "a wrong secret", f.attempt("198.51.100.7:1", login, grants.NewRobotSecret()), http.StatusUnauthorized, 0)
	}
	want(t, "a guess past the limit", f.attempt("198.51.100.7:1", login, grants.NewRobotSecret()), http.StatusTooManyRequests, 0)
	want(t, "the right secret from the guessing client", f.attempt("198.51.100.7:1", login, secret), http.StatusTooManyRequests, 0)
	want(t, "the right secret from a clean client", f.attempt("203.0.113.9:1", login, secret), http.StatusOK, 0)
	if strings.Contains(f.audit.String(), secret) || strings.Contains(f.log.String(), secret) {
		t.Error("the audit log holds a robot secret")
	}
	f.advance(5 * time.Minute)
	want(t, "the right secret after the wait", f.attempt("198.51.100.7:1", login, secret), http.StatusOK, 0)
}

// TestAccessTokenLoginLimits: a person's access tokens are checked as
// robot secrets are, under the same limits; the password keeps working.
func TestAccessTokenLoginLimits(t *testing.T) {
	f := newLimitedFixture(t, tokenauth.LoginLimits{FailuresPerMinute: 1, Burst: 3})
	alice, _ := f.grants.Directory().Principal("alice")
	_, secret, err := f.grants.CreateAccessToken(context.Background(), alice, grants.AccessTokenSpec{Label: "ci"}, 0, f.now())
	if err != nil {
		t.Fatal(err)
	}
	want(t, "the token", f.attempt("192.0.2.1:1", "alice", secret), http.StatusOK, 0)
	for range 3 {
		want(t, "a wrong token", f.attempt("198.51.100.7:1", "alice", grants.NewRobotSecret()), http.StatusUnauthorized, 0)
	}
	want(t, "a guess past the limit", f.attempt("198.51.100.7:1", "alice", grants.NewRobotSecret()), http.StatusTooManyRequests, 0)
	want(t, "the token from a clean client", f.attempt("203.0.113.9:1", "alice", secret), http.StatusOK, 0)
	want(t, "another user's name with the token", f.attempt("203.0.113.10:1", "bob", secret), http.StatusUnauthorized, 0)
	if strings.Contains(f.audit.String(), secret) || strings.Contains(f.log.String(), secret) {
		t.Error("a log holds an access token")
	}
}
