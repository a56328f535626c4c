package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones the browser is put in, wherever the test runs

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/regshare/regshare/shareapi"
)

// Formats of the console's times in English (en-US, 24 hours).
const (
	shownDate = "Jan 2, 2006"
	shownTime = "Jan 2, 2006, 15:04"
	titleTime = "2006-01-02 15:04 UTC"
)

// timezone puts the tab in zone, as if the browser's system were there.
func (p *page) timezone(t *testing.T, zone string) {
	t.Helper()
	p.do(t, "set the time zone to "+zone, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone})
		return chromedp.Void{}, err
	})
	if got := eval[string](t, p, `Intl.DateTimeFormat().resolvedOptions().timeZone`); got != zone {
		t.Fatalf("the tab's time zone is %q, want %q", got, zone)
	}
}

// offline cuts the tab's network (every request fails), or restores it.
func (p *page) offline(t *testing.T, off bool) {
	t.Helper()
	p.do(t, fmt.Sprintf("set offline %v", off), func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}},
		})
		return chromedp.Void{}, err
	})
}

// focused describes the focused element: "body", or the domain of its
// table row and its action (data-action, or its label's first word), or
// its id.
func (p *page) focused(t *testing.T) string {
	t.Helper()
	return eval[string](t, p, `(() => {
		const e = document.activeElement;
		if (!e || e === document.body) return 'body';
		const row = e.closest('tr');
		const label = (e.getAttribute('aria-label') || '').split(' ')[0].toLowerCase();
		return (row && row.dataset.domain ? row.dataset.domain + ' ' : '') + (e.dataset.action || e.id || label || e.tagName.toLowerCase());
	})()`)
}

// shareOf is the share of ns/repo with domain, read through the API.
func (d *devSystem) shareOf(t *testing.T, ns, repo, domain string) shareapi.Share {
	t.Helper()
	for _, s := range d.shares(t, "alice", ns, repo) {
		if s.AccessDomain == domain {
			return s
		}
	}
	t.Fatalf("%s/%s is not shared with %s", ns, repo, domain)
	return shareapi.Share{}
}

// openSharing shows the Sharing tab of repo with n shares.
func (p *page) openSharing(t *testing.T, repo string, n int) {
	t.Helper()
	p.goTo(t, "#/images")
	p.goTo(t, "#/image/"+repo+"?tab=sharing")
	p.waitFor(t, fmt.Sprintf("%d shares of %s", n, repo), fmt.Sprintf(`document.getElementById('image-title').textContent === %q
		&& document.querySelectorAll('#sharing-body tr').length === %d && (%d > 0 || !document.getElementById('sharing-empty').textContent.includes('…'))`, repo, n, n))
}

// openShareDialog opens Share image and waits for it.
func (p *page) openShareDialog(t *testing.T) {
	t.Helper()
	p.do(t, "open Share image", chromedp.Click(chromedp.ID("share-open")), chromedp.WaitVisible(chromedp.ID("share-with")))
}

// day is the local day of t in loc, d days later, at midnight.
func day(t time.Time, loc *time.Location, d int) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day()+d, 0, 0, 0, 0, loc)
}

