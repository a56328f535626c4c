package admin_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
	"github.com/regshare/regshare/webhook"
)

func hooksPath(domain string, rest ...string) string {
	return domainsPath + "/" + domain + "/webhooks" + strings.Join(rest, "")
}

// The member names of a webhook as the README lists them.
const webhookFields = "created description disabled domain events id updated updated_by url"

// A public address (TEST-NET-3) that the delivery client's check passes
// without resolving anything.
const (
	hookURL  = "https://203.0.113.7/hooks/regshare"
	hookURL2 = "https://203.0.113.8/other"
)

// newWebhooksEnv is newAccountsEnv with the delivery client's URL check,
// private addresses refused.
func newWebhooksEnv(t *testing.T) (*env, *lockedBuffer) {
	t.Helper()
	e := newEnv(t, options{accounts: true, webhookCheck: webhook.NewClient(webhook.ClientConfig{}).CheckURL})
	return e, e.audit
}

func hookBody(url string, events ...string) string {
	return jsonBody(shareapi.CreateWebhook{URL: url, Events: events})
}

// newHook creates an endpoint of domain as user and returns the answer.
func (e *env) newHook(user, domain string, events ...string) shareapi.WebhookSecret {
	e.t.Helper()
	var o shareapi.WebhookSecret
	want(e.t, "create webhook", e.do(user, "POST", hooksPath(domain), hookBody(hookURL, events...)), 201, &o)
	return o
}

// listed is the only object of a {"webhooks":[…]} answer, as it came.
func listed(t *testing.T, body []byte) []byte {
	t.Helper()
	var l struct{ Webhooks []json.RawMessage }
	if err := json.Unmarshal(body, &l); err != nil || len(l.Webhooks) != 1 {
		t.Fatalf("want one webhook: %s", body)
	}
	return l.Webhooks[0]
}

