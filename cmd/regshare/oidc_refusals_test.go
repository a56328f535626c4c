package main

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/identity"
)

// withQuery is u with key set to value in its query.
func withQuery(u *url.URL, key, value string) *url.URL {
	n := *u
	q := n.Query()
	q.Set(key, value)
	n.RawQuery = q.Encode()
	return &n
}

// TestOIDCRefusals drives refused logins through the real provider: each
// sends the browser back to the console with the refusal's code (and the
// user, when known), starts no session, and is audited.
func TestOIDCRefusals(t *testing.T) {
	o := newOIDCE2E(t)
	callbackURL := o.server + "/console/oidc/" + oidcProvName + "/callback"
	for _, tc := range []struct {
		name, code, user string
		// flow drives the login in browser c, up to the fragment.
		flow func(c *http.Client) url.Values
	}{
		{"a wrong state", "state", "", func(c *http.Client) url.Values {
			back := o.atProvider(c, o.startLogin(c), "ann")
			return o.callback(c, withQuery(back, "state", "X"+back.Query().Get("state")))
		}},
		{"a callback without the login cookie", "state", "", func(c *http.Client) url.Values {
			back := o.atProvider(c, o.startLogin(c), "ann")
			return o.callback(oidcBrowser(), back)
		}},
		{"a wrong nonce", "nonce", "", func(c *http.Client) url.Values {
			// The authorization request carries the cookie's state and
			// verifier, and another nonce.
			return o.callback(c, o.atProvider(c, withQuery(o.startLogin(c), "nonce", "another-nonce"), "ann"))
		}},
		{"an expired ID token", "expired", "", func(c *http.Client) url.Values {
			back := o.atProvider(c, o.startLogin(c), "ann")
			now := o.clock.Now()
			defer o.clock.Set(now)
			// Past the ID token's life, within the login cookie's.
			o.clock.Set(time.Now().Add(oidcTokenLife + time.Minute))
			return o.callback(c, back)
		}},
		{"a group no rule maps", "no_rule", "nora", func(c *http.Client) url.Values {
			return o.callback(c, o.atProvider(c, o.startLogin(c), "nora"))
		}},
		{"a group of a domain that does not exist", "no_domain", "gail", func(c *http.Client) url.Values {
			return o.callback(c, o.atProvider(c, o.startLogin(c), "gail"))
		}},
		{"a local user's name", "name_taken", "alice", func(c *http.Client) url.Values {
			return o.callback(c, o.atProvider(c, o.startLogin(c), "alice"))
		}},
		{"cancelled at the provider", "cancelled", "", func(c *http.Client) url.Values {
			state := o.startLogin(c).Query().Get("state")
			u, _ := url.Parse(callbackURL + "?error=access_denied&error_description=cancelled&state=" + url.QueryEscape(state))
			return o.callback(c, u)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o.t = t
			c := oidcBrowser()
			v := tc.flow(c)
			if v.Get("oidc") != tc.code || v.Get("user") != tc.user || v.Get("provider") != oidcProvName {
				t.Errorf("the console is told %v, want oidc=%s user=%q", v, tc.code, tc.user)
			}
			if token, status := o.handOver(c); status != http.StatusNotFound {
				t.Errorf("a session was handed over (%d): %s", status, token)
			}
			if log, _ := os.ReadFile(o.audit); !strings.Contains(string(log), `"result":"`+tc.code+`"`) {
				t.Errorf("the audit log has no refusal %s", tc.code)
			}
		})
	}
}