// TestConsoleShare drives the share dialogs and an image's page in
// headless Chromium against `regshare dev`, one subtest per problem of
// the console's issue it fixes: local time (2), errors that follow the
// field (3), the focus after Revoke (6), messages for people and Retry
// (7), and "Edit that share instead", the presets and the history (10).
func TestConsoleShare(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry and a browser")
	}
	exe := chromium(t)
	d := startDev(t)
	created := time.Date(2026, 5, 4, 10, 30, 0, 0, time.UTC)
	for _, ref := range []string{"acme/hnl:1", "acme/sha:1", "acme/web:1", "acme/db:1", "acme/api:1", "acme/hist:1"} {
		d.push(t, "alice", ref, created)
	}
	b := newBrowser(t, exe, d.info.API)
	run := func(name string, f func(t *testing.T)) { t.Run(name, f) }

	run("2 times are local, and a day ends at local midnight", func(t *testing.T) {
		for _, c := range []struct{ zone, repo string }{{"Pacific/Honolulu", "acme/hnl"}, {"Asia/Shanghai", "acme/sha"}} {
			loc, err := time.LoadLocation(c.zone)
			if err != nil {
				t.Fatal(err)
			}
			p := b.tab(t, "alice-"+strings.ReplaceAll(c.zone, "/", "-"))
			func() {
				defer shotOnFailure(t, p)
				p.timezone(t, c.zone)
				p.login(t, "alice", d.users["alice"].Password)
				localTimes(t, d, p, loc, c.repo)
			}()
		}
	})

	run("3 errors clear as the field is corrected", func(t *testing.T) {
		d.share(t, "alice", "acme", "web", "globex")
		p := b.tab(t, "alice-errors")
		defer shotOnFailure(t, p)
		p.login(t, "alice", d.users["alice"].Password)
		followingErrors(t, d, p)
	})

	run("6 the focus after Revoke stays in the list", func(t *testing.T) {
		d.share(t, "alice", "acme", "db", "globex")
		d.share(t, "alice", "acme", "db", "ops")
		p := b.tab(t, "alice-revoke")
		defer shotOnFailure(t, p)
		p.login(t, "alice", d.users["alice"].Password)
		p.openSharing(t, "acme/db", 2)

		revoke := func(domain string) {
			p.do(t, "revoke "+domain,
				chromedp.Click(chromedp.CSS(fmt.Sprintf(`#sharing-body tr[data-domain=%q] button[aria-label^="Revoke"]`, domain))),
				chromedp.WaitVisible(chromedp.ID("revoke-submit")))
		}
		revoke("globex")
		p.do(t, "cancel", chromedp.Click(chromedp.ID("revoke-cancel")))
		p.waitFor(t, "the dialog to close", `!document.getElementById('revoke-dialog').open`)
		if got := p.focused(t); got != "globex revoke" {
			t.Errorf("focus after cancelling Revoke: %q, want globex's Revoke", got)
		}
		for _, c := range []struct {
			domain, want string
			left         int
		}{{"globex", "ops revoke", 1}, {"ops", "share-open", 0}} {
			revoke(c.domain)
			p.do(t, "confirm", chromedp.Click(chromedp.ID("revoke-submit")))
			p.waitFor(t, "the share to go", fmt.Sprintf(`!document.getElementById('revoke-dialog').open
				&& document.querySelectorAll('#sharing-body tr').length === %d && !document.querySelector('#sharing-body tr[data-domain=%q]')
				&& !document.getElementById('sharing-empty').textContent.includes('…')`, c.left, c.domain))
			if got := p.focused(t); got != c.want {
				t.Errorf("focus after revoking %s: %q, want %q", c.domain, got, c.want)
			}
		}
	})

	run("7 messages for people, and Retry", func(t *testing.T) {
		gina := b.tab(t, "gina-messages")
		alice := b.tab(t, "alice-offline")
		defer shotOnFailure(t, gina, alice)
		gina.login(t, "gina", d.users["gina"].Password)
		gina.goTo(t, "#/image/acme/api")
		gina.waitFor(t, "the refusal", `document.getElementById('tags-error').textContent !== ''`)
		got := eval[map[string]any](t, gina, `({
			error: document.getElementById('tags-error').textContent,
			code: (document.querySelector('#tags-error .error-code') || {}).textContent || '',
			crumbs: document.querySelector('#view-image .crumbs').textContent,
			table: !document.getElementById('tags-table').hidden})`)
		if msg := got["error"].(string); !strings.HasPrefix(msg, "You cannot pull this image") {
			t.Errorf("a recipient's error on an image not shared: %q, want one saying they cannot pull it", msg)
		}
		if got["code"] != "REGSHARE.4030001" {
			t.Errorf("the API's code under the message: %q, want REGSHARE.4030001", got["code"])
		}
		if crumbs := got["crumbs"].(string); strings.Contains(crumbs, "Shared Images") || !strings.Contains(crumbs, "not shared") {
			t.Errorf("the breadcrumb of an image not shared: %q, want it said so, and not under Shared Images", crumbs)
		}
		if got["table"] == true {
			t.Error("an empty table header is shown under the error")
		}

		alice.login(t, "alice", d.users["alice"].Password)
		alice.openSharing(t, "acme/web", 1)
		alice.goTo(t, "#/image/acme/web")
		alice.waitFor(t, "the tags", `document.querySelectorAll('#tags-body tr').length === 1`)
		alice.offline(t, true)
		alice.do(t, "open Sharing offline", chromedp.Click(chromedp.ID("tab-sharing")))
		alice.waitFor(t, "Retry", `document.querySelector('#sharing-error button')`)
		if msg := alice.text(t, "#sharing-error"); !strings.Contains(msg, "Check your connection") {
			t.Errorf("the error offline: %q", msg)
		}
		alice.offline(t, false)
		alice.do(t, "retry", chromedp.Click(chromedp.CSS(`#sharing-error button`)))
		alice.waitFor(t, "the shares", `document.querySelector('#sharing-body tr[data-domain="globex"]') && document.getElementById('sharing-error').textContent === ''`)
		if got := alice.focused(t); got == "body" {
			t.Error("after Retry the focus is on the page's body")
		}
	})

	run("10 Edit that share instead, presets and the history", func(t *testing.T) {
		if status, body := d.call(t, "alice", "POST", "/v2/manage/namespaces/acme/repositories/hist/access-domains",
			`{"access_domain":"globex","permit":"read","deadline":"forever","description":"v1"}`); status != 201 {
			t.Fatalf("share acme/hist: %d %s", status, body)
		}
		loc, _ := time.LoadLocation("Asia/Shanghai")
		p := b.tab(t, "alice-presets")
		defer shotOnFailure(t, p)
		p.timezone(t, "Asia/Shanghai")
		p.login(t, "alice", d.users["alice"].Password)
		p.openSharing(t, "acme/hist", 1)
		presetsAndEditInstead(t, d, p, loc)
		shareHistory(t, p)
	})
}