// A manage user registers an endpoint, gets its secret once, changes,
// tests and deletes it; every change is in its history and the audit log,
// the secret in neither nor in any read.
func TestWebhooks(t *testing.T) {
	e, audit := newWebhooksEnv(t)
	r := e.do("alice", "POST", hooksPath("acme"),
		`{"url":"`+hookURL+`","events":["share.revoked","share.created","share.created"],"description":"CI"}`)
	if got := fields(t, r.body); got != "created description disabled domain events id secret updated updated_by url" {
		t.Errorf("a created webhook has fields %q", got)
	}
	var made shareapi.WebhookSecret
	want(t, "create", r, 201, &made)
	at := rfc3339(base)
	wantHook := shareapi.Webhook{ID: made.ID, Domain: "acme", URL: hookURL, Events: []string{grants.HookCreated, grants.HookRevoked},
		Description: "CI", Created: &at, Updated: &at, UpdatedBy: "alice"}
	if !sameHook(made.Webhook, wantHook) || made.ID == "" {
		t.Errorf("created %+v, want %+v", made.Webhook, wantHook)
	}
	key, ok := strings.CutPrefix(made.Secret, "whsec_")
	if b, err := base64.StdEncoding.DecodeString(key); !ok || err != nil || len(b) != 32 {
		t.Errorf("secret %q: want whsec_ and 32 bytes in base64", made.Secret)
	}
	secrets := []string{made.Secret, key}

	// Reads never show the secret: the list (manage users, administrators)
	// and one endpoint.
	noSecret := func(what string, body []byte) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(string(body), s) {
				t.Errorf("%s holds the secret: %s", what, body)
			}
		}
	}
	for _, user := range []string{"alice", "amy", admin0} {
		r := e.do(user, "GET", hooksPath("acme"), "")
		var list shareapi.Webhooks
		want(t, user+" lists", r, 200, &list)
		if len(list.Webhooks) != 1 || !sameHook(list.Webhooks[0], wantHook) {
			t.Errorf("%s lists %s", user, r.body)
		}
		if got := fields(t, listed(t, r.body)); got != webhookFields {
			t.Errorf("a listed webhook has fields %q, want %q", got, webhookFields)
		}
		noSecret(user+"'s list", r.body)
		r = e.do(user, "GET", hooksPath("acme", "/"+made.ID), "")
		var one shareapi.Webhook
		want(t, user+" gets", r, 200, &one)
		if got := fields(t, r.body); got != webhookFields || !sameHook(one, wantHook) {
			t.Errorf("%s gets %s", user, r.body)
		}
		noSecret(user+"'s get", r.body)
	}

	// An update keeps what it does not name.
	e.clock.Add(time.Hour)
	var one shareapi.Webhook
	want(t, "update", e.do("amy", "PATCH", hooksPath("acme", "/"+made.ID), `{"events":["share.expiring"],"disabled":true}`), 200, &one)
	later := rfc3339(base.Add(time.Hour))
	wantHook.Events, wantHook.Disabled, wantHook.Updated, wantHook.UpdatedBy = []string{grants.HookExpiring}, true, &later, "amy"
	if !sameHook(one, wantHook) {
		t.Errorf("updated %+v, want %+v", one, wantHook)
	}
	// A disabled endpoint hears nothing, tests included: refused.
	wantError(t, "test of a disabled webhook", e.do("alice", "POST", hooksPath("acme", "/"+made.ID+"/test"), ""), 400, codeAccountField)
	want(t, "new url, enabled", e.do("alice", "PATCH", hooksPath("acme", "/"+made.ID), `{"url":"`+hookURL2+`","disabled":false,"description":""}`), 200, &one)
	wantHook.URL, wantHook.Disabled, wantHook.Description, wantHook.UpdatedBy = hookURL2, false, "", "alice"
	if !sameHook(one, wantHook) {
		t.Errorf("updated %+v, want %+v", one, wantHook)
	}

	// No deliveries yet; a test queues one event for this endpoint only.
	r = e.do("alice", "GET", hooksPath("acme", "/"+made.ID+"/deliveries"), "")
	if want(t, "deliveries", r, 200, nil); strings.TrimSpace(string(r.body)) != `{"deliveries":[]}` {
		t.Errorf("deliveries of a new webhook: %s", r.body)
	}
	before, _, _, _ := e.g.HookBook()
	var test shareapi.WebhookTest
	want(t, "test", e.do("alice", "POST", hooksPath("acme", "/"+made.ID+"/test"), ""), 202, &test)
	if !strings.HasPrefix(test.EventID, "evt_") {
		t.Errorf("test event id %q", test.EventID)
	}
	outbox, _, _, _ := e.g.HookBook()
	var queued []grants.HookEvent
	for _, o := range outbox {
		for _, ev := range o.V.Events {
			if ev.Type == grants.HookTest {
				queued = append(queued, ev)
			}
		}
	}
	if len(outbox) != len(before)+1 || len(queued) != 1 || queued[0].ID != test.EventID || queued[0].Endpoint != grants.WebhookName("acme", made.ID) {
		t.Errorf("the outbox after a test: %+v", outbox)
	}

	// Deliveries as the deliverer writes them, newest first; next_at only
	// while pending, last_status null without an answer.
	name := grants.WebhookName("acme", made.ID)
	sent := base.Add(2 * time.Hour)
	deliveries := []grants.Delivery{
		{Endpoint: name, Event: grants.HookEvent{ID: "evt_old", Type: grants.HookCreated}, Status: grants.DeliveryDelivered, Attempts: 1,
			NextAt: sent, LastAttempt: sent, LastStatus: 204, Created: sent},
		{Endpoint: name, Event: grants.HookEvent{ID: "evt_new", Type: grants.HookRevoked}, Status: grants.DeliveryPending, Attempts: 2,
			NextAt: sent.Add(time.Minute), LastAttempt: sent.Add(30 * time.Second), LastError: "dial tcp: connection refused", Created: sent.Add(time.Second)},
	}
	var ws []grants.RecordWrite
	for _, d := range deliveries {
		v, _ := json.Marshal(d)
		ws = append(ws, grants.RecordWrite{Ref: grants.Ref{Kind: grants.KindDelivery, Name: name + ":" + d.Event.ID}, Value: v})
	}
	if err := e.g.WriteHooks(t.Context(), ws); err != nil {
		t.Fatal(err)
	}
	r = e.do("amy", "GET", hooksPath("acme", "/"+made.ID+"/deliveries"), "")
	want(t, "deliveries", r, 200, nil)
	wantBody := `{"deliveries":[` +
		`{"event_id":"evt_new","type":"share.revoked","status":"pending","attempts":2,"next_at":"2026-06-01T14:01:00Z","last_attempt":"2026-06-01T14:00:30Z","last_status":null,"last_error":"dial tcp: connection refused","created":"2026-06-01T14:00:01Z"},` +
		`{"event_id":"evt_old","type":"share.created","status":"delivered","attempts":1,"next_at":null,"last_attempt":"2026-06-01T14:00:00Z","last_status":204,"last_error":"","created":"2026-06-01T14:00:00Z"}]}`
	if got := strings.TrimSpace(string(r.body)); got != wantBody {
		t.Errorf("deliveries:\n%s\nwant\n%s", got, wantBody)
	}
	// Another domain's endpoint of the same id is not this one's.
	wantError(t, "deliveries under globex", e.do("gina", "GET", hooksPath("globex", "/"+made.ID+"/deliveries"), ""), 404, codeNoAccount)

	// An administrator manages them too; then alice deletes it.
	want(t, "an administrator disables", e.do(admin0, "PATCH", hooksPath("acme", "/"+made.ID), `{"disabled":true}`), 200, nil)
	want(t, "delete", e.do("alice", "DELETE", hooksPath("acme", "/"+made.ID), ""), 204, nil)
	wantError(t, "get deleted", e.do("alice", "GET", hooksPath("acme", "/"+made.ID), ""), 404, codeNoAccount)
	wantError(t, "delete deleted", e.do("alice", "DELETE", hooksPath("acme", "/"+made.ID), ""), 404, codeNoAccount)
	wantError(t, "test deleted", e.do("alice", "POST", hooksPath("acme", "/"+made.ID+"/test"), ""), 404, codeNoAccount)
	if r := e.do("alice", "GET", hooksPath("acme"), ""); r.status != 200 || strings.TrimSpace(string(r.body)) != `{"webhooks":[]}` {
		t.Errorf("list after the delete: %v", r)
	}

	// The history outlives it, without the secret.
	var h shareapi.AccountHistory
	r = e.do("alice", "GET", hooksPath("acme", "/"+made.ID+"/history"), "")
	want(t, "history", r, 200, &h)
	var actions []string
	for _, ev := range h.Events {
		actions = append(actions, ev.Actor+" "+ev.Action+" "+ev.Kind+" "+ev.Name)
	}
	rec := "webhook " + name
	wantActions := []string{"alice create_webhook " + rec, "amy update_webhook " + rec, "alice update_webhook " + rec,
		admin0 + " update_webhook " + rec, "alice delete_webhook " + rec}
	if !slices.Equal(actions, wantActions) {
		t.Errorf("history %v, want %v", actions, wantActions)
	}
	noSecret("the history", r.body)
	wantError(t, "history of no webhook", e.do("alice", "GET", hooksPath("acme", "/nohook/history"), ""), 404, codeNoAccount)

	// The audit log: each change once, with what it left, never the secret.
	type line struct{ action, result, kind, domain, name, url string }
	var got []line
	for _, ev := range audit.events(t) {
		action := str(ev["action"])
		if !strings.HasSuffix(action, "_webhook") {
			continue
		}
		tg, _ := ev["target"].(map[string]any)
		after, _ := ev["after"].(map[string]any)
		got = append(got, line{action, str(ev["result"]), str(tg["kind"]), str(tg["domain"]), str(tg["name"]), str(after["url"])})
	}
	wantLines := []line{
		{"create_webhook", "ok", "webhook", "acme", made.ID, hookURL},
		{"update_webhook", "ok", "webhook", "acme", made.ID, hookURL},
		{"update_webhook", "ok", "webhook", "acme", made.ID, hookURL2},
		{"update_webhook", "ok", "webhook", "acme", made.ID, hookURL2},
		{"delete_webhook", "ok", "webhook", "acme", made.ID, ""},
		{"delete_webhook", "refused", "webhook", "acme", made.ID, ""},
	}
	if !slices.Equal(got, wantLines) {
		t.Errorf("audit lines:\n%v\nwant\n%v", got, wantLines)
	}
	noSecret("the audit log", []byte(audit.String()))
	for _, c := range []struct {
		op, result string
		want       int
	}{{"create_webhook", "ok", 1}, {"update_webhook", "ok", 3}, {"delete_webhook", "ok", 1}, {"delete_webhook", "refused", 1}} {
		if n := accountCount(t, e, c.op, c.result); int(n) != c.want {
			t.Errorf("regshare_account_operations_total{op=%q,result=%q} = %v, want %d", c.op, c.result, n, c.want)
		}
	}
}

