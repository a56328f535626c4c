package admin_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regshare/regshare/shareapi"
	"github.com/regshare/regshare/tokenauth"
)

const codeBadIdempotencyKey = "REGSHARE.4000011"

// doKeyed sends a request as user with one Idempotency-Key header per key
// (none when keys is empty).
func (e *env) doKeyed(user, method, path, body string, keys ...string) response {
	e.t.Helper()
	return e.doAuth(method, path, body, func(r *http.Request) {
		r.SetBasicAuth(user, password)
		for _, k := range keys {
			r.Header.Add("Idempotency-Key", k)
		}
	})
}

// historyActions is the actions and actors of a share's history, as alice
// reads them ("create:alice", …); nil when it was never shared.
func (e *env) historyActions(path string) []string {
	e.t.Helper()
	r := e.do("alice", "GET", path+"/history", "")
	if r.status == http.StatusNotFound {
		return nil
	}
	if r.status != http.StatusOK {
		e.t.Fatalf("history of %s: %v", path, r)
	}
	var events []shareapi.Event
	if err := json.Unmarshal(r.body, &events); err != nil {
		e.t.Fatalf("history of %s: %s: %v", path, r.body, err)
	}
	out := make([]string, len(events))
	for i, ev := range events {
		out[i] = ev.Action + ":" + ev.Actor
	}
	return out
}

// wantReplayed checks a change's answer: its status, and the
// Idempotent-Replayed header exactly when replayed.
func wantReplayed(t *testing.T, what string, r response, status int, replayed bool) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: %v, want %d", what, r, status)
	}
	got := r.header.Values("Idempotent-Replayed")
	switch {
	case replayed && !slices.Equal(got, []string{"true"}):
		t.Errorf("%s: Idempotent-Replayed %q, want \"true\"", what, got)
	case !replayed && len(got) != 0:
		t.Errorf("%s: Idempotent-Replayed %q on a change made anew", what, got)
	}
}

func wantHistory(t *testing.T, e *env, path string, want ...string) {
	t.Helper()
	if got := e.historyActions(path); !slices.Equal(got, want) {
		t.Errorf("history of %s: %v, want %v", path, got, want)
	}
}

// auditLine is what these tests read of an audit event.
type auditLine struct {
	Action, Actor, Result string
	Replayed              *bool
	Target                struct {
		AccessDomain string `json:"access_domain"`
	}
	After *struct{ Description string }
}

func auditLines(t *testing.T, b *lockedBuffer) []auditLine {
	t.Helper()
	var out []auditLine
	for line := range strings.Lines(b.String()) {
		var l auditLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		out = append(out, l)
	}
	return out
}