// localTimes shares repo with globex until today, in the tab's zone loc,
// and checks the deadline and how times are shown; then a share the API
// made with a UTC date.
func localTimes(t *testing.T, d *devSystem, p *page, loc *time.Location, repo string) {
	ns, name, _ := strings.Cut(repo, "/")
	p.openSharing(t, repo, 0)
	p.openShareDialog(t)
	today := day(time.Now(), loc, 0)
	if got := eval[string](t, p, `document.getElementById('share-until').min`); got != today.Format(time.DateOnly) {
		t.Errorf("%s: the earliest day %q, want today there, %s", loc, got, today.Format(time.DateOnly))
	}
	p.do(t, "share until today",
		chromedp.SendKeys(chromedp.ID("share-with"), "globex"),
		chromedp.SetValue(chromedp.ID("share-until"), today.Format(time.DateOnly)),
		chromedp.Click(chromedp.ID("share-submit")))
	p.waitFor(t, "the dialog to close, or an error", `!document.getElementById('share-dialog').open || document.querySelector('#share-dialog .error:not(:empty)')`)
	if errs := p.fieldErrors(t); eval[bool](t, p, `document.getElementById('share-dialog').open`) {
		t.Fatalf("%s: sharing until today refused: %q", loc, errs)
	}
	s := d.shareOf(t, ns, name, "globex")
	deadline, err := time.Parse(time.RFC3339, s.Deadline)
	if want := day(time.Now(), loc, 1); err != nil || !deadline.Equal(want) {
		t.Errorf("%s: deadline %q, want the next midnight there, %s", loc, s.Deadline, want.Format(time.RFC3339))
	}
	p.waitFor(t, "the share", `document.querySelector('#sharing-body tr[data-domain="globex"]')`)
	cell := func(domain, label string) map[string]string {
		return eval[map[string]string](t, p, fmt.Sprintf(`(() => {
			const td = [...document.querySelectorAll('#sharing-body tr[data-domain=%q] td')].find((c) => c.dataset.label === %q);
			const tm = td.querySelector('time') || {};
			return {text: td.textContent, title: tm.title || '', datetime: tm.dateTime || ''};
		})()`, domain, label))
	}
	createdAt, _ := time.Parse(time.RFC3339, s.Created)
	for _, c := range []struct {
		label, text, title, datetime string
	}{
		{"Valid until", today.Format(shownDate), deadline.UTC().Format(titleTime), s.Deadline},
		{"Created", createdAt.In(loc).Format(shownTime), createdAt.UTC().Format(titleTime), s.Created},
	} {
		if got := cell("globex", c.label); got["text"] != c.text || got["title"] != c.title || got["datetime"] != c.datetime {
			t.Errorf("%s: %s shown as %q, want %q (UTC %q on hover, datetime %q)", loc, c.label, got, c.text, c.title, c.datetime)
		}
	}
	p.do(t, "edit", chromedp.Click(chromedp.CSS(`#sharing-body tr[data-domain="globex"] button[aria-label^="Edit"]`)), chromedp.WaitVisible(chromedp.ID("share-until")))
	if got := eval[string](t, p, `document.getElementById('share-until').value`); got != today.Format(time.DateOnly) {
		t.Errorf("%s: editing a share until the end of today shows %q", loc, got)
	}
	p.do(t, "cancel", chromedp.Click(chromedp.ID("share-cancel")))

	// The API's UTC date: the end of that day UTC, not a local midnight.
	if status, body := d.call(t, "alice", "POST", "/v2/manage/namespaces/"+ns+"/repositories/"+name+"/access-domains",
		`{"access_domain":"ops","permit":"read","deadline":"2027-01-15","description":"by the API"}`); status != 201 {
		t.Fatalf("share %s with ops: %d %s", repo, status, body)
	}
	p.openSharing(t, repo, 2)
	utcEnd := time.Date(2027, 1, 16, 0, 0, 0, 0, time.UTC)
	if got := cell("ops", "Valid until"); got["text"] != utcEnd.In(loc).Format(shownTime) {
		t.Errorf("%s: a deadline at midnight UTC shown as %q, want its local date and time %q", loc, got["text"], utcEnd.In(loc).Format(shownTime))
	}
	p.do(t, "edit it", chromedp.Click(chromedp.CSS(`#sharing-body tr[data-domain="ops"] button[aria-label^="Edit"]`)), chromedp.WaitVisible(chromedp.ID("share-until")))
	if got := eval[[]string](t, p, `[document.getElementById('share-until').value, document.getElementById('share-until-hint').textContent]`); got[0] != utcEnd.In(loc).Format(time.DateOnly) ||
		!strings.Contains(got[1], utcEnd.In(loc).Format(shownTime)) {
		t.Errorf("%s: editing it shows %q, want its local day and, in the hint, its time", loc, got)
	}
	p.do(t, "change only the description", chromedp.Focus(chromedp.ID("share-description")), chromedp.KeyEvent("!"), chromedp.Click(chromedp.ID("share-submit")))
	p.waitFor(t, "the dialog to close", `!document.getElementById('share-dialog').open`)
	if s := d.shareOf(t, ns, name, "ops"); s.Deadline != utcEnd.Format(time.RFC3339) || s.Description != "by the API!" {
		t.Errorf("%s: after changing the description the share is %+v, want its deadline kept", loc, s)
	}
}

