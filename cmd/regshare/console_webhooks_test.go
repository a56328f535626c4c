package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/regshare/regshare/shareapi"
)

// hookURL is where the console's webhooks point: regshare dev refuses
// private addresses, and a name would have to resolve (the tests run
// offline), so a literal public address (TEST-NET-3, RFC 5737) that
// nothing answers: its deliveries stay pending, or fail.
const hookURL = "https://203.0.113.10/hook"

// webhooks lists a domain's webhooks through the API as user, and
// returns the answer as it came too.
func (d *devSystem) webhooks(t *testing.T, user, domain string) ([]shareapi.Webhook, string) {
	t.Helper()
	status, body := d.call(t, user, "GET", "/v2/manage/domains/"+domain+"/webhooks", "")
	if status != 200 {
		t.Fatalf("list the webhooks of %s as %s: %d %s", domain, user, status, body)
	}
	var out shareapi.Webhooks
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("the webhooks of %s: %v", domain, err)
	}
	return out.Webhooks, string(body)
}

// webhookRow is the CSS of the row of webhook id on the Webhooks page.
func webhookRow(id string) string { return fmt.Sprintf(`#webhooks-body tr[data-webhook=%q]`, id) }

// rowButton is the CSS of a row's button of action (edit, test, …).
func rowButton(row, action string) string {
	return fmt.Sprintf(`%s button[data-action=%q]`, row, action)
}

// waitForAttempt clicks Refresh in the Deliveries dialog, once a second,
// until the delivery of event lists an attempt: nothing answers at
// hookURL, so the first one ends in an error, at the latest when the
// client gives up on it (10 s).
func (p *page) waitForAttempt(t *testing.T, event string) {
	t.Helper()
	attempts := fmt.Sprintf(`(document.querySelector('#deliveries-body tr[data-event=%q] td:nth-child(4)') || {}).textContent || '0'`, event)
	for i := 0; eval[string](t, p, attempts) == "0"; i++ {
		if i == 30 {
			t.Fatalf("%s: no attempt of %s listed after 30 s", p.name, event)
		}
		time.Sleep(time.Second)
		p.do(t, "refresh the deliveries", chromedp.Click(chromedp.ID("deliveries-refresh")))
		time.Sleep(200 * time.Millisecond)
	}
}

