package admin_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/admin"
	"github.com/regshare/regshare/internal/testlog"
	"github.com/regshare/regshare/tokenauth"
)

// lockedBuffer collects log lines written from the server's goroutines.
type lockedBuffer struct{ testlog.Buffer }

// events decodes the JSON lines of the audit log.
func (b *lockedBuffer) events(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(b.String()) {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		out = append(out, ev)
	}
	return out
}

// newAuditEnv is newEnv's API served anew with an audit log, and its own
// Authenticator bounded by limits on the env's clock; loopback is a trusted
// proxy, so requests name their client in X-Forwarded-For.
func newAuditEnv(t *testing.T, limits tokenauth.LoginLimits) (*env, *lockedBuffer) {
	t.Helper()
	e := newEnv(t, options{})
	limits.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	authn := tokenauth.NewAuthenticator(e.g, tokenauth.CacheConfig{}, e.clock.Now)
	authn.LimitLogins(limits)
	audit := &lockedBuffer{}
	log := slog.New(slog.NewJSONHandler(audit, nil))
	api, err := admin.New(admin.Config{RegistryHost: registryHost, Audit: log},
		e.g, tokenauth.NewCredentials(authn, log, ""), e.registry, e.clock.Now, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	api.Register(mux)
	e.serve(mux)
	return e, audit
}

// from sends a request as user (password pw) from client.
func (e *env) from(client, user, pw, method, path, body string) response {
	e.t.Helper()
	return e.doAuth(method, path, body, func(r *http.Request) {
		r.SetBasicAuth(user, pw)
		r.Header.Set("X-Forwarded-For", client)
	})
}

// The share API shares the token endpoint's failed-login limits: past the
// burst, 429 REGSHARE.4290001 with Retry-After, even with the right
// password; other clients and users go on.
func TestAdminLoginLimit(t *testing.T) {
	e, audit := newAuditEnv(t, tokenauth.LoginLimits{FailuresPerMinute: 6, Burst: 3})
	list := "/v2/manage/shared-repositories?center=self"
	const attacker, other = "203.0.113.66", "198.51.100.2"
	for i := range 3 {
		wantError(t, "failure "+strconv.Itoa(i+1), e.from(attacker, "alice", "guess", "GET", list, ""), 401, "REGSHARE.4010002")
	}
	for _, c := range []struct{ what, client, user string }{
		{"the user, right password", attacker, "alice"},
		{"the user from another client", other, "alice"},
		{"another user from the client", attacker, "amy"},
	} {
		r := e.from(c.client, c.user, password, "GET", list, "")
		wantError(t, c.what, r, http.StatusTooManyRequests, "REGSHARE.4290001")
		if ra := r.header.Get("Retry-After"); ra != "10" {
			t.Errorf("%s: Retry-After %q, want 10", c.what, ra)
		}
	}
	// Nothing changes for a refused caller.
	st := e.state()
	wantError(t, "create past the limit", e.from(attacker, "alice", password, "POST", sharePath("repositories", "acme", "web"), create("globex", "read", "forever", "")), 429, "REGSHARE.4290001")
	e.wantState("create past the limit", st)

	if r := e.from(other, "amy", password, "GET", list, ""); r.status != 200 {
		t.Errorf("another user from another client: %v", r)
	}
	e.clock.Add(10 * time.Second)
	if r := e.from(other, "alice", password, "GET", list, ""); r.status != 200 {
		t.Errorf("10 s later: %v", r)
	}

	var failed, limited int
	for _, ev := range audit.events(t) {
		switch ev["result"] {
		case "bad_credentials":
			failed++
			if ev["actor"] != "alice" || ev["client"] != attacker || ev["action"] != "login" {
				t.Errorf("failed login event %v", ev)
			}
		case "rate_limited":
			limited++
		default:
			t.Errorf("unexpected audit event %v", ev)
		}
	}
	if failed != 3 || limited != 4 {
		t.Errorf("audit: %d failed, %d rate-limited logins, want 3 and 4:\n%s", failed, limited, audit)
	}
	if strings.Contains(audit.String(), "guess") || strings.Contains(audit.String(), password) {
		t.Errorf("a password is in the audit log:\n%s", audit)
	}
}

// Every share change through the API, done or refused, is one audit event
// with actor, domain, client, action, target, result and the share before
// and after.
func TestAuditShareChanges(t *testing.T) {
	e, audit := newAuditEnv(t, tokenauth.LoginLimits{FailuresPerMinute: 60, Burst: 60})
	base := sharePath("repositories", "acme", "team$api")
	path := sharePath("repositories", "acme", "team$api", "globex")
	const client = "192.0.2.44"
	steps := []struct {
		user, method, path, body string
		status                   int
	}{
		{"alice", "POST", base, create("globex", "read", "2027-01-01T00:00:00Z", "v1"), 201},
		{"rita", "POST", base, create("initech", "read", "forever", "no"), 403},
		{"amy", "PATCH", path, `{"deadline":"forever","description":"v2"}`, 201},
		{"amy", "PATCH", path, `{"permit":"write"}`, 400},
		{"gina", "DELETE", path, "", 403},
		{"alice", "DELETE", path, "", 204},
		{"alice", "DELETE", path, "", 404},
	}
	for _, s := range steps {
		if r := e.from(client, s.user, password, s.method, s.path, s.body); r.status != s.status {
			t.Fatalf("%s %s %s: %v, want %d", s.user, s.method, s.path, r, s.status)
		}
	}
	type share struct{ Permit, Deadline, Description string }
	type target struct {
		Repository   string `json:"repository"`
		AccessDomain string `json:"access_domain"`
	}
	type event struct {
		Msg, Actor, Domain, Client, Action, Result string
		Target                                     target
		Before, After                              *share
	}
	var got []event
	for line := range strings.Lines(audit.String()) {
		var ev event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatal(err)
		}
		got = append(got, ev)
	}
	v1 := &share{"read", "2027-01-01T00:00:00Z", "v1"}
	v2 := &share{"read", "forever", "v2"}
	web := func(d string) target { return target{"acme/team/api", d} }
	want := []event{
		{"share create", "alice", "acme", client, "create", "ok", web("globex"), nil, v1},
		{"share create", "rita", "acme", client, "create", "refused", web("initech"), nil, nil},
		{"share update", "amy", "acme", client, "update", "ok", web("globex"), v1, v2},
		{"share update", "amy", "acme", client, "update", "refused", web("globex"), v2, nil},
		// Not the owner: refused before anything of the share is read.
		{"share revoke", "gina", "globex", client, "revoke", "refused", web("globex"), nil, nil},
		{"share revoke", "alice", "acme", client, "revoke", "ok", web("globex"), v2, nil},
		{"share revoke", "alice", "acme", client, "revoke", "refused", web("globex"), nil, nil},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("audit events:\n%s", audit)
		for i := range max(len(got), len(want)) {
			var g, w event
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("event %d: got %+v (before %+v after %+v)\nwant %+v (before %+v after %+v)", i, g, g.Before, g.After, w, w.Before, w.After)
			}
		}
	}
	// A refusal says why; a success does not need to.
	for _, ev := range audit.events(t) {
		if _, ok := ev["reason"]; ok != (ev["result"] != "ok") {
			t.Errorf("event %v: a reason exactly when refused", ev)
		}
	}
}