// A retried create, update or revoke with the same Idempotency-Key answers
// what the first attempt did, byte for byte and with Idempotent-Replayed,
// and is made once: one event in the share's history, nothing changed.
func TestIdempotentRetry(t *testing.T) {
	e, audit := newAuditEnv(t, tokenauth.LoginLimits{FailuresPerMinute: 60, Burst: 60})
	base := sharePath("repositories", "acme", "web")
	path := sharePath("repositories", "acme", "web", "globex")

	// Create.
	body := create("globex", "read", "forever", "v1")
	first := e.doKeyed("alice", "POST", base, body, "create-1")
	wantReplayed(t, "create", first, 201, false)
	created := decodeShare(t, "create", first.body, false)
	e.clock.Add(time.Hour) // a create made anew would say so in its times
	st := e.state()
	retry := e.doKeyed("alice", "POST", base, body, "create-1")
	wantReplayed(t, "create retried", retry, 201, true)
	if !bytes.Equal(retry.body, first.body) {
		t.Errorf("create retried answers\n%s\nwant the first answer\n%s", retry.body, first.body)
	}
	e.wantState("create retried", st)
	wantHistory(t, e, path, "create:alice")

	// Update: the retry answers the first update's times.
	e.clock.Add(time.Hour)
	patch := `{"description":"v2"}`
	first = e.doKeyed("alice", "PATCH", path, patch, "update-1")
	wantReplayed(t, "update", first, 201, false)
	updated := decodeShare(t, "update", first.body, false)
	if updated.Description != "v2" || updated.Updated != rfc3339(e.clock.Now()) || updated.Created != created.Created {
		t.Errorf("update answered %+v", updated)
	}
	e.clock.Add(time.Hour)
	st = e.state()
	retry = e.doKeyed("alice", "PATCH", path, patch, "update-1")
	wantReplayed(t, "update retried", retry, 201, true)
	if !bytes.Equal(retry.body, first.body) {
		t.Errorf("update retried answers\n%s\nwant the first answer\n%s", retry.body, first.body)
	}
	e.wantState("update retried", st)
	wantHistory(t, e, path, "create:alice", "update:alice")

	// Revoke.
	first = e.doKeyed("alice", "DELETE", path, "", "revoke-1")
	wantReplayed(t, "revoke", first, 204, false)
	st = e.state()
	retry = e.doKeyed("alice", "DELETE", path, "", "revoke-1")
	wantReplayed(t, "revoke retried", retry, 204, true)
	if len(retry.body) != 0 {
		t.Errorf("revoke retried has a body: %s", retry.body)
	}
	e.wantState("revoke retried", st)
	wantHistory(t, e, path, "create:alice", "update:alice", "revoke:alice")
	// Without the key, or with another, a second revoke finds nothing.
	wantError(t, "revoke again without a key", e.do("alice", "DELETE", path, ""), 404, codeNotFound)
	wantError(t, "revoke again with another key", e.doKeyed("alice", "DELETE", path, "", "revoke-2"), 404, codeNotFound)

	// The audit log has one line per request; the retries say replayed.
	var got []string
	for _, l := range auditLines(t, audit) {
		s := l.Action + " " + l.Result
		if l.Replayed != nil {
			if !*l.Replayed {
				t.Errorf("audit line %+v: replayed false, want it absent", l)
			}
			s += " replayed"
		}
		got = append(got, s)
	}
	want := []string{
		"create ok", "create ok replayed",
		"update ok", "update ok replayed",
		"revoke ok", "revoke ok replayed",
		"revoke refused", "revoke refused",
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit:\n%s\ngot  %q\nwant %q", audit, got, want)
	}
	// The replayed create records the share the first attempt made.
	if ls := auditLines(t, audit); len(ls) > 1 && (ls[1].After == nil || ls[1].After.Description != "v1") {
		t.Errorf("replayed create audited with after %+v, want v1", ls[1].After)
	}
}

// A create retried after the share was revoked answers the first create
// again, and does not make the share anew.
func TestIdempotentCreateAfterRevoke(t *testing.T) {
	e := newEnv(t, options{})
	base := sharePath("repositories", "acme", "web")
	path := sharePath("repositories", "acme", "web", "globex")
	body := create("globex", "read", "forever", "v1")
	first := e.doKeyed("alice", "POST", base, body, "K")
	wantReplayed(t, "create", first, 201, false)
	e.clock.Add(time.Minute)
	if r := e.do("alice", "DELETE", path, ""); r.status != 204 {
		t.Fatalf("revoke: %v", r)
	}
	e.clock.Add(time.Minute)
	st := e.state()
	retry := e.doKeyed("alice", "POST", base, body, "K")
	wantReplayed(t, "create retried after the revocation", retry, 201, true)
	if !bytes.Equal(retry.body, first.body) {
		t.Errorf("create retried after the revocation answers\n%s\nwant\n%s", retry.body, first.body)
	}
	e.wantState("create retried after the revocation", st)
	wantError(t, "GET after the retried create", e.do("alice", "GET", path, ""), 404, codeNotFound)
	wantHistory(t, e, path, "create:alice", "revoke:alice")

	// Another key makes it anew; the first key still answers the first
	// create, and changes nothing.
	again := e.doKeyed("alice", "POST", base, body, "K2")
	wantReplayed(t, "create with a new key", again, 201, false)
	if bytes.Equal(again.body, first.body) {
		t.Errorf("create with a new key answers the first create: %s", again.body)
	}
	st = e.state()
	retry = e.doKeyed("alice", "POST", base, body, "K")
	wantReplayed(t, "first key once more", retry, 201, true)
	if !bytes.Equal(retry.body, first.body) {
		t.Errorf("first key once more answers\n%s\nwant\n%s", retry.body, first.body)
	}
	e.wantState("first key once more", st)
	wantHistory(t, e, path, "create:alice", "revoke:alice", "create:alice")

	// Likewise a revocation retried after the share was made anew leaves
	// the new share in force.
	wantReplayed(t, "revoke with a key", e.doKeyed("alice", "DELETE", path, "", "R"), 204, false)
	wantReplayed(t, "create anew", e.doKeyed("alice", "POST", base, body, "K3"), 201, false)
	st = e.state()
	wantReplayed(t, "revoke retried after the share was made anew", e.doKeyed("alice", "DELETE", path, "", "R"), 204, true)
	e.wantState("revoke retried after the share was made anew", st)
	if r := e.do("alice", "GET", path, ""); r.status != 200 {
		t.Errorf("GET after the retried revoke: %v, want the new share", r)
	}
	wantHistory(t, e, path, "create:alice", "revoke:alice", "create:alice", "revoke:alice", "create:alice")
}