func sameHook(a, b shareapi.Webhook) bool {
	return a.ID == b.ID && a.Domain == b.Domain && a.URL == b.URL && slices.Equal(a.Events, b.Events) &&
		a.Description == b.Description && a.Disabled == b.Disabled &&
		same(a.Created, b.Created) && same(a.Updated, b.Updated) && a.UpdatedBy == b.UpdatedBy
}

// Every refusal of a webhook request, with its code, and nothing written:
// only manage users and administrators keep a domain's endpoints, another
// domain's are not found, and a URL the check refuses (a private
// address) or events not offered are invalid.
func TestWebhooksRefused(t *testing.T) {
	e, audit := newWebhooksEnv(t)
	id := e.newHook("alice", "acme", grants.HookCreated).ID
	hook := hooksPath("acme", "/"+id)
	for _, tc := range []struct {
		name, user, method, path, body string
		status                         int
		code                           string
	}{
		{"a read user lists", "rita", "GET", hooksPath("acme"), "", 403, codeNotManager},
		{"a write user gets", "walt", "GET", hook, "", 403, codeNotManager},
		{"a write user creates", "walt", "POST", hooksPath("acme"), hookBody(hookURL, grants.HookCreated), 403, codeNotManager},
		{"a read user updates", "rita", "PATCH", hook, `{"disabled":true}`, 403, codeNotManager},
		{"a read user deletes", "rita", "DELETE", hook, "", 403, codeNotManager},
		{"a read user's deliveries", "rita", "GET", hook + "/deliveries", "", 403, codeNotManager},
		{"a read user tests", "rita", "POST", hook + "/test", "", 403, codeNotManager},
		{"a read user's history", "rita", "GET", hook + "/history", "", 404, codeNoAccount},
		{"another domain's list", "gina", "GET", hooksPath("acme"), "", 404, codeNoAccount},
		{"another domain's get", "gina", "GET", hook, "", 404, codeNoAccount},
		{"another domain's create", "gina", "POST", hooksPath("acme"), hookBody(hookURL, grants.HookCreated), 404, codeNoAccount},
		{"another domain's update", "gina", "PATCH", hook, `{"disabled":true}`, 404, codeNoAccount},
		{"another domain's delete", "gina", "DELETE", hook, "", 404, codeNoAccount},
		{"another domain's deliveries", "gina", "GET", hook + "/deliveries", "", 404, codeNoAccount},
		{"another domain's test", "gina", "POST", hook + "/test", "", 404, codeNoAccount},
		{"another domain's history", "gina", "GET", hook + "/history", "", 404, codeNoAccount},
		{"acme's webhook under globex", "gina", "GET", hooksPath("globex", "/"+id), "", 404, codeNoAccount},
		{"acme's webhook deleted under globex", "gina", "DELETE", hooksPath("globex", "/"+id), "", 404, codeNoAccount},
		{"a domain that does not exist", admin0, "POST", hooksPath("nowhere"), hookBody(hookURL, grants.HookCreated), 404, codeNoAccount},
		{"an unknown webhook", "alice", "PATCH", hooksPath("acme", "/nohook"), `{"disabled":true}`, 404, codeNoAccount},
		{"no events", "alice", "POST", hooksPath("acme"), hookBody(hookURL), 400, codeAccountField},
		{"an unknown event", "alice", "POST", hooksPath("acme"), hookBody(hookURL, "share.deleted"), 400, codeAccountField},
		{"the test event chosen", "alice", "POST", hooksPath("acme"), hookBody(hookURL, grants.HookTest), 400, codeAccountField},
		{"one bad event of two", "alice", "POST", hooksPath("acme"), hookBody(hookURL, grants.HookCreated, "all"), 400, codeAccountField},
		{"a loopback URL", "alice", "POST", hooksPath("acme"), hookBody("http://127.0.0.1:8080/hook", grants.HookCreated), 400, codeAccountField},
		{"localhost", "alice", "POST", hooksPath("acme"), hookBody("http://localhost/hook", grants.HookCreated), 400, codeAccountField},
		{"a private URL", "alice", "POST", hooksPath("acme"), hookBody("https://10.1.2.3/hook", grants.HookCreated), 400, codeAccountField},
		{"cloud metadata", "alice", "POST", hooksPath("acme"), hookBody("http://169.254.169.254/latest", grants.HookCreated), 400, codeAccountField},
		{"another scheme", "alice", "POST", hooksPath("acme"), hookBody("ftp://203.0.113.7/hook", grants.HookCreated), 400, codeAccountField},
		{"no URL", "alice", "POST", hooksPath("acme"), hookBody("", grants.HookCreated), 400, codeAccountField},
		{"a relative URL", "alice", "POST", hooksPath("acme"), hookBody("/hooks", grants.HookCreated), 400, codeAccountField},
		{"user info in the URL", "alice", "POST", hooksPath("acme"), hookBody("https://u:p@203.0.113.7/", grants.HookCreated), 400, codeAccountField},
		{"a long description", "alice", "POST", hooksPath("acme"), jsonBody(shareapi.CreateWebhook{URL: hookURL, Events: []string{grants.HookCreated}, Description: strings.Repeat("d", 201)}), 400, codeAccountField},
		{"a create's unknown field", "alice", "POST", hooksPath("acme"), `{"url":"` + hookURL + `","events":["share.created"],"secret":"whsec_mine"}`, 400, codeBadBody},
		{"a create's field in another case", "alice", "POST", hooksPath("acme"), `{"URL":"` + hookURL + `","events":["share.created"]}`, 400, codeBadBody},
		{"an update to a private URL", "alice", "PATCH", hook, `{"url":"http://192.168.1.1/"}`, 400, codeAccountField},
		{"an update to no events", "alice", "PATCH", hook, `{"events":[]}`, 400, codeAccountField},
		{"an update of nothing", "alice", "PATCH", hook, `{}`, 400, codeAccountField},
		{"an update's unknown field", "alice", "PATCH", hook, `{"id":"mine"}`, 400, codeBadBody},
	} {
		t.Run(tc.name, func(t *testing.T) {
			listings := func() string {
				return e.do(admin0, "GET", hooksPath("acme"), "").String() + e.do(admin0, "GET", hooksPath("globex"), "").String()
			}
			before := listings()
			outbox, _, _, _ := e.g.HookBook()
			wantError(t, tc.name, e.do(tc.user, tc.method, tc.path, tc.body), tc.status, tc.code)
			if after := listings(); after != before {
				t.Errorf("the webhooks changed:\n%s\n%s", before, after)
			}
			if now, _, _, _ := e.g.HookBook(); len(now) != len(outbox) {
				t.Errorf("the outbox changed: %d records, was %d", len(now), len(outbox))
			}
		})
	}
	// Only the create is in the history; refusals are audited.
	var h shareapi.AccountHistory
	want(t, "history", e.do("alice", "GET", hook+"/history", ""), 200, &h)
	if len(h.Events) != 1 || h.Events[0].Action != grants.EventCreateWebhook {
		t.Errorf("history after refusals: %+v", h.Events)
	}
	if n := accountCount(t, e, grants.EventCreateWebhook, "refused"); n < 10 {
		t.Errorf("refused creates counted %v times", n)
	}
	if !strings.Contains(audit.String(), `"reason":"url: webhook: address not allowed: 127.0.0.1 is loopback"`) {
		t.Errorf("the audit log does not say why the loopback URL was refused:\n%s", audit)
	}
}

