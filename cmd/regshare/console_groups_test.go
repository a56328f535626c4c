package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regshare/regshare/shareapi"
)

// group reads a group through the API as root; status 404 when it is gone.
func (d *devSystem) group(t *testing.T, name string) (int, shareapi.Group) {
	t.Helper()
	status, b := d.call(t, "root", "GET", "/v2/manage/groups/"+name, "")
	var g shareapi.Group
	if status == 200 {
		if err := json.Unmarshal(b, &g); err != nil {
			t.Fatalf("group %s: %v %s", name, err, b)
		}
	}
	return status, g
}

// recordChanges makes the tab keep each change it sends, as "METHOD
// path body", in window.sent.
func (p *page) recordChanges(t *testing.T) {
	t.Helper()
	eval[bool](t, p, `(() => { window.sent = []; if (!window.realFetch) window.realFetch = window.fetch;
		window.fetch = (u, o) => { if (o && o.method && o.method !== 'GET') window.sent.push(o.method + ' ' + u + ' ' + (o.body || '')); return window.realFetch(u, o); };
		return true; })()`)
}

// tickMember ticks (or unticks) domain in the group dialog's members.
func (p *page) tickMember(t *testing.T, domain string) {
	t.Helper()
	p.do(t, "tick member "+domain, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#group-members label[data-member=%q] input`, domain))))
}

// TestConsoleGroups drives the Groups page and sharing with a group in
// headless Chromium against `regshare dev`: an administrator (root)
// creates a group of two domains and changes its members (the console
// sends the members added and removed); a manager (alice) shares an
// image with "@partners" through the Share dialog, whose chip and the
// Sharing tab name the group, and edits the share and reads its history
// on the @partners path; a member's user (gina) pulls the image for real,
// and the registry's notification shows on both sides as a download;
// root deletes the group, refused while it receives the share and then
// with it; and a non-administrator has no Groups page.
func TestConsoleGroups(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry and a browser")
	}
	exe := chromium(t)
	d := startDev(t)
	d.push(t, "alice", "acme/web:1.0", time.Date(2026, 5, 4, 10, 30, 0, 0, time.UTC))
	if status, b := d.call(t, "root", "POST", "/v2/manage/domains", `{"name":"initech","namespaces":["initech"]}`); status != 201 {
		t.Fatalf("create domain initech: %d %s", status, b)
	}
	// A share with a domain of its own: its downloads stay none.
	d.share(t, "alice", "acme", "web", "initech")
	b := newBrowser(t, exe, d.info.API)

	step := steps(t)

	const description = "SDK partners"
	root := b.tab(t, "root")
	step("1 an administrator creates a group of two domains", []*page{root}, func(t *testing.T) {
		root.login(t, "root", d.users["root"].Password)
		if !root.visible(t, "nav-groups")["nav-groups"] {
			t.Fatal("an administrator's navigation has no Groups")
		}
		root.do(t, "open Groups", chromedp.Click(chromedp.ID("nav-groups")))
		root.waitFor(t, "the empty list", `!document.getElementById('groups-empty').hidden && document.getElementById('groups-empty').textContent.includes('no groups')`)
		if got := eval[string](t, root, `document.activeElement.id + ' ' + document.title`); got != "groups-title Groups · regshare" {
			t.Errorf("focus and title after opening the page: %q", got)
		}
		root.openDialog(t, "#group-create-open", "group-dialog")
		if got := eval[string](t, root, `document.activeElement.id`); got != "group-name" {
			t.Errorf("focus in the open dialog: %q, want group-name", got)
		}
		offered := eval[[]string](t, root, `[...document.querySelectorAll('#group-members input')].map((b) => b.value)`)
		if !slices.Equal(offered, []string{"acme", "globex", "initech", "ops"}) {
			t.Errorf("the members offered: %q, want every domain", offered)
		}
		root.do(t, "submit without a name", chromedp.Click(chromedp.ID("group-submit")))
		if got := root.text(t, "#group-name-error"); got != "Enter the name of the group." {
			t.Errorf("the missing name: %q", got)
		}
		root.do(t, "an invalid name", chromedp.SendKeys(chromedp.ID("group-name"), "Partners"), chromedp.Click(chromedp.ID("group-submit")))
		root.waitFor(t, "the API's refusal", `document.getElementById('group-name-error').textContent.includes('lower-case')`)
		eval[string](t, root, `document.getElementById('group-name').value = ''`)
		root.recordChanges(t)
		root.do(t, "fill and submit",
			chromedp.SendKeys(chromedp.ID("group-name"), "partners"),
			chromedp.SendKeys(chromedp.ID("group-description"), description))
		root.tickMember(t, "globex")
		root.tickMember(t, "initech")
		root.checkLabels(t, "Create group dialog")
		root.narrow(t, func() { root.checkFits(t, "Create group dialog at 400 px") })
		root.do(t, "create", chromedp.Click(chromedp.ID("group-submit")))
		root.waitFor(t, "partners in the list", `!document.getElementById('group-dialog').open && document.querySelector('#groups-body tr[data-group="partners"]')`)
		if got := eval[[]string](t, root, `window.sent`); len(got) != 1 || !strings.HasPrefix(got[0], "POST /v2/manage/groups ") ||
			!strings.Contains(got[0], `"members":["globex","initech"]`) {
			t.Errorf("the console sent %q, want one POST with the members globex and initech", got)
		}
		row := root.rowCells(t, `#groups-body tr[data-group="partners"]`)
		for k, v := range map[string]string{"Name": "partners", "Share with": "@partners", "Members": "globexinitech", "Description": description} {
			if row[k] != v {
				t.Errorf("the group's %s: %q, want %q (row %q)", k, row[k], v, row)
			}
		}
		if !strings.Contains(row["Updated"], "by root") {
			t.Errorf("the group's Updated: %q, want by root", row["Updated"])
		}
		if got := eval[string](t, root, `document.activeElement.closest('tr') && document.activeElement.closest('tr').dataset.group + ' ' + document.activeElement.dataset.action`); got != "partners edit" {
			t.Errorf("focus after the create: %q, want the new row's Edit", got)
		}
		if status, g := d.group(t, "partners"); status != 200 || !slices.Equal(g.Members, []string{"globex", "initech"}) || g.Description != description {
			t.Errorf("the group in the API: %d %+v", status, g)
		}
		root.checkLabels(t, "Groups")
		root.fitsWide(t, "Groups")
	})

	step("2 its members change: one added, one removed", []*page{root}, func(t *testing.T) {
		root.openDialog(t, `#groups-body tr[data-group="partners"] button[data-action="edit"]`, "group-dialog")
		got := eval[map[string]any](t, root, `({title: document.getElementById('group-title').textContent, readonly: document.getElementById('group-name').readOnly,
			focus: document.activeElement.id, checked: [...document.querySelectorAll('#group-members input:checked')].map((b) => b.value).join(' ')})`)
		want := map[string]any{"title": "Edit group partners", "readonly": true, "focus": "group-description", "checked": "globex initech"}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("the edit dialog's %s: %v, want %v", k, got[k], v)
			}
		}
		root.recordChanges(t)
		root.tickMember(t, "initech")
		root.tickMember(t, "ops")
		root.do(t, "save", chromedp.Click(chromedp.ID("group-submit")))
		root.waitFor(t, "the new members", `!document.getElementById('group-dialog').open &&
			(document.querySelector('#groups-body tr[data-group="partners"] td[data-label="Members"]') || {}).textContent === 'globexops'`)
		if sent := eval[[]string](t, root, `window.sent`); len(sent) != 1 || !strings.HasPrefix(sent[0], "PATCH /v2/manage/groups/partners ") {
			t.Fatalf("the console sent %q, want one PATCH", sent)
		} else {
			var body map[string]any
			if err := json.Unmarshal([]byte(sent[0][strings.Index(sent[0], "{"):]), &body); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(body) != "map[add_members:[ops] remove_members:[initech]]" {
				t.Errorf("the PATCH's body: %v, want add_members [ops] and remove_members [initech] alone", body)
			}
		}
		if _, g := d.group(t, "partners"); !slices.Equal(g.Members, []string{"globex", "ops"}) {
			t.Errorf("the group's members in the API: %q, want globex and ops", g.Members)
		}

		root.openDialog(t, `#groups-body tr[data-group="partners"] button[data-action="history"]`, "history-dialog")
		root.waitFor(t, "two events", `document.querySelectorAll('#history-list > li').length === 2`)
		events := root.texts(t, "#history-list > li .what")
		changes := root.text(t, "#history-list > li:first-child .changes")
		if !slices.Equal(events, []string{"root changed the group", "root created the group"}) || changes != "Added: opsRemoved: initech" {
			t.Errorf("the history: %q, its last change %q", events, changes)
		}
		if got := root.text(t, "#history-title") + " / " + root.text(t, "#history-repo"); got != "Group history / Group partners" {
			t.Errorf("the history's title: %q", got)
		}
		root.closeDialog(t, "history-close", "history-dialog")
		if got := eval[string](t, root, `document.activeElement.dataset.action || document.activeElement.id`); got != "history" {
			t.Errorf("focus after the history: %q, want its History button", got)
		}
	})

	alice := b.tab(t, "alice")
	step("3 a manager shares an image with the group through the dialog", []*page{alice}, func(t *testing.T) {
		alice.login(t, "alice", d.users["alice"].Password)
		if alice.visible(t, "nav-groups")["nav-groups"] {
			t.Error("a manager's navigation has Groups")
		}
		alice.openSharing(t, "acme/web", 1)
		alice.openShareDialog(t)
		alice.waitFor(t, "the group suggested", `document.querySelector('#share-groups option[value="@partners"]')`)
		alice.do(t, "add the group", chromedp.SendKeys(chromedp.ID("share-with"), "@partners,"),
			chromedp.Click(chromedp.CSS(`#share-presets [data-preset="forever"]`)))
		if got := alice.chips(t); !slices.Equal(got, []string{"@partners"}) {
			t.Errorf("chips %q, want @partners", got)
		}
		if got := alice.text(t, "#share-chips li > span"); got != "Group partners (2 domains)" {
			t.Errorf("the group's chip reads %q, want Group partners (2 domains)", got)
		}
		alice.do(t, "share", chromedp.Click(chromedp.ID("share-submit")))
		alice.waitFor(t, "the group's row", `!document.getElementById('share-dialog').open && document.querySelector('#sharing-body tr[data-domain="@partners"]')`)
		row := alice.rowCells(t, `#sharing-body tr[data-domain="@partners"]`)
		for k, v := range map[string]string{"Domain": "Group partners2 domains", "Valid until": "Permanent", "Downloads": "0", "Last pull": "—"} {
			if row[k] != v {
				t.Errorf("the group share's %s: %q, want %q (row %q)", k, row[k], v, row)
			}
		}
		if got := eval[[]string](t, alice, `[...document.querySelectorAll('#sharing-body tr[data-domain="@partners"] button')].map((b) => b.getAttribute('aria-label'))`); !slices.Contains(got, "Revoke the share with group partners") {
			t.Errorf("the group share's buttons: %q", got)
		}
		var s shareapi.Share
		if status, body := d.call(t, "alice", "GET", "/v2/manage/namespaces/acme/repositories/web/access-domains/@partners", ""); status != 200 || json.Unmarshal(body, &s) != nil || s.AccessDomain != "@partners" || s.Deadline != "forever" {
			t.Fatalf("the share with @partners in the API: %d %s", status, body)
		}
		got := d.thirdparty(t, "gina")
		if !slices.ContainsFunc(got, func(r shareapi.SharedRepository) bool {
			return r.Namespace+"/"+r.Name == "acme/web" && r.ViaGroup == "partners"
		}) {
			t.Errorf("what is shared with globex (gina): %+v, want acme/web via partners", got)
		}

		// Edit and History work on the @partners path.
		alice.openDialog(t, `#sharing-body tr[data-domain="@partners"] button[data-action="edit"]`, "share-dialog")
		if got := alice.text(t, "#share-repo"); got != "acme/web, shared with group partners" {
			t.Errorf("the edit dialog says %q", got)
		}
		alice.do(t, "describe it", chromedp.SendKeys(chromedp.ID("share-description"), "for the partners"), chromedp.Click(chromedp.ID("share-submit")))
		alice.waitFor(t, "the description", `(document.querySelector('#sharing-body tr[data-domain="@partners"] td[data-label="Description"]') || {}).textContent === 'for the partners'`)
		alice.openDialog(t, `#sharing-body tr[data-domain="@partners"] button[data-action="history"]`, "history-dialog")
		alice.waitFor(t, "its two events", `document.querySelectorAll('#history-list > li').length === 2`)
		if got := alice.text(t, "#history-repo"); got != "acme/web, shared with group partners" {
			t.Errorf("the history of %q", got)
		}
		alice.closeDialog(t, "history-close", "history-dialog")
		alice.openDialog(t, `#sharing-body tr[data-domain="@partners"] button[data-action="revoke"]`, "revoke-dialog")
		if got := alice.text(t, "#revoke-text"); !strings.HasPrefix(got, "Revoke the share of acme/web with group partners?") {
			t.Errorf("the revoke dialog asks %q", got)
		}
		alice.closeDialog(t, "revoke-cancel", "revoke-dialog")
	})

	gina := b.tab(t, "gina")
	step("4 a member's pull shows as a download on both sides", []*page{alice, gina}, func(t *testing.T) {
		img, err := remote.Image(d.ref(t, d.info.Registry+"/acme/web:1.0"), d.auth("gina"))
		if err != nil {
			t.Fatalf("pull acme/web:1.0 as gina: %v", err)
		}
		if _, err := img.RawConfigFile(); err != nil {
			t.Fatal(err)
		}
		// The registry tells regshare after it answered: wait for the count.
		var s shareapi.Share
		for end := time.Now().Add(20 * time.Second); s.NumDownload != 1; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("the share's downloads after gina's pull: %+v", s)
			}
			_, body := d.call(t, "alice", "GET", "/v2/manage/namespaces/acme/repositories/web/access-domains/@partners", "")
			if err := json.Unmarshal(body, &s); err != nil {
				t.Fatal(err)
			}
		}
		alice.openSharing(t, "acme/web", 2)
		row := alice.rowCells(t, `#sharing-body tr[data-domain="@partners"]`)
		pulled, _ := time.Parse(time.RFC3339, *s.LastPull)
		if row["Downloads"] != "1" || row["Last pull"] != pulled.UTC().Format(shownTime) {
			t.Errorf("after gina's pull the group share shows %q downloads, last pull %q; want 1 at %s", row["Downloads"], row["Last pull"], pulled.UTC().Format(shownTime))
		}
		if got := eval[string](t, alice, `document.querySelector('#sharing-body tr[data-domain="@partners"] td[data-label="Last pull"] time').title`); got != pulled.UTC().Format(titleTime) {
			t.Errorf("the last pull's UTC time on hover: %q", got)
		}
		if row := alice.rowCells(t, `#sharing-body tr[data-domain="initech"]`); row["Downloads"] != "0" || row["Last pull"] != "—" {
			t.Errorf("the share with initech, never pulled: %q", row)
		}

		gina.login(t, "gina", d.users["gina"].Password)
		gina.goTo(t, "#/shared")
		gina.waitFor(t, "acme/web", `document.querySelector('`+imageRowCSS("shared", "acme/web")+`')`)
		got := gina.imageRow(t, "shared", "acme/web")
		if got["Downloads"] != "1" || got["Owner domain"] != "acmevia partners" {
			t.Errorf("gina's Shared Images: %q, want 1 download, via partners", got)
		}
		gina.checkLabels(t, "Shared Images with a group's share")
		gina.narrow(t, func() { gina.checkFits(t, "Shared Images at 400 px") })
	})

	step("5 the group is deleted only with its share", []*page{root}, func(t *testing.T) {
		root.openDialog(t, `#groups-body tr[data-group="partners"] button[data-action="delete"]`, "confirm-dialog")
		root.do(t, "delete", chromedp.Click(chromedp.ID("confirm-submit")))
		root.waitFor(t, "the refusal naming the share", `document.getElementById('confirm-submit').textContent === 'Revoke its 1 share and delete'`)
		if got := root.text(t, "#confirm-list") + " / " + root.text(t, "#confirm-error"); !strings.HasPrefix(got, "acme/web / Group partners receives 1 share.") {
			t.Errorf("the refusal: %q", got)
		}
		if got := eval[string](t, root, `document.activeElement.id`); got != "confirm-cancel" {
			t.Errorf("focus after the refusal: %q, want confirm-cancel", got)
		}
		if status, _ := d.group(t, "partners"); status != 200 {
			t.Fatalf("the group after the refusal: %d, want it still there", status)
		}
		root.do(t, "revoke and delete", chromedp.Click(chromedp.ID("confirm-submit")))
		root.waitFor(t, "partners gone", `!document.getElementById('confirm-dialog').open && !document.querySelector('#groups-body tr[data-group="partners"]')
			&& document.getElementById('groups-empty').textContent.includes('no groups') && !document.getElementById('groups-revoked').hidden`)
		if got := root.text(t, "#groups-revoked"); got != "Group partners was deleted, and 1 share revoked: acme/web." {
			t.Errorf("what the page says was revoked: %q", got)
		}
		if got := eval[string](t, root, `document.activeElement.id`); got != "groups-title" {
			t.Errorf("focus after the deletion: %q, want groups-title", got)
		}
		if status, _ := d.group(t, "partners"); status != 404 {
			t.Errorf("the deleted group in the API: %d, want 404", status)
		}
		for _, s := range d.shares(t, "alice", "acme", "web") {
			if s.AccessDomain == "@partners" {
				t.Errorf("the share with the deleted group is left: %+v", s)
			}
		}
		if slices.ContainsFunc(d.thirdparty(t, "gina"), func(r shareapi.SharedRepository) bool { return r.Name == "web" }) {
			t.Error("globex still receives acme/web after the group's deletion")
		}
	})

	step("6 a non-administrator has no Groups page", []*page{alice}, func(t *testing.T) {
		alice.goTo(t, "#/groups")
		alice.waitFor(t, "the refusal", `document.getElementById('groups-error').textContent === 'Only administrators manage groups.'`)
		if got := alice.visible(t, "nav-groups", "group-create-open", "groups-table"); got["nav-groups"] || got["group-create-open"] || got["groups-table"] {
			t.Errorf("a manager's Groups page: %v, want no entry, no Create group, no list", got)
		}
	})
}
