package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/regshare/regshare/shareapi"
)

// setupBulk pushes acme's images (acme/sdk/cli below the prefix
// acme/sdk/, acme/tools/builder below acme/tools/) and creates the
// domain initech, a second recipient beside globex.
func setupBulk(t *testing.T, d *devSystem) {
	t.Helper()
	for _, ref := range []string{"acme/web:1.0", "acme/api:1.0", "acme/sdk/cli:1", "acme/tools/builder:2"} {
		d.push(t, "alice", ref, imagesDay(5, 4))
	}
	if status, b := d.call(t, "root", "POST", "/v2/manage/domains", `{"name":"initech","namespaces":["initech"]}`); status != 201 {
		t.Fatalf("create domain initech: %d %s", status, b)
	}
}

// tick clicks the checkbox of repo in Private Images.
func (p *page) tick(t *testing.T, repo string) {
	t.Helper()
	p.do(t, "tick "+repo, chromedp.Click(chromedp.CSS(imageRowCSS("private", repo)+" input.select")))
}

// chips are the recipients shown as chips in the Share dialog (a
// group's as "@name", which its chip writes "Group name (N domains)").
func (p *page) chips(t *testing.T) []string {
	t.Helper()
	return eval[[]string](t, p, `[...document.querySelectorAll('#share-chips li')].map((li) => li.dataset.recipient)`)
}

// thirdparty lists the repositories shared with user's domain, through
// the API.
func (d *devSystem) thirdparty(t *testing.T, user string) []shareapi.SharedRepository {
	t.Helper()
	status, b := d.call(t, user, "GET", "/v2/manage/shared-repositories?center=thirdparty&limit=1000", "")
	var rows []shareapi.SharedRepository
	if err := json.Unmarshal(b, &rows); status != 200 || err != nil {
		t.Fatalf("shared with %s: %d %v %s", user, status, err, b)
	}
	return rows
}

// namespaceRows maps the prefixes of the Namespaces tab to their cells.
func (p *page) namespaceRows(t *testing.T) map[string]map[string]string {
	t.Helper()
	return eval[map[string]map[string]string](t, p, `Object.fromEntries([...document.querySelectorAll('#namespaces-body tr')].map((r) =>
		[r.dataset.prefix, Object.fromEntries([...r.cells].map((td) => [td.dataset.label, td.textContent]))]))`)
}