// Concurrent attempts of one change with the same key make it once: each
// answers the same share, all but one replayed.
func TestIdempotentConcurrentAttempts(t *testing.T) {
	e := newEnv(t, options{})
	base := sharePath("repositories", "acme", "web")
	body := create("globex", "read", "forever", "v1")
	const n = 8
	answers := make([]response, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			answers[i], errs[i] = e.send("POST", base, body, func(r *http.Request) {
				r.SetBasicAuth("alice", password)
				r.Header.Set("Idempotency-Key", "together")
			})
		})
	}
	wg.Wait()
	made := 0
	for i, r := range answers {
		if errs[i] != nil {
			t.Fatalf("attempt %d: %v", i, errs[i])
		}
		if r.status != 201 {
			t.Errorf("attempt %d: %v, want 201", i, r)
			continue
		}
		if r.header.Get("Idempotent-Replayed") == "" {
			made++
		}
		if !bytes.Equal(r.body, answers[0].body) {
			t.Errorf("attempt %d answers\n%s\nattempt 0\n%s", i, r.body, answers[0].body)
		}
	}
	if made != 1 {
		t.Errorf("%d attempts answered as made anew, want 1", made)
	}
	wantHistory(t, e, sharePath("repositories", "acme", "web", "globex"), "create:alice")
}

// The key names the change together with the body and the caller: the
// same key with another body, or from another user, is a new change.
func TestIdempotencyKeyIsNotTheChange(t *testing.T) {
	e := newEnv(t, options{})
	base := sharePath("repositories", "acme", "web")
	path := sharePath("repositories", "acme", "web", "globex")

	wantReplayed(t, "create", e.doKeyed("alice", "POST", base, create("globex", "read", "forever", "v1"), "K"), 201, false)
	st := e.state()
	for _, c := range []struct{ what, user, body string }{
		{"another body", "alice", create("globex", "read", "forever", "other")},
		{"another user", "amy", create("globex", "read", "forever", "v1")},
	} {
		r := e.doKeyed(c.user, "POST", base, c.body, "K")
		wantError(t, "create with the same key, "+c.what, r, 409, codeExists)
		wantReplayed(t, "create with the same key, "+c.what, r, 409, false)
	}
	e.wantState("creates with the same key", st)
	// Another share with the same key is its own change.
	wantReplayed(t, "create of another share, same key", e.doKeyed("alice", "POST", base, create("initech", "read", "forever", "v1"), "K"), 201, false)

	// Updates.
	e.clock.Add(time.Minute)
	wantReplayed(t, "update v2", e.doKeyed("alice", "PATCH", path, `{"description":"v2"}`, "U"), 201, false)
	e.clock.Add(time.Minute)
	r := e.doKeyed("alice", "PATCH", path, `{"description":"v3"}`, "U")
	wantReplayed(t, "update v3, same key", r, 201, false)
	if got := decodeShare(t, "update v3", r.body, false); got.Description != "v3" || got.Updated != rfc3339(e.clock.Now()) {
		t.Errorf("update v3 with the key of v2 answered %+v", got)
	}
	// The v2 request retried answers v2 again but does not undo v3.
	st = e.state()
	r = e.doKeyed("alice", "PATCH", path, `{"description":"v2"}`, "U")
	wantReplayed(t, "update v2 retried", r, 201, true)
	if got := decodeShare(t, "update v2 retried", r.body, false); got.Description != "v2" {
		t.Errorf("update v2 retried answered %+v", got)
	}
	e.wantState("update v2 retried", st)
	e.clock.Add(time.Minute)
	r = e.doKeyed("amy", "PATCH", path, `{"description":"v3"}`, "U")
	wantReplayed(t, "amy's update with alice's key", r, 201, false)
	if got := decodeShare(t, "amy's update", r.body, false); got.Updated != rfc3339(e.clock.Now()) {
		t.Errorf("amy's update answered %+v, made at %s", got, rfc3339(e.clock.Now()))
	}
	wantHistory(t, e, path, "create:alice", "update:alice", "update:alice", "update:amy")
	if r := e.do("alice", "GET", path, ""); decodeShare(t, "GET", r.body, true).Description != "v3" {
		t.Errorf("after the updates: %v", r)
	}

	// Revokes: another user's key does not answer for alice's revocation.
	wantReplayed(t, "revoke", e.doKeyed("alice", "DELETE", path, "", "R"), 204, false)
	r = e.doKeyed("amy", "DELETE", path, "", "R")
	wantError(t, "amy's revoke with alice's key", r, 404, codeNotFound)
	wantReplayed(t, "amy's revoke with alice's key", r, 404, false)
	wantHistory(t, e, path, "create:alice", "update:alice", "update:alice", "update:amy", "revoke:alice")
}