// Without a configured check, a URL need only be an absolute http or
// https URL: a private address passes (the deliverer's client still
// checks what it connects to).
func TestWebhookURLFormOnly(t *testing.T) {
	e, _ := newAccountsEnv(t)
	want(t, "loopback", e.do("alice", "POST", hooksPath("acme"), hookBody("http://127.0.0.1:8080/hook", grants.HookCreated)), 201, nil)
	for _, u := range []string{"", "/hooks", "ftp://203.0.113.7/", "http:///nohost", "https://%zz"} {
		wantError(t, "url "+u, e.do("alice", "POST", hooksPath("acme"), hookBody(u, grants.HookCreated)), 400, codeAccountField)
	}
}

// An update that keeps the URL does not check it again: an endpoint whose
// URL the check now refuses (made when private addresses were allowed,
// say) can still be disabled; setting that URL again is checked.
func TestWebhookKeptURLNotChecked(t *testing.T) {
	e, _ := newWebhooksEnv(t)
	allowAll := func(context.Context, string) error { return nil }
	v, err := e.g.CreateWebhook(t.Context(), e.user("alice"), "acme",
		grants.WebhookSpec{URL: "http://127.0.0.1:8080/hook", Events: []string{grants.HookCreated}}, allowAll, base)
	if err != nil {
		t.Fatal(err)
	}
	var one shareapi.Webhook
	want(t, "disable", e.do("alice", "PATCH", hooksPath("acme", "/"+v.ID), `{"disabled":true,"events":["share.revoked"]}`), 200, &one)
	if !one.Disabled || one.URL != v.URL {
		t.Errorf("disabled: %+v", one)
	}
	wantError(t, "the URL set again", e.do("alice", "PATCH", hooksPath("acme", "/"+v.ID), `{"url":"http://127.0.0.1:8080/hook"}`), 400, codeAccountField)
}