// TestOIDCReplay: a callback replayed finds its login cookie cleared; with
// the cookie forced back, the provider refuses the used code; either way
// no second session starts.
func TestOIDCReplay(t *testing.T) {
	o := newOIDCE2E(t)
	c := oidcBrowser()
	back := o.atProvider(c, o.startLogin(c), "ann")
	scope, _ := url.Parse(o.server + "/console/oidc/" + oidcProvName + "/")
	cookies := c.Jar.Cookies(scope)
	if v := o.callback(c, back); v.Get("oidc") != "ok" {
		t.Fatalf("the login: %v", v)
	}
	if _, status := o.handOver(c); status != http.StatusOK {
		t.Fatalf("the login's hand-over: %d", status)
	}
	if v := o.callback(c, back); v.Get("oidc") != "state" {
		t.Errorf("the callback replayed: %v, want oidc=state", v)
	}
	c.Jar.SetCookies(scope, cookies)
	if v := o.callback(c, back); v.Get("oidc") != "exchange" {
		t.Errorf("the callback replayed with its cookie: %v, want oidc=exchange", v)
	}
	if _, status := o.handOver(c); status != http.StatusNotFound {
		t.Errorf("a replay handed a session over: %d", status)
	}
}

// TestOIDCRolesFollow: the role is the rules' again at each renewal and
// login. Rules changed at a restart end ann's session at its renewal, and
// her next login has the new role; her groups changed at the provider
// move her record at her next login; disabled here, she cannot log in.
func TestOIDCRolesFollow(t *testing.T) {
	o := newOIDCE2E(t)
	ctx := context.Background()
	_, token := o.login("ann")
	renew := func(token string) int { return o.api(token, "POST", "/v2/manage/session/renew", nil) }
	if status := renew(token); status != http.StatusOK {
		t.Fatalf("renew ann's session: %d", status)
	}

	o.cfg.Identity.Rules = slices.Clone(oidcRules)
	o.cfg.Identity.Rules[0] = identity.Rule{Group: "acme-admins", Domain: "acme", Role: grants.RoleRead}
	o.start()
	if status := renew(token); status != http.StatusUnauthorized {
		t.Errorf("renew after acme-admins became read: %d, want 401", status)
	}
	_, token = o.login("ann")
	if me := o.me(token); me.Role != "read" || me.CanShare {
		t.Errorf("ann's next login: %+v, want read", me)
	}

	o.op.SetGroups("ann", "globex-users")
	_, token = o.login("ann")
	if me, u := o.me(token), o.user("ann"); me.Domain != "globex" || me.Role != "read" || !slices.Equal(u.Groups, []string{"globex-users"}) {
		t.Errorf("ann moved to globex-users at the provider: %+v, record groups %q", me, u.Groups)
	}
	if status := renew(token); status != http.StatusOK {
		t.Errorf("renew ann's new session: %d", status)
	}

	yes := true
	if _, err := o.app.grants.UpdateUser(ctx, o.user("root"), "globex", "ann", grants.UserUpdate{Disabled: &yes}, o.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if v, _ := o.login("ann"); v.Get("oidc") != "disabled" || v.Get("user") != "ann" {
		t.Errorf("ann disabled here: %v, want oidc=disabled", v)
	}
	if status := renew(token); status != http.StatusUnauthorized {
		t.Errorf("renew the session of ann disabled: %d, want 401", status)
	}
}

// TestOIDCProviderDown: a provider that does not answer at regshare's
// start does not stop it; a login through it is refused with a clear
// code, and the password login keeps working.
func TestOIDCProviderDown(t *testing.T) {
	e := newE2E(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String()
	l.Close() // nothing listens there any more
	e.cfg.Identity = IdentityConfig{Rules: oidcRules, OIDC: []OIDCProviderConfig{{Name: "down", Issuer: down, ClientID: "regshare",
		RedirectURL: e.server + "/console/oidc/down/callback"}}}
	e.start()
	o := &oidcE2E{e2e: e}
	u := o.get(oidcBrowser(), e.server+"/console/oidc/down/login")
	if v, _ := url.ParseQuery(u.Fragment); u.Path != "/" || v.Get("oidc") != "unreachable" || v.Get("provider") != "down" {
		t.Errorf("a login through a provider that is down goes to %s, want the console told oidc=unreachable", u)
	}
	if c, _ := e.token("alice", "repository:acme/web:pull"); c.Subject != "alice" {
		t.Errorf("the password login beside it: %+v", c)
	}
}