// An Idempotency-Key that is empty, too long, not visible ASCII or given
// twice is refused with 400 REGSHARE.4000011 before anything is changed.
func TestBadIdempotencyKey(t *testing.T) {
	e := newEnv(t, options{})
	e.share("alice", "acme/web", "globex", time.Time{}, "seed")
	base := sharePath("repositories", "acme", "web")
	path := sharePath("repositories", "acme", "web", "globex")
	changes := []struct{ method, path, body string }{
		{"POST", base, create("initech", "read", "forever", "new")},
		{"PATCH", path, `{"description":"changed"}`},
		{"DELETE", path, ""},
	}
	for _, tc := range []struct {
		name string
		keys []string
	}{
		{"empty", []string{""}},
		{"256 characters", []string{strings.Repeat("k", 256)}},
		{"a tab", []string{"a\tb"}},
		{"not ASCII", []string{"clé"}},
		{"two headers", []string{"a", "b"}},
		{"the same header twice", []string{"a", "a"}},
	} {
		for _, c := range changes {
			st := e.state()
			what := c.method + " with a key " + tc.name
			r := e.doKeyed("alice", c.method, c.path, c.body, tc.keys...)
			wantError(t, what, r, 400, codeBadIdempotencyKey)
			wantReplayed(t, what, r, 400, false)
			e.wantState(what, st)
		}
	}
	wantHistory(t, e, path, "create:alice")
	wantHistory(t, e, sharePath("repositories", "acme", "web", "initech"))

	// The longest key, with spaces and punctuation, is accepted.
	long := strings.Repeat("k ~!", 255/4) + "end"
	if len(long) != 255 {
		t.Fatalf("key of %d characters", len(long))
	}
	for _, c := range changes {
		wantReplayed(t, c.method+" with a key of 255", e.doKeyed("alice", c.method, c.path, c.body, long), map[string]int{"POST": 201, "PATCH": 201, "DELETE": 204}[c.method], false)
		wantReplayed(t, c.method+" with a key of 255 retried", e.doKeyed("alice", c.method, c.path, c.body, long), map[string]int{"POST": 201, "PATCH": 201, "DELETE": 204}[c.method], true)
	}
}

// A retry after the share's deadline has passed still answers what the
// first attempt did: the status as of that attempt, not of the retry.
func TestIdempotentRetryPastDeadline(t *testing.T) {
	e, _ := newAuditEnv(t, tokenauth.LoginLimits{FailuresPerMinute: 60, Burst: 60})
	base := sharePath("repositories", "acme", "web")
	path := sharePath("repositories", "acme", "web", "globex")
	deadline := e.clock.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	first := e.doKeyed("alice", "POST", base, create("globex", "read", deadline, "short"), "short-1")
	wantReplayed(t, "create", first, 201, false)
	patch := `{"description":"shorter"}`
	upd := e.doKeyed("alice", "PATCH", path, patch, "short-2")
	wantReplayed(t, "update", upd, 201, false)
	e.clock.Add(3 * time.Hour) // past the deadline
	for _, c := range []struct {
		what, method, path, body, key string
		first                         response
	}{
		{"create", "POST", base, create("globex", "read", deadline, "short"), "short-1", first},
		{"update", "PATCH", path, patch, "short-2", upd},
	} {
		retry := e.doKeyed("alice", c.method, c.path, c.body, c.key)
		wantReplayed(t, c.what+" retried past the deadline", retry, 201, true)
		if !bytes.Equal(retry.body, c.first.body) {
			t.Errorf("%s retried past the deadline answers\n%s\nwant the first answer\n%s", c.what, retry.body, c.first.body)
		}
	}
}