// TestConsoleWebhooks drives the Webhooks page in headless Chromium
// against `regshare dev`: a manager (alice, of acme) adds a webhook (the
// dialog's errors, a private address refused, the secret shown once and
// nowhere afterwards, in the page or the API), edits its events, disables
// and enables it, sends a test event and finds its delivery in the log,
// reads its history and deletes it; a read user of acme has no Webhooks
// page, a manager of globex cannot see acme's, and an administrator
// reaches them from Domains.
func TestConsoleWebhooks(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry and a browser")
	}
	exe := chromium(t)
	d := startDev(t)
	b := newBrowser(t, exe, d.info.API)

	step := steps(t)
	focused := func(t *testing.T, p *page) string {
		t.Helper()
		return eval[string](t, p, `(document.activeElement.id || document.activeElement.getAttribute('data-action') || document.activeElement.tagName)`)
	}

	const xss = `<img src=x onerror=alert(1)>`
	alice := b.tab(t, "alice")
	var id, secret string
	step("1 a manager adds a webhook; its secret is shown once", []*page{alice}, func(t *testing.T) {
		alice.login(t, "alice", d.users["alice"].Password)
		if got := alice.visible(t, "nav-webhooks"); !got["nav-webhooks"] {
			t.Error("a manage user has no Webhooks in the navigation")
		}
		alice.do(t, "open Webhooks", chromedp.Click(chromedp.ID("nav-webhooks")))
		alice.waitFor(t, "the empty list", `document.getElementById('webhooks-empty').textContent.includes('no webhooks')`)
		if got := focused(t, alice); got != "webhooks-title" {
			t.Errorf("focus after opening the page: %q, want webhooks-title", got)
		}
		if got := eval[string](t, alice, `document.title`); got != "Webhooks of acme · regshare" {
			t.Errorf("the page's title: %q", got)
		}
		alice.checkLabels(t, "Webhooks")
		eval[bool](t, alice, `(() => { window.alerted = false; window.alert = () => { window.alerted = true; }; return true; })()`)

		alice.do(t, "open Add webhook with the keyboard",
			chromedp.Focus(chromedp.ID("webhook-create-open")), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.ID("webhook-url")))
		if got := focused(t, alice); got != "webhook-url" {
			t.Errorf("focus in the open dialog: %q, want webhook-url", got)
		}
		if got := eval[[]bool](t, alice, `[document.getElementById('webhook-events-all').checked, ...[...document.querySelectorAll('#webhook-events input')].map((b) => b.checked),
			document.getElementById('webhook-enabled-field').hidden]`); len(got) != 7 || slices.Contains(got, false) {
			t.Errorf("a new webhook's events ticked (all, then each) and Enabled hidden: %v, want all true", got)
		}
		alice.do(t, "submit it empty", chromedp.Click(chromedp.ID("webhook-submit")))
		alice.waitFor(t, "the URL's error", `document.getElementById('webhook-url-error').textContent === 'Enter the URL that receives the events.'`)
		if got := focused(t, alice); got != "webhook-url" {
			t.Errorf("focus after the error: %q, want webhook-url", got)
		}

		// regshare dev refuses private addresses: the field says so, in
		// the console's words, with the API's code.
		alice.do(t, "a private address", chromedp.SendKeys(chromedp.ID("webhook-url"), "https://10.1.2.3/hook"), chromedp.Click(chromedp.ID("webhook-submit")))
		alice.waitFor(t, "the refusal", `document.getElementById('webhook-url-error').textContent.startsWith('regshare does not send to this address')`)
		if got := alice.text(t, "#webhook-url-error .error-code"); got != "REGSHARE.4000012" {
			t.Errorf("the refusal's code: %q", got)
		}
		if got := eval[string](t, alice, `document.getElementById('webhook-url').getAttribute('aria-invalid')`); got != "true" {
			t.Errorf("the refused URL's aria-invalid: %q", got)
		}
		if hooks, _ := d.webhooks(t, "alice", "acme"); len(hooks) != 0 {
			t.Fatalf("the refused webhook was made: %+v", hooks)
		}

		alice.do(t, "untick every event", chromedp.Click(chromedp.ID("webhook-events-all")))
		eval[string](t, alice, fmt.Sprintf(`document.getElementById('webhook-url').value = %q`, hookURL))
		alice.do(t, "submit", chromedp.Click(chromedp.ID("webhook-submit")))
		alice.waitFor(t, "the events' error", `document.getElementById('webhook-events-error').textContent === 'Choose at least one event.'`)
		if got := focused(t, alice); got != "webhook-events-all" {
			t.Errorf("focus after the events' error: %q, want webhook-events-all", got)
		}
		alice.do(t, "tick one event", chromedp.Click(chromedp.CSS(`#webhook-events input[value="share.revoked"]`)))
		if got := eval[[]bool](t, alice, `[document.getElementById('webhook-events-all').checked, document.getElementById('webhook-events-all').indeterminate]`); got[0] || !got[1] {
			t.Errorf("All events with one ticked: checked, indeterminate %v, want false, true", got)
		}
		alice.do(t, "tick all and describe",
			chromedp.Click(chromedp.ID("webhook-events-all")),
			chromedp.Focus(chromedp.ID("webhook-description")), insertText(xss))
		alice.checkLabels(t, "Add webhook dialog")
		alice.narrow(t, func() { alice.checkFits(t, "Add webhook dialog at 400 px") })
		alice.do(t, "add", chromedp.Click(chromedp.ID("webhook-submit")))
		alice.waitFor(t, "the secret", `document.getElementById('secret-dialog').open && document.getElementById('secret-value').textContent !== ''`)
		if got := focused(t, alice); got != "secret-copy" {
			t.Errorf("focus on the secret: %q, want secret-copy", got)
		}
		secret = alice.text(t, "#secret-value")
		if !regexp.MustCompile(`^whsec_[A-Za-z0-9+/=]{20,}$`).MatchString(secret) {
			t.Errorf("the secret %q is not a Standard Webhooks secret (whsec_ and base64)", secret)
		}
		lead := alice.text(t, "#secret-lead")
		for _, w := range []string{"webhook-id", "webhook-timestamp", "webhook-signature", "HMAC-SHA256", "Standard Webhooks"} {
			if !strings.Contains(lead, w) {
				t.Errorf("how receivers verify it: %q, want %q in it", lead, w)
			}
		}
		if got := alice.text(t, "#secret-once"); !strings.Contains(got, "cannot show it again") {
			t.Errorf("the note that it is shown once: %q", got)
		}
		if alice.visible(t, "secret-login-block")["secret-login-block"] {
			t.Error("a webhook's secret is shown with a docker login command")
		}
		alice.checkLabels(t, "the webhook's secret")
		alice.do(t, "copy the secret", chromedp.Click(chromedp.ID("secret-copy")))
		alice.waitFor(t, "the copy to be announced", `document.getElementById('status').textContent.startsWith('Copied')`)
		if got := alice.text(t, "#status"); strings.Contains(got, secret) {
			t.Errorf("the status line shows the secret: %q", got)
		}

		alice.do(t, "close the secret", chromedp.Click(chromedp.ID("secret-done")))
		alice.waitFor(t, "the webhook in the list", `!document.getElementById('secret-dialog').open && document.querySelector('#webhooks-body tr[data-webhook]')`)
		id = eval[string](t, alice, `document.querySelector('#webhooks-body tr').dataset.webhook`)
		if got := focused(t, alice); got != "edit" {
			t.Errorf("focus after the secret closed: %q, want the row's Edit", got)
		}
		row := alice.rowCells(t, webhookRow(id))
		for k, v := range map[string]string{"URL": hookURL, "Events": "All events", "Status": "Enabled", "Description": xss, "Updated": "by alice"} {
			if !strings.Contains(row[k], v) {
				t.Errorf("the row's %s: %q, want %q (row %q)", k, row[k], v, row)
			}
		}
		if got := eval[map[string]bool](t, alice, `({img: document.querySelector('#main img') !== null, alerted: window.alerted})`); got["img"] || got["alerted"] {
			t.Errorf("the description was parsed as HTML: %v", got)
		}
		if eval[bool](t, alice, fmt.Sprintf(`[document.documentElement.outerHTML, JSON.stringify(sessionStorage), JSON.stringify(localStorage)].some((s) => s.includes(%q))`, secret)) {
			t.Error("the secret is still in the page or the tab's storage after its dialog closed")
		}
		// Nor does the API show it again: not in the list, not in the webhook.
		hooks, listed := d.webhooks(t, "alice", "acme")
		status, one := d.call(t, "alice", "GET", "/v2/manage/domains/acme/webhooks/"+id, "")
		if len(hooks) != 1 || hooks[0].ID != id || hooks[0].URL != hookURL || hooks[0].Description != xss || len(hooks[0].Events) != 5 || status != 200 {
			t.Fatalf("the API's webhooks: %+v; the webhook: %d %s", hooks, status, one)
		}
		for _, s := range []string{listed, string(one)} {
			if strings.Contains(s, secret) || strings.Contains(s, `"secret"`) {
				t.Errorf("the API shows the secret again: %s", s)
			}
		}
		alice.checkLabels(t, "Webhooks with a webhook")
		alice.fitsWide(t, "Webhooks")
	})

	step("2 the manager edits its events, disables and enables it", []*page{alice}, func(t *testing.T) {
		row := webhookRow(id)
		alice.do(t, "edit", chromedp.Click(chromedp.CSS(rowButton(row, "edit"))), chromedp.WaitVisible(chromedp.ID("webhook-url")))
		got := eval[map[string]string](t, alice, `({title: document.getElementById('webhook-title').textContent, url: document.getElementById('webhook-url').value,
			enabled: String(!document.getElementById('webhook-enabled-field').hidden && document.getElementById('webhook-enabled').checked),
			submit: document.getElementById('webhook-submit').textContent})`)
		if want := map[string]string{"title": "Edit webhook", "url": hookURL, "enabled": "true", "submit": "Save"}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("the edit dialog: %v, want %v", got, want)
		}
		alice.checkLabels(t, "Edit webhook dialog")
		alice.do(t, "untick two events",
			chromedp.Click(chromedp.CSS(`#webhook-events input[value="share.updated"]`)),
			chromedp.Click(chromedp.CSS(`#webhook-events input[value="share.expiring"]`)),
			chromedp.Click(chromedp.ID("webhook-submit")))
		alice.waitFor(t, "three events in the row", fmt.Sprintf(`!document.getElementById('webhook-dialog').open &&
			(document.querySelector('%s td[data-label="Events"]') || {}).textContent === 'share.createdshare.expiredshare.revoked'`, row))
		if got := focused(t, alice); got != "edit" {
			t.Errorf("focus after the edit: %q, want the row's Edit", got)
		}
		if hooks, _ := d.webhooks(t, "alice", "acme"); len(hooks) != 1 || !slices.Equal(hooks[0].Events, []string{"share.created", "share.expired", "share.revoked"}) || hooks[0].URL != hookURL || hooks[0].Description != xss {
			t.Errorf("the webhook after the edit: %+v, want three events and the rest kept", hooks)
		}

		alice.do(t, "disable it in the dialog",
			chromedp.Click(chromedp.CSS(rowButton(row, "edit"))), chromedp.WaitVisible(chromedp.ID("webhook-enabled")),
			chromedp.Click(chromedp.ID("webhook-enabled")), chromedp.Click(chromedp.ID("webhook-submit")))
		alice.waitFor(t, "Disabled", fmt.Sprintf(`(document.querySelector('%s td[data-label="Status"]') || {}).textContent === 'Disabled'`, row))
		if got := eval[[]bool](t, alice, fmt.Sprintf(`[document.querySelector('%s').disabled, !document.getElementById('webhooks-disabled-note').hidden]`, rowButton(row, "test"))); !got[0] || !got[1] {
			t.Errorf("a disabled webhook's Send test event disabled, and the note why shown: %v", got)
		}
		if hooks, _ := d.webhooks(t, "alice", "acme"); len(hooks) != 1 || !hooks[0].Disabled {
			t.Errorf("the webhook after disabling: %+v", hooks)
		}
		if status, body := d.call(t, "alice", "POST", "/v2/manage/domains/acme/webhooks/"+id+"/test", ""); status != 400 {
			t.Errorf("a test of the disabled webhook: %d %s, want 400", status, body)
		}
		alice.do(t, "enable it from the row", chromedp.Click(chromedp.CSS(rowButton(row, "toggle"))))
		alice.waitFor(t, "Enabled", fmt.Sprintf(`(document.querySelector('%s td[data-label="Status"]') || {}).textContent === 'Enabled'`, row))
		if got := focused(t, alice); got != "toggle" {
			t.Errorf("focus after enabling: %q, want the row's Disable", got)
		}
		if got := alice.text(t, "#status"); got != "Webhook "+hookURL+" is enabled again." {
			t.Errorf("the announcement: %q", got)
		}
		if hooks, _ := d.webhooks(t, "alice", "acme"); len(hooks) != 1 || hooks[0].Disabled {
			t.Errorf("the webhook after enabling: %+v", hooks)
		}
	})

	step("3 a test event is announced and listed in the deliveries", []*page{alice}, func(t *testing.T) {
		row := webhookRow(id)
		alice.do(t, "send a test event", chromedp.Click(chromedp.CSS(rowButton(row, "test"))))
		alice.waitFor(t, "the announcement", `document.getElementById('status').textContent.startsWith('Test event evt_')`)
		m := regexp.MustCompile(`^Test event (evt_[0-9a-f]+) is queued for (\S+)\.$`).FindStringSubmatch(alice.text(t, "#status"))
		if m == nil || m[2] != hookURL {
			t.Fatalf("the announcement %q does not name the event and the URL", alice.text(t, "#status"))
		}
		event := m[1]
		alice.waitFor(t, "its delivery", fmt.Sprintf(`document.getElementById('deliveries-dialog').open && document.querySelector('#deliveries-body tr[data-event=%q]')`, event))
		if got := focused(t, alice); got != "deliveries-refresh" {
			t.Errorf("focus in the deliveries: %q, want deliveries-refresh", got)
		}
		cells := alice.rowCells(t, fmt.Sprintf(`#deliveries-body tr[data-event=%q]`, event))
		if !strings.HasPrefix(cells["Event ID"], event) || cells["Type"] != "webhook.test" || !slices.Contains([]string{"Pending", "Failed"}, cells["Status"]) || cells["Created"] == "—" {
			t.Errorf("the test's delivery: %q, want its id, webhook.test, pending or failed", cells)
		}
		// Nothing answers: once the first attempt is over, Refresh shows
		// it with why it failed, and the next one while it is pending.
		alice.waitForAttempt(t, event)
		cells = alice.rowCells(t, fmt.Sprintf(`#deliveries-body tr[data-event=%q]`, event))
		reason := alice.text(t, fmt.Sprintf(`#deliveries-body tr[data-event=%q] td[data-label="Last attempt"] [lang="en"]`, event))
		if !regexp.MustCompile(`^\w{3} \d+, \d{4}, \d{2}:\d{2}`).MatchString(cells["Last attempt"]) || reason == "" ||
			cells["Status"] == "Pending" && cells["Next attempt"] == "—" || cells["Status"] == "Failed" && cells["Next attempt"] != "—" {
			t.Errorf("after an attempt: %q (its error %q), want its time and error, and the next attempt while pending", cells, reason)
		}
		if got := eval[bool](t, alice, fmt.Sprintf(`document.querySelector('#deliveries-body tr[data-event=%q]').classList.contains('current')`, event)); !got {
			t.Error("the test just sent is not marked in the deliveries")
		}
		if got := alice.text(t, "#deliveries-status"); !strings.HasPrefix(got, "Test event "+event+" is listed:") {
			t.Errorf("the dialog's status line: %q", got)
		}
		if bad := alice.badTimesOn(t); len(bad) > 0 {
			t.Errorf("the deliveries show times that are not local with UTC on hover: %q", bad)
		}
		status, body := d.call(t, "alice", "GET", "/v2/manage/domains/acme/webhooks/"+id+"/deliveries", "")
		var ds shareapi.Deliveries
		if status != 200 || json.Unmarshal(body, &ds) != nil || !slices.ContainsFunc(ds.Deliveries, func(x shareapi.Delivery) bool { return x.EventID == event && x.Type == "webhook.test" }) {
			t.Errorf("the API's deliveries: %d %s, want the test %s", status, body, event)
		}
		alice.checkLabels(t, "Deliveries dialog")
		alice.narrow(t, func() { alice.checkFits(t, "Deliveries dialog at 400 px") })
		alice.do(t, "refresh", chromedp.Click(chromedp.ID("deliveries-refresh")))
		alice.waitFor(t, "the list again", fmt.Sprintf(`document.querySelector('#deliveries-body tr[data-event=%q]') && document.getElementById('deliveries-status').textContent.includes('is listed')`, event))
		alice.do(t, "close", chromedp.Click(chromedp.ID("deliveries-close")))
		alice.waitFor(t, "the dialog to close", `!document.getElementById('deliveries-dialog').open`)
		if got := focused(t, alice); got != "test" {
			t.Errorf("focus after the deliveries closed: %q, want the row's Send test event", got)
		}

		alice.do(t, "open Deliveries", chromedp.Click(chromedp.CSS(rowButton(row, "deliveries"))))
		alice.waitFor(t, "the delivery", fmt.Sprintf(`document.getElementById('deliveries-dialog').open && document.querySelector('#deliveries-body tr[data-event=%q]')`, event))
		if got := eval[bool](t, alice, `document.querySelector('#deliveries-body tr.current') !== null`); got {
			t.Error("Deliveries opened from the row marks a test as just sent")
		}
		alice.do(t, "close with Escape", chromedp.KeyEvent(kb.Escape))
		alice.waitFor(t, "the dialog to close", `!document.getElementById('deliveries-dialog').open`)
		if got := focused(t, alice); got != "deliveries" {
			t.Errorf("focus after Escape: %q, want the row's Deliveries", got)
		}
	})

	step("4 its history, then its deletion", []*page{alice}, func(t *testing.T) {
		row := webhookRow(id)
		alice.do(t, "open the history", chromedp.Click(chromedp.CSS(rowButton(row, "history"))))
		// Added, its events changed, disabled, enabled; a test changes nothing.
		alice.waitFor(t, "four events", `document.querySelectorAll('#history-list > li').length === 4`)
		items := eval[[]string](t, alice, `[...document.querySelectorAll('#history-list > li')].map((li) => li.querySelector('.what').textContent + ' | ' + li.textContent)`)
		for i, want := range []string{"alice changed the webhook | ", "alice changed the webhook | ", "alice changed the webhook | ", "alice added the webhook | "} {
			if !strings.HasPrefix(items[i], want) {
				t.Errorf("event %d: %q, want %q first", i, items[i], want)
			}
		}
		for i, want := range []string{"Status: Disabled → Enabled", "Status: Enabled → Disabled", "Events: share.created, share.expired, share.expiring, share.revoked, share.updated → share.created, share.expired, share.revoked", "URL: " + hookURL} {
			if !strings.Contains(items[i], want) {
				t.Errorf("event %d: %q, want %q in it", i, items[i], want)
			}
		}
		alice.do(t, "close it", chromedp.Click(chromedp.ID("history-close")))
		alice.waitFor(t, "the history to close", `!document.getElementById('history-dialog').open`)
		if got := focused(t, alice); got != "history" {
			t.Errorf("focus after the history: %q, want the row's History", got)
		}

		alice.do(t, "delete", chromedp.Click(chromedp.CSS(rowButton(row, "delete"))), chromedp.WaitVisible(chromedp.ID("confirm-submit")))
		if got := focused(t, alice); got != "confirm-cancel" {
			t.Errorf("focus in the confirm dialog: %q, want confirm-cancel", got)
		}
		if got := alice.text(t, "#confirm-text"); !strings.Contains(got, hookURL) {
			t.Errorf("the confirmation %q does not name the URL", got)
		}
		alice.do(t, "confirm", chromedp.Click(chromedp.ID("confirm-submit")))
		alice.waitFor(t, "the empty list", `!document.querySelector('#webhooks-body tr') && !document.getElementById('webhooks-empty').hidden && document.getElementById('webhooks-empty').textContent.includes('no webhooks')`)
		if got := focused(t, alice); got != "webhooks-title" {
			t.Errorf("focus after the deletion: %q, want webhooks-title", got)
		}
		if status, body := d.call(t, "alice", "GET", "/v2/manage/domains/acme/webhooks/"+id, ""); status != 404 {
			t.Errorf("the deleted webhook: %d %s, want 404", status, body)
		}
	})

	// acme has a webhook again, which no one else of these three sees.
	status, body := d.call(t, "alice", "POST", "/v2/manage/domains/acme/webhooks", fmt.Sprintf(`{"url":%q,"events":["share.created"],"description":"acme's"}`, hookURL))
	if status != 201 {
		t.Fatalf("add a webhook to acme: %d %s", status, body)
	}
	var made shareapi.WebhookSecret
	if err := json.Unmarshal(body, &made); err != nil {
		t.Fatal(err)
	}
	rita, gus, root := b.tab(t, "rita"), b.tab(t, "gus"), b.tab(t, "root")
	step("5 a read user has no Webhooks page, another domain's manager does not see acme's", []*page{rita, gus, root}, func(t *testing.T) {
		rita.login(t, "rita", d.users["rita"].Password)
		if rita.visible(t, "nav-webhooks")["nav-webhooks"] {
			t.Error("a read user has Webhooks in the navigation")
		}
		rita.goTo(t, "#/webhooks")
		rita.waitFor(t, "the refusal", `document.getElementById('webhooks-error').textContent.includes('manage role')`)
		if got := rita.visible(t, "webhook-create-open", "webhooks-table"); got["webhook-create-open"] || got["webhooks-table"] {
			t.Errorf("a read user sees Add webhook or the list: %v", got)
		}
		if status, _ := d.call(t, "rita", "GET", "/v2/manage/domains/acme/webhooks", ""); status != 403 {
			t.Errorf("a read user lists acme's webhooks: %d, want 403", status)
		}

		gus.login(t, "gus", d.users["gus"].Password)
		gus.do(t, "open Webhooks", chromedp.Click(chromedp.ID("nav-webhooks")))
		gus.waitFor(t, "globex's empty list", `document.getElementById('webhooks-empty').textContent.includes('no webhooks') && document.title.includes('globex')`)
		gus.goTo(t, "#/webhooks/acme")
		gus.waitFor(t, "the refusal", `document.getElementById('webhooks-error').textContent.includes('manage role')`)
		if got := eval[int](t, gus, `document.querySelectorAll('#webhooks-body tr').length`); got != 0 || strings.Contains(eval[string](t, gus, `document.body.textContent`), "acme's") {
			t.Errorf("gus sees acme's webhooks: %d rows", got)
		}
		for _, path := range []string{"/v2/manage/domains/acme/webhooks", "/v2/manage/domains/acme/webhooks/" + made.ID, "/v2/manage/domains/acme/webhooks/" + made.ID + "/deliveries"} {
			if status, body := d.call(t, "gus", "GET", path, ""); status != 404 {
				t.Errorf("gus GET %s: %d %s, want 404", path, status, body)
			}
		}

		// An administrator reaches any domain's webhooks from Domains.
		root.login(t, "root", d.users["root"].Password)
		root.do(t, "open Domains", chromedp.Click(chromedp.ID("nav-domains")))
		root.waitFor(t, "acme's row", `document.querySelector('#domains-body tr[data-domain="acme"] a[data-action="webhooks"]')`)
		root.do(t, "open acme's webhooks", chromedp.Click(chromedp.CSS(`#domains-body tr[data-domain="acme"] a[data-action="webhooks"]`)))
		root.waitFor(t, "acme's webhook", fmt.Sprintf(`location.hash === '#/webhooks/acme' && document.querySelector(%q)`, webhookRow(made.ID)))
		if got := root.visible(t, "webhooks-crumbs", "webhook-create-open"); !got["webhooks-crumbs"] || !got["webhook-create-open"] {
			t.Errorf("an administrator on acme's webhooks: %v, want the crumbs and Add webhook", got)
		}
		if got := root.rowCells(t, webhookRow(made.ID)); got["Events"] != "share.created" || got["Description"] != "acme's" {
			t.Errorf("acme's webhook as root sees it: %q", got)
		}
	})
}