// TestConsoleBulk drives the console's wider sharing in headless Chromium
// against `regshare dev`: two images ticked in Private Images and shared
// with two domains at once; a bulk share refused pair by pair, which
// writes nothing and keeps the form; the groups suggested when the API
// has them; a namespace prefix shared from the Namespaces tab, which the
// recipient gets a repository pushed below it later through; and the
// prefix's own page, with its history and Revoke.
func TestConsoleBulk(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry and a browser")
	}
	exe := chromium(t)
	d := startDev(t)
	setupBulk(t, d)
	b := newBrowser(t, exe, d.info.API)
	alice := b.tab(t, "alice")
	alice.login(t, "alice", d.users["alice"].Password)

	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, func(t *testing.T) {
			defer shotOnFailure(t, alice)
			f(t)
		}) {
			t.FailNow()
		}
	}
	// The browser's zone is UTC (newBrowser): a day ends at 00:00 UTC.
	until := time.Now().UTC().AddDate(0, 1, 0)
	untilEnd := time.Date(until.Year(), until.Month(), until.Day()+1, 0, 0, 0, 0, time.UTC)

	step("1 two images shared with two domains at once", func(t *testing.T) {
		alice.waitFor(t, "a checkbox per image", `document.querySelectorAll('#private-body input.select').length === 4`)
		if got := eval[[]string](t, alice, `[...document.querySelectorAll('#private-body input.select')].map((b) => b.getAttribute('aria-label'))`); !slices.Contains(got, "Select acme/web") {
			t.Errorf("the checkboxes' labels: %q, want one per repository, as Select acme/web", got)
		}
		alice.checkLabels(t, "Private Images with checkboxes")
		alice.tick(t, "acme/web")
		alice.tick(t, "acme/api")
		got := eval[map[string]any](t, alice, `({text: document.getElementById('private-share-selected').textContent,
			disabled: document.getElementById('private-share-selected').disabled,
			mixed: document.getElementById('private-select-all').indeterminate})`)
		if got["text"] != "Share selected (2)" || got["disabled"] != false || got["mixed"] != true {
			t.Errorf("after ticking two of four images: %v, want Share selected (2), and the page's box mixed", got)
		}
		// Record the changes the console sends.
		eval[bool](t, alice, `(() => { window.sent = []; const f = window.fetch;
			window.fetch = (p, o) => { if (o && o.method !== 'GET') window.sent.push(o.method + ' ' + p); return f(p, o); };
			return true; })()`)
		alice.do(t, "open Share selected", chromedp.Click(chromedp.ID("private-share-selected")), chromedp.WaitVisible(chromedp.ID("share-with")))
		if got := alice.text(t, "#share-title") + ": " + strings.Join(alice.texts(t, "#share-repo li"), ", "); got != "Share images: acme/api, acme/web" {
			t.Errorf("the dialog: %q, want Share images of acme/api and acme/web", got)
		}
		alice.do(t, "add globex and a mistake", chromedp.SendKeys(chromedp.ID("share-with"), "globex,oops "))
		if got := alice.chips(t); !slices.Equal(got, []string{"globex", "oops"}) || alice.text(t, "#share-with") != "" {
			t.Errorf("after typing globex,oops and a space: chips %q, want globex and oops and an empty field", got)
		}
		alice.do(t, "remove oops", chromedp.Click(chromedp.CSS(`#share-chips li[data-recipient="oops"] button`)))
		if got, focus := alice.chips(t), eval[string](t, alice, `document.activeElement.getAttribute('aria-label') || document.activeElement.id`); !slices.Equal(got, []string{"globex"}) || focus != "Remove globex" {
			t.Errorf("after removing oops: chips %q, focus on %q; want globex, and the focus on its Remove", got, focus)
		}
		if got := eval[int](t, alice, `document.querySelectorAll('#share-groups option').length`); got != 0 || alice.text(t, "#share-error") != "" {
			t.Errorf("without groups: %d suggestions, error %q; want none and no error", got, alice.text(t, "#share-error"))
		}
		alice.checkLabels(t, "Share images with recipients")
		alice.do(t, "type initech and share with Enter",
			chromedp.SetValue(chromedp.ID("share-until"), until.Format(time.DateOnly)),
			chromedp.SendKeys(chromedp.ID("share-with"), "initech"),
			chromedp.KeyEvent(kb.Enter))
		alice.waitFor(t, "the dialog to close", `!document.getElementById('share-dialog').open`)
		if sent := eval[[]string](t, alice, `window.sent`); !slices.Equal(sent, []string{"POST /v2/manage/shares"}) {
			t.Errorf("the console sent %q, want one bulk create", sent)
		}
		alice.waitFor(t, "the new shares in the list", fmt.Sprintf(`(document.querySelector('%s td[data-label="Shared with"]') || {}).textContent === 'globex and initech'`, imageRowCSS("private", "acme/web")))
		if got := alice.imageRow(t, "private", "acme/api")["Shared with"]; got != "globex and initech" {
			t.Errorf("acme/api shared with %q, want globex and initech", got)
		}
		if got := alice.text(t, "#status"); got != "Shared acme/api and acme/web with globex and initech." {
			t.Errorf("announced %q", got)
		}
		got = eval[map[string]any](t, alice, `({focus: document.activeElement.dataset.repo || document.activeElement.id,
			ticked: document.querySelectorAll('#private-body input.select:checked').length,
			text: document.getElementById('private-share-selected').textContent})`)
		if got["focus"] != "acme/api" || got["ticked"] != float64(0) || got["text"] != "Share selected (0)" {
			t.Errorf("after sharing: %v, want the focus on acme/api's box and nothing ticked", got)
		}
		for _, repo := range []string{"web", "api"} {
			shares := d.shares(t, "alice", "acme", repo)
			var domains []string
			for _, s := range shares {
				domains = append(domains, s.AccessDomain)
				if end, err := time.Parse(time.RFC3339, s.Deadline); err != nil || !end.Equal(untilEnd) {
					t.Errorf("acme/%s with %s until %q, want the end of %s: %s", repo, s.AccessDomain, s.Deadline, until.Format(time.DateOnly), untilEnd)
				}
			}
			if slices.Sort(domains); !slices.Equal(domains, []string{"globex", "initech"}) {
				t.Errorf("acme/%s is shared with %q, want globex and initech", repo, domains)
			}
		}
	})

	step("2 a refused bulk share says what was refused and writes nothing", func(t *testing.T) {
		alice.tick(t, "acme/sdk/cli")
		alice.tick(t, "acme/tools/builder")
		alice.do(t, "open Share selected", chromedp.Click(chromedp.ID("private-share-selected")), chromedp.WaitVisible(chromedp.ID("share-with")))
		alice.do(t, "share with globex and nosuch",
			chromedp.SendKeys(chromedp.ID("share-with"), "globex,nosuch"),
			chromedp.Click(chromedp.CSS(`#share-presets [data-preset="30"]`)),
			chromedp.Click(chromedp.ID("share-submit")))
		alice.waitFor(t, "the refusal", `document.querySelectorAll('#share-error li').length === 2`)
		refused := alice.texts(t, "#share-error li")
		for i, repo := range []string{"acme/sdk/cli", "acme/tools/builder"} {
			if want := repo + " with nosuch: There is no such domain. Check its name. REGSHARE.4000002"; refused[i] != want {
				t.Errorf("refusal %d: %q, want %q", i, refused[i], want)
			}
		}
		if got := alice.text(t, "#share-error p"); got != "Nothing was shared: 2 of the 4 shares were refused, so none was made." {
			t.Errorf("the refusal says %q", got)
		}
		got := eval[map[string]any](t, alice, `({open: document.getElementById('share-dialog').open, typed: document.getElementById('share-with').value,
			focus: document.activeElement.id, permanent: document.getElementById('share-permanent').checked})`)
		if got["open"] != true || got["typed"] != "nosuch" || got["focus"] != "share-error" || !slices.Equal(alice.chips(t), []string{"globex"}) {
			t.Errorf("after the refusal: %v, chips %q; want the form as typed and the focus on the refusal", got, alice.chips(t))
		}
		alice.axe(t, "a refused bulk share")
		for _, repo := range []string{"sdk$cli", "tools$builder"} {
			if got := d.shares(t, "alice", "acme", repo); len(got) != 0 {
				t.Errorf("acme/%s after the refusal: %+v, want no share", repo, got)
			}
		}
		alice.do(t, "cancel", chromedp.Click(chromedp.ID("share-cancel")))
		alice.waitFor(t, "the focus back on Share selected", `!document.getElementById('share-dialog').open && document.activeElement.id === 'private-share-selected'`)
		alice.do(t, "clear the selection", chromedp.Click(chromedp.ID("private-clear-selection")))
		if got := alice.text(t, "#private-share-selected"); got != "Share selected (0)" {
			t.Errorf("after Clear selection: %q", got)
		}
	})

	step("3 groups are suggested when the API lists them", func(t *testing.T) {
		alice.goTo(t, "#/image/acme/web?tab=sharing")
		alice.waitFor(t, "the shares", `document.querySelectorAll('#sharing-body tr').length === 2`)
		eval[bool](t, alice, `(() => { window.realFetch = window.fetch;
			window.fetch = (p, o) => String(p) === '/v2/manage/groups'
				? Promise.resolve(new Response('{"groups":[{"name":"partners","description":"Partner labs","num_members":3}]}', {status: 200}))
				: window.realFetch(p, o);
			return true; })()`)
		defer eval[bool](t, alice, `(window.fetch = window.realFetch, true)`)
		alice.openShareDialog(t)
		alice.waitFor(t, "the group suggested", `document.querySelector('#share-groups option[value="@partners"]')`)
		if got := eval[string](t, alice, `document.querySelector('#share-groups option').label`); got != "Group of 3 domains: Partner labs" {
			t.Errorf("the group's suggestion is labelled %q", got)
		}
		if hidden := eval[bool](t, alice, `document.getElementById('share-groups-hint').hidden`); hidden {
			t.Error("the hint does not say that groups are suggested")
		}
		// Picked from the suggestions, a group is a recipient at once.
		eval[bool](t, alice, `(() => { const w = document.getElementById('share-with'); w.value = '@partners';
			w.dispatchEvent(new InputEvent('input', {inputType: 'insertReplacementText', bubbles: true})); return true; })()`)
		if got := alice.chips(t); !slices.Equal(got, []string{"@partners"}) {
			t.Errorf("after picking @partners: chips %q", got)
		}
		if got := alice.text(t, "#share-chips li > span"); got != "Group partners (3 domains)" {
			t.Errorf("the group's chip reads %q, want Group partners (3 domains)", got)
		}
		if got := eval[string](t, alice, `document.querySelector('#share-chips button').getAttribute('aria-label')`); got != "Remove group partners" {
			t.Errorf("the group chip's Remove is labelled %q", got)
		}
		alice.closeDialog(t, "share-cancel", "share-dialog")
	})

	step("4 a namespace shared from the Namespaces tab", func(t *testing.T) {
		alice.do(t, "open Namespaces", chromedp.Click(chromedp.ID("image-back")), chromedp.Click(chromedp.ID("tab-namespaces")))
		alice.waitFor(t, "the namespaces", `location.hash === '#/namespaces' && document.querySelectorAll('#namespaces-body tr').length === 3`)
		if got := eval[string](t, alice, `[...document.querySelectorAll('#namespaces-body tr')].map((r) => r.dataset.prefix + ' ' + r.cells[1].textContent).join(', ')`); got != "acme/ 4, acme/sdk/ 1, acme/tools/ 1" {
			t.Errorf("the namespaces and their repositories: %q", got)
		}
		alice.checkLabels(t, "Namespaces")
		alice.do(t, "share acme/sdk/", chromedp.Click(chromedp.CSS(`#namespaces-body tr[data-prefix="acme/sdk/"] [data-action="share"]`)), chromedp.WaitVisible(chromedp.ID("share-with")))
		if got := alice.text(t, "#share-title") + " / " + alice.text(t, "#share-repo"); !strings.Contains(got, "Share namespace / acme/sdk/") ||
			!strings.Contains(got, "every repository below acme/sdk/, present and future, pull only") {
			t.Errorf("the dialog: %q", got)
		}
		alice.do(t, "share it with globex for good",
			chromedp.SendKeys(chromedp.ID("share-with"), "globex"),
			chromedp.Click(chromedp.CSS(`#share-presets [data-preset="forever"]`)),
			chromedp.Click(chromedp.ID("share-submit")))
		alice.waitFor(t, "the share in its row", `!document.getElementById('share-dialog').open &&
			(document.querySelector('#namespaces-body tr[data-prefix="acme/sdk/"] td[data-label="Shared with"]') || {}).textContent === 'globex'`)
		if got := alice.focusedElement(t); got != "BUTTON# Share" {
			t.Errorf("focus after sharing: %q, want the row's Share", got)
		}
		if got := d.shares(t, "alice", "acme", "sdk$"); len(got) != 1 || got[0].AccessDomain != "globex" || got[0].Deadline != "forever" {
			t.Errorf("the shares of acme/sdk/: %+v, want globex for good", got)
		}
		// The whole namespace, shared on the single route ("$").
		alice.do(t, "share acme/", chromedp.Click(chromedp.CSS(`#namespaces-body tr[data-prefix="acme/"] [data-action="share"]`)), chromedp.WaitVisible(chromedp.ID("share-with")))
		alice.do(t, "share it with initech",
			chromedp.SendKeys(chromedp.ID("share-with"), "initech"),
			chromedp.Click(chromedp.CSS(`#share-presets [data-preset="30"]`)),
			chromedp.Click(chromedp.ID("share-submit")))
		alice.waitFor(t, "the share in its row", `!document.getElementById('share-dialog').open &&
			(document.querySelector('#namespaces-body tr[data-prefix="acme/"] td[data-label="Shared with"]') || {}).textContent === 'initech'`)
		if got := d.shares(t, "alice", "acme", "$"); len(got) != 1 || got[0].AccessDomain != "initech" {
			t.Errorf("the shares of acme/: %+v, want initech", got)
		}
		if got := alice.namespaceRows(t)["acme/tools/"]["Shared with"]; got != "Not shared" {
			t.Errorf("acme/tools/ shared with %q", got)
		}

		// A repository pushed below the prefix later is the recipient's,
		// once regshare reads the registry's catalog again (it keeps a read
		// for 5 s).
		d.push(t, "alice", "acme/sdk/newtool:1", imagesDay(6, 1))
		listed := func() bool {
			for _, o := range d.thirdparty(t, "gina") {
				if o.Namespace == "acme" && o.Name == "sdk/newtool" && o.SharedAs == "acme/sdk/" && o.Status {
					return true
				}
			}
			return false
		}
		for end := time.Now().Add(15 * time.Second); !listed(); time.Sleep(250 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("gina's shared repositories lack acme/sdk/newtool, shared as acme/sdk/: %+v", d.thirdparty(t, "gina"))
			}
		}
	})

	step("5 the prefix's page: its shares, history and Revoke", func(t *testing.T) {
		alice.do(t, "open acme/sdk/", chromedp.Click(chromedp.CSS(`#namespaces-body a[href="#/image/acme/sdk/"]`)))
		alice.waitFor(t, "its share", `location.hash === '#/image/acme/sdk/' && document.querySelector('#sharing-body tr[data-domain="globex"]')`)
		got := eval[map[string]any](t, alice, `({tags: !document.getElementById('tab-tags').hidden, sharing: document.getElementById('tab-sharing').getAttribute('aria-current'),
			panel: !document.getElementById('panel-tags').hidden, grants: document.getElementById('image-path').textContent,
			back: document.getElementById('image-back').getAttribute('href'), open: document.getElementById('share-open').textContent})`)
		if got["tags"] != false || got["sharing"] != "page" || got["panel"] != false || got["back"] != "#/namespaces" || got["open"] != "Share namespace" ||
			got["grants"] != "A namespace share grants every repository below acme/sdk/, present and future, pull only." {
			t.Errorf("the prefix's page: %v, want its Sharing tab alone, what it grants, and the way back to Namespaces", got)
		}
		alice.checkLabels(t, "a prefix's page")
		alice.do(t, "open the history", chromedp.Click(chromedp.CSS(`#sharing-body tr[data-domain="globex"] [data-action="history"]`)))
		alice.waitFor(t, "its event", `document.querySelectorAll('#history-list > li').length === 1`)
		if got := alice.text(t, "#history-list .what"); got != "alice shared the image" {
			t.Errorf("the history: %q", got)
		}
		alice.closeDialog(t, "history-close", "history-dialog")
		alice.do(t, "edit it", chromedp.Click(chromedp.CSS(`#sharing-body tr[data-domain="globex"] [data-action="edit"]`)), chromedp.WaitVisible(chromedp.ID("share-description")))
		alice.do(t, "describe it", chromedp.SendKeys(chromedp.ID("share-description"), "SDK for globex"), chromedp.Click(chromedp.ID("share-submit")))
		alice.waitFor(t, "the description", `(document.querySelector('#sharing-body tr[data-domain="globex"] td.desc') || {}).textContent === 'SDK for globex'`)
		alice.do(t, "revoke it", chromedp.Click(chromedp.CSS(`#sharing-body tr[data-domain="globex"] [data-action="revoke"]`)), chromedp.WaitVisible(chromedp.ID("revoke-submit")))
		if got := alice.text(t, "#revoke-text"); !strings.Contains(got, "acme/sdk/ with globex") || !strings.Contains(got, "repositories below it") {
			t.Errorf("the Revoke dialog says %q", got)
		}
		alice.do(t, "confirm", chromedp.Click(chromedp.ID("revoke-submit")))
		alice.waitFor(t, "no share left", `!document.querySelector('#sharing-body tr') && document.getElementById('sharing-empty').textContent === 'This namespace is not shared with any domain.'`)
		if got := d.shares(t, "alice", "acme", "sdk$"); len(got) != 0 {
			t.Errorf("the shares of acme/sdk/ after Revoke: %+v", got)
		}
		for _, o := range d.thirdparty(t, "gina") {
			if o.SharedAs == "acme/sdk/" {
				t.Errorf("gina still has %s/%s through acme/sdk/", o.Namespace, o.Name)
			}
		}
		// The whole namespace's page revokes on "$" too.
		alice.goTo(t, "#/image/acme/")
		alice.waitFor(t, "its share", `document.querySelector('#sharing-body tr[data-domain="initech"]')`)
		alice.do(t, "revoke it", chromedp.Click(chromedp.CSS(`#sharing-body tr[data-domain="initech"] [data-action="revoke"]`)), chromedp.Click(chromedp.ID("revoke-submit")))
		alice.waitFor(t, "no share left", `!document.querySelector('#sharing-body tr') && !document.getElementById('sharing-empty').hidden`)
		if got := d.shares(t, "alice", "acme", "$"); len(got) != 0 {
			t.Errorf("the shares of acme/ after Revoke: %+v", got)
		}
		alice.do(t, "back to Namespaces", chromedp.Click(chromedp.ID("image-back")))
		alice.waitFor(t, "no namespace shared", `document.querySelectorAll('#namespaces-body tr').length === 3 &&
			[...document.querySelectorAll('#namespaces-body td[data-label="Shared with"]')].every((td) => td.textContent === 'Not shared')`)
	})
}