// followingErrors checks that each error of the share dialog clears once
// its field is corrected, and that submitting focuses the first invalid
// field.
func followingErrors(t *testing.T, d *devSystem, p *page) {
	p.openSharing(t, "acme/web", 1)
	p.openShareDialog(t)
	invalid := func(id string) string {
		return eval[string](t, p, fmt.Sprintf(`document.getElementById(%q).getAttribute('aria-invalid') || ''`, id))
	}
	// Empty: the first invalid field is focused, each error leaves as its
	// field is filled.
	p.do(t, "submit empty", chromedp.Click(chromedp.ID("share-submit")))
	if errs := p.fieldErrors(t); errs["share-with"] == "" || errs["share-until"] == "" {
		t.Fatalf("errors of an empty dialog: %q", errs)
	}
	if got := p.focused(t); got != "share-with" {
		t.Errorf("focus after submitting an empty dialog: %q, want share-with", got)
	}
	eval[bool](t, p, `(window.errorNodes = ['share-with', 'share-until', 'share-description'].map((f) => document.getElementById(f + '-error')), true)`)
	p.do(t, "type the domain", chromedp.SendKeys(chromedp.ID("share-with"), "globex"))
	if errs := p.fieldErrors(t); errs["share-with"] != "" || invalid("share-with") != "" || errs["share-until"] == "" {
		t.Errorf("after typing the domain: errors %q, aria-invalid %q; want only the date's error", errs, invalid("share-with"))
	}
	p.do(t, "choose 30 days", chromedp.Click(chromedp.CSS(`#share-presets [data-preset="30"]`)))
	if errs := p.fieldErrors(t); errs["share-until"] != "" || invalid("share-until") != "" {
		t.Errorf("after choosing a date: errors %q, aria-invalid %q", errs, invalid("share-until"))
	}

	// The API's duplicate: the error goes once the domain changes.
	p.do(t, "submit the duplicate", chromedp.Click(chromedp.ID("share-submit")))
	p.waitFor(t, "the duplicate's error", `document.getElementById('share-with-error').textContent !== ''`)
	if errs := p.fieldErrors(t); !strings.Contains(errs["share-with"], "already shared with globex") || invalid("share-with") != "true" {
		t.Errorf("duplicate: errors %q, aria-invalid %q", errs, invalid("share-with"))
	}
	if got := p.focused(t); got != "share-with" {
		t.Errorf("focus after the duplicate: %q, want share-with", got)
	}
	p.do(t, "retype the domain", chromedp.KeyEvent(kb.Backspace))
	if errs := p.fieldErrors(t); errs["share-with"] != "" || invalid("share-with") != "" {
		t.Errorf("after changing the domain: error %q, aria-invalid %q, want none", errs["share-with"], invalid("share-with"))
	}

	// Over 1,000 characters: the error goes at 1,000.
	p.do(t, "type another domain and a long description",
		chromedp.SetValue(chromedp.ID("share-with"), "ops"),
		chromedp.Focus(chromedp.ID("share-description")),
		insertText(strings.Repeat("x", 1001)),
		chromedp.Click(chromedp.ID("share-submit")))
	p.waitFor(t, "the description's error", `document.getElementById('share-description-error').textContent !== ''`)
	if got := p.focused(t); got != "share-description" {
		t.Errorf("focus after a long description: %q, want share-description", got)
	}
	p.do(t, "delete one character", chromedp.KeyEvent(kb.Backspace))
	if errs := p.fieldErrors(t); errs["share-description"] != "" || invalid("share-description") != "" {
		t.Errorf("at 1,000 characters: error %q, aria-invalid %q, want none", errs["share-description"], invalid("share-description"))
	}
	if !eval[bool](t, p, `['share-with', 'share-until', 'share-description'].every((f, i) => document.getElementById(f + '-error') === window.errorNodes[i])`) {
		t.Error("the error elements were replaced: the dialog's layout moves")
	}
	p.do(t, "cancel", chromedp.Click(chromedp.ID("share-cancel")))
	p.waitFor(t, "the dialog to close", `!document.getElementById('share-dialog').open`)
	if got := p.focused(t); got != "share-open" {
		t.Errorf("focus after cancelling: %q, want share-open", got)
	}
	if got := d.shares(t, "alice", "acme", "web"); len(got) != 1 {
		t.Errorf("shares after the refused attempts: %+v", got)
	}
}