// A domain has at most MaxWebhooksPerDomain endpoints.
func TestTooManyWebhooks(t *testing.T) {
	e, _ := newWebhooksEnv(t)
	for i := range grants.MaxWebhooksPerDomain {
		want(t, fmt.Sprint("webhook ", i), e.do("alice", "POST", hooksPath("acme"), hookBody(hookURL, grants.HookCreated)), 201, nil)
	}
	wantError(t, "one more", e.do("amy", "POST", hooksPath("acme"), hookBody(hookURL, grants.HookCreated)), 400, codeTooManyAccts)
	var list shareapi.Webhooks
	if want(t, "list", e.do("alice", "GET", hooksPath("acme"), ""), 200, &list); len(list.Webhooks) != grants.MaxWebhooksPerDomain {
		t.Errorf("%d webhooks, want %d", len(list.Webhooks), grants.MaxWebhooksPerDomain)
	}
	want(t, "another domain", e.do("gina", "POST", hooksPath("globex"), hookBody(hookURL, grants.HookCreated)), 201, nil)
	want(t, "after a delete", e.do("alice", "DELETE", hooksPath("acme", "/"+list.Webhooks[0].ID), ""), 204, nil)
	want(t, "one more after a delete", e.do("amy", "POST", hooksPath("acme"), hookBody(hookURL, grants.HookCreated)), 201, nil)
}