// presetsAndEditInstead checks the validity presets in the tab's zone
// loc, then that the duplicate's "Edit that share instead" edits it.
func presetsAndEditInstead(t *testing.T, d *devSystem, p *page, loc *time.Location) {
	p.openShareDialog(t)
	now := time.Now()
	l := now.In(loc)
	quarterEnd := time.Date(l.Year(), time.Month((int(l.Month())-1)/3*3+4), 0, 0, 0, 0, 0, loc)
	for _, c := range []struct{ preset, want string }{
		{"30", day(now, loc, 30).Format(time.DateOnly)},
		{"90", day(now, loc, 90).Format(time.DateOnly)},
		{"quarter", quarterEnd.Format(time.DateOnly)},
		{"forever", "permanent"},
	} {
		p.do(t, "preset "+c.preset, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#share-presets [data-preset=%q]`, c.preset))))
		got := eval[map[string]any](t, p, fmt.Sprintf(`({value: document.getElementById('share-permanent').checked ? 'permanent' : document.getElementById('share-until').value,
			pressed: document.querySelector('#share-presets [data-preset=%q]').getAttribute('aria-pressed')})`, c.preset))
		if got["value"] != c.want || got["pressed"] != "true" {
			t.Errorf("preset %s: %v, want %s, pressed", c.preset, got, c.want)
		}
	}
	p.do(t, "share with globex again",
		chromedp.Click(chromedp.CSS(`#share-presets [data-preset="30"]`)),
		chromedp.SendKeys(chromedp.ID("share-with"), "globex"),
		chromedp.Focus(chromedp.ID("share-description")),
		insertText("typed for a new share"),
		chromedp.Click(chromedp.ID("share-submit")))
	p.waitFor(t, "Edit that share instead", `document.querySelector('#share-with-error button')`)
	p.checkLabels(t, "Share image dialog with presets")
	p.fitsWide(t, "Share image dialog with presets and an error")
	if got := p.text(t, "#share-with-error button"); got != "Edit that share instead" {
		t.Errorf("the duplicate's link: %q", got)
	}
	p.do(t, "edit that share instead", chromedp.Click(chromedp.CSS(`#share-with-error button`)))
	p.waitFor(t, "the edit of that share", `document.getElementById('share-title').textContent === 'Edit share'`)
	got := eval[map[string]any](t, p, `({with: document.getElementById('share-with').value, readOnly: document.getElementById('share-with').readOnly,
		permanent: document.getElementById('share-permanent').checked, description: document.getElementById('share-description').value,
		errors: [...document.querySelectorAll('#share-dialog .error')].map((e) => e.textContent).join('')})`)
	if got["with"] != "globex" || got["readOnly"] != true || got["permanent"] != true || got["description"] != "v1" || got["errors"] != "" {
		t.Errorf("after Edit that share instead the dialog is %v, want the share with globex, permanent, v1, and no error", got)
	}
	p.do(t, "change its description",
		chromedp.Focus(chromedp.ID("share-description")),
		chromedp.KeyEvent("2"),
		chromedp.Click(chromedp.ID("share-submit")))
	p.waitFor(t, "the dialog to close", `!document.getElementById('share-dialog').open && document.activeElement !== document.body`)
	if s := d.shareOf(t, "acme", "hist", "globex"); s.Description != "v12" || s.Deadline != "forever" {
		t.Errorf("the share after editing: %+v, want v12, forever", s)
	}
	if got := p.focused(t); got != "share-open" {
		t.Errorf("focus after saving: %q, want share-open, which opened the dialog", got)
	}
}

// shareHistory checks the history of acme/hist's share with globex: its
// create and its change, newest first, by alice.
func shareHistory(t *testing.T, p *page) {
	p.waitFor(t, "the changed share", `(document.querySelector('#sharing-body tr[data-domain="globex"] td.desc') || {}).textContent === 'v12'`)
	p.do(t, "open the history", chromedp.Click(chromedp.CSS(`#sharing-body tr[data-domain="globex"] [data-action="history"]`)))
	p.waitFor(t, "the events", `document.querySelectorAll('#history-list > li').length === 2`)
	p.fitsWide(t, "the share's history")
	events := eval[[]map[string]string](t, p, `[...document.querySelectorAll('#history-list > li')].map((li) => ({
		action: li.dataset.action, what: li.querySelector('.what').textContent,
		changes: li.querySelector('.changes') ? li.querySelector('.changes').textContent : '',
		time: li.querySelector('time').textContent, title: li.querySelector('time').title}))`)
	want := []struct{ action, what, change string }{
		{"update", "alice changed the share", "Description: “v1” → “v12”"},
		{"create", "alice shared the image", "Valid until: Permanent"},
	}
	for i, w := range want {
		ev := events[i]
		if ev["action"] != w.action || ev["what"] != w.what || !strings.Contains(ev["changes"], w.change) ||
			!strings.HasSuffix(ev["title"], " UTC") || strings.HasSuffix(ev["time"], "UTC") {
			t.Errorf("history event %d: %q, want %s: %q with %q, local time and UTC on hover", i, ev, w.action, w.what, w.change)
		}
	}
	p.do(t, "close it", chromedp.Click(chromedp.ID("history-close")))
	p.waitFor(t, "the dialog to close", `!document.getElementById('history-dialog').open`)
	if got := p.focused(t); got != "globex history" {
		t.Errorf("focus after closing the history: %q, want globex's History", got)
	}
}
