package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/regshare/regshare/shareapi"
)

// shareUntil shares ns/repo with domain until deadline (RFC 3339 or
// "forever"), as user, with a description.
func (d *devSystem) shareUntil(t *testing.T, user, repo, domain, deadline, description string) {
	t.Helper()
	ns, name, _ := strings.Cut(repo, "/")
	body := fmt.Sprintf(`{"access_domain":%q,"permit":"read","deadline":%q,"description":%q}`, domain, deadline, description)
	if status, b := d.call(t, user, "POST", "/v2/manage/namespaces/"+ns+"/repositories/"+strings.ReplaceAll(name, "/", "$")+"/access-domains", body); status != 201 {
		t.Fatalf("share %s with %s until %s: %d %s", repo, domain, deadline, status, b)
	}
}

// waitPushes waits until user's repositories list n whose last update is
// a push told by the registry's notifications since start (they come a
// moment after the push).
func (d *devSystem) waitPushes(t *testing.T, user string, start time.Time, n int) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		status, b := d.call(t, user, "GET", "/v2/manage/repos?limit=100", "")
		var rows []shareapi.Repository
		if status != 200 || json.Unmarshal([]byte(b), &rows) != nil {
			t.Fatalf("repos: %d %s", status, b)
		}
		told := 0
		for _, r := range rows {
			if at, err := time.Parse(time.RFC3339, r.Updated); err == nil && !at.Before(start) {
				told++
			}
		}
		if told >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the registry told %d pushes of %d: %s", told, n, b)
		}
	}
}

// failNextRead makes the tab's next read of path fail as a lost network
// does (fetch rejects), once.
func (p *page) failNextRead(t *testing.T, path string) {
	t.Helper()
	eval[bool](t, p, fmt.Sprintf(`(() => { const f = window.fetch; let once = true;
		window.fetch = (u, o) => { if (once && String(u).startsWith(%q)) { once = false; return Promise.reject(new TypeError('Failed to fetch')); } return f(u, o); };
		return true; })()`, path))
}

// texts are the text contents of the elements css selects.
func (p *page) texts(t *testing.T, css string) []string {
	t.Helper()
	return eval[[]string](t, p, fmt.Sprintf(`[...document.querySelectorAll(%q)].map((e) => e.textContent)`, css))
}

// imageRow maps the cells, by label, of the row of repo in a list
// (private or shared), found by its first cell.
func (p *page) imageRow(t *testing.T, list, repo string) map[string]string {
	t.Helper()
	return eval[map[string]string](t, p, fmt.Sprintf(`(() => {
		const r = [...document.querySelectorAll('#%s-body tr')].find((r) => r.cells[0].textContent === %q);
		return r ? Object.fromEntries([...r.cells].map((td) => [td.dataset.label, td.textContent])) : {};
	})()`, list, repo))
}

// rowOrder is the JavaScript listing the repositories of a list's rows.
func rowOrder(list string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('#%s-body tr')].map((r) => r.cells[0].textContent).join(' ')`, list)
}

// imageRowCSS selects the row of repo in a list (private or shared).
func imageRowCSS(list, repo string) string {
	return fmt.Sprintf(`#%s-body tr[data-repo=%q]`, list, repo)
}

// focusedElement describes the focused element: its tag, id and text.
func (p *page) focusedElement(t *testing.T) string {
	t.Helper()
	return eval[string](t, p, `(() => { const e = document.activeElement; return e ? e.tagName + '#' + e.id + ' ' + e.textContent.trim() : ''; })()`)
}

// imagesDay is a day of 2026 at 10:30 UTC, when a test image was made.
func imagesDay(month, day int) time.Time {
	return time.Date(2026, time.Month(month), day, 10, 30, 0, 0, time.UTC)
}

const webDescription = "Nightly builds for globex CI"

// imagesTest is what TestConsoleImages pushed and shared, and its tabs.
type imagesTest struct {
	d           *devSystem
	start       time.Time // before the first push
	api10       v1.Hash   // acme/api:1.0
	soon        time.Time // when the shares of acme/old and of acme/web with ops end
	alice, gina *page
}

// setupImages pushes acme's five images (acme/api without latest, its
// newest tag 0.9) and ops/tool, and shares them with globex: acme/web
// for good (and with ops until soon), acme/old until soon, acme/api for
// 3 days, acme/tools/builder with five domains, ops/tool for good.
func setupImages(t *testing.T, d *devSystem) *imagesTest {
	t.Helper()
	x := &imagesTest{d: d, start: time.Now().Truncate(time.Second)}
	d.push(t, "alice", "acme/web:1.0", imagesDay(5, 4))
	d.push(t, "alice", "acme/web:latest", imagesDay(5, 4).Add(time.Hour))
	x.api10 = d.push(t, "alice", "acme/api:1.0", imagesDay(5, 1))
	d.push(t, "alice", "acme/api:0.9", imagesDay(6, 1))
	d.push(t, "alice", "acme/old:1", imagesDay(3, 1))
	d.push(t, "alice", "acme/tools/builder:2", imagesDay(4, 1))
	d.push(t, "alice", "acme/zeta:1", imagesDay(7, 1))
	d.push(t, "root", "ops/tool:1", imagesDay(2, 1))
	d.waitPushes(t, "alice", x.start, 5)
	for _, name := range []string{"hooli", "initech", "umbrella", "wayne"} {
		if status, b := d.call(t, "root", "POST", "/v2/manage/domains", fmt.Sprintf(`{"name":%q,"namespaces":[%q]}`, name, name)); status != 201 {
			t.Fatalf("create domain %s: %d %s", name, status, b)
		}
	}
	x.soon = time.Now().Add(3 * time.Second)
	soon := x.soon.UTC().Format(time.RFC3339)
	d.shareUntil(t, "alice", "acme/web", "globex", "forever", webDescription)
	d.shareUntil(t, "alice", "acme/web", "ops", soon, "ends soon")
	d.shareUntil(t, "alice", "acme/old", "globex", soon, "ends soon")
	d.shareUntil(t, "alice", "acme/api", "globex", time.Now().Add(72*time.Hour).UTC().Format(time.RFC3339), "API preview")
	for _, domain := range []string{"wayne", "globex", "umbrella", "initech", "hooli"} {
		d.shareUntil(t, "alice", "acme/tools/builder", domain, "forever", "")
	}
	d.shareUntil(t, "root", "ops/tool", "globex", "forever", "ops tooling")
	return x
}

// TestConsoleImages drives My Images in headless Chromium against
// `regshare dev`: Private Images (who an image is shared with, its last
// update, sorting, paging, the list's state in the address) and Shared
// Images, the recipient's view (landing, filter and sort, the sharer's
// description, pull commands by tag and digest, expiry), and the lists'
// failed reads. Each subtest is one numbered problem of issue 15.
func TestConsoleImages(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry and a browser")
	}
	exe := chromium(t)
	d := startDev(t)
	x := setupImages(t, d)
	b := newBrowser(t, exe, d.info.API)
	x.alice, x.gina = b.tab(t, "alice"), b.tab(t, "gina")
	x.alice.login(t, "alice", d.users["alice"].Password)

	run := func(name string, p *page, f func(t *testing.T)) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			defer shotOnFailure(t, p)
			f(t)
		})
	}
	run("9 a domain without images of its own opens on Shared Images", x.gina, x.landing)
	time.Sleep(time.Until(x.soon.Add(500 * time.Millisecond)))
	run("9 Shared Images: expiry, guidance, pull commands by tag and by digest", x.gina, x.sharedView)
	run("9 Shared Images shows the sharer's description", x.gina, x.sharedDescription)
	run("9 Shared Images: filter and sort, kept in the address", x.gina, x.sharedFilterSort)
	run("4 Shared with names the valid shares, the expired apart", x.alice, x.sharedWith)
	run("5 Last update is the newest push of any tag", x.alice, x.lastUpdate)
	run("Private Images sorted by column through the API", x.alice, x.privateSort)
	run("6 focus after Next, and the list's state in the address", x.alice, x.pager)
	run("7 Private Images' failed read: no empty table, a Retry", x.alice, func(t *testing.T) {
		x.failedRead(t, x.alice, "private", "/v2/manage/repos", "#/images?tab=private", "#/shared")
	})
	run("7 Shared Images' failed read: no empty table, a Retry", x.gina, func(t *testing.T) {
		x.failedRead(t, x.gina, "shared", "/v2/manage/shared-repositories", "#/shared", "#/images?tab=private")
	})
}

// landing: a domain without images of its own opens on Shared Images; one
// with images on Private Images.
func (x *imagesTest) landing(t *testing.T) {
	x.gina.login(t, "gina", x.d.users["gina"].Password)
	x.gina.waitFor(t, "Shared Images", `location.hash === '#/shared' && !document.getElementById('panel-shared').hidden && document.querySelector('#shared-body tr')`)
	x.gina.do(t, "open Private Images", chromedp.Click(chromedp.ID("tab-private")))
	x.gina.waitFor(t, "the empty Private Images", `!document.getElementById('panel-private').hidden && !document.getElementById('private-empty').hidden && !document.getElementById('private-empty').textContent.includes('Loading')`)
	time.Sleep(300 * time.Millisecond) // no late move to Shared Images
	if got := x.gina.visible(t, "panel-private", "panel-shared"); !got["panel-private"] || got["panel-shared"] {
		t.Errorf("after choosing Private Images: %v", got)
	}
	if got := x.gina.text(t, "#private-empty"); got != "Your domain has no images yet." {
		t.Errorf("a read user's empty Private Images: %q, want no docker push hint", got)
	}
	x.alice.do(t, "open the console", chromedp.Navigate(x.d.info.API+"/"))
	x.alice.waitFor(t, "Private Images", `document.querySelector('#private-body tr')`)
	if got := eval[string](t, x.alice, `location.hash`); got != "" {
		t.Errorf("a domain with images lands on %q, want Private Images", got)
	}
}

// sharedView: a recipient's Shared Images: how long a share has left, whom
// to ask when it ended, the pull commands of the tag chosen, by tag and by
// digest.
func (x *imagesTest) sharedView(t *testing.T) {
	x.gina.goTo(t, "#/shared")
	x.gina.waitFor(t, "the shares", `document.querySelectorAll('#shared-body tr').length === 5`)
	if got := x.gina.imageRow(t, "shared", "acme/api")["Status"]; got != "Expires in 3 days" {
		t.Errorf("acme/api (3 days left) status %q, want Expires in 3 days", got)
	}
	if got := x.gina.imageRow(t, "shared", "acme/web")["Status"]; got != "Valid" {
		t.Errorf("acme/web (permanent) status %q, want Valid", got)
	}
	old := x.gina.imageRow(t, "shared", "acme/old")
	if old["Status"] != "Expired" || !strings.Contains(old["Pull command"], "Ask acme to renew") {
		t.Errorf("expired acme/old: %q, want Expired and to ask acme to renew", old)
	}
	ref := x.d.info.Registry + "/acme/api"
	// Without latest, the newest tag is the default, by tag and digest.
	x.gina.waitFor(t, "acme/api's pull commands", fmt.Sprintf(`document.querySelectorAll('%s code').length === 2`, imageRowCSS("shared", "acme/api")))
	if got := x.gina.texts(t, imageRowCSS("shared", "acme/api")+" code"); got[0] != "docker pull "+ref+":0.9" || !strings.HasPrefix(got[1], "docker pull "+ref+"@sha256:") {
		t.Errorf("acme/api's default pull commands %q, want its newest tag 0.9, by tag and by digest", got)
	}
	x.gina.do(t, "choose tag 1.0", chromedp.Click(chromedp.CSS(imageRowCSS("shared", "acme/api")+` button[data-tag="1.0"]`)))
	want := []string{"docker pull " + ref + ":1.0", "docker pull " + ref + "@" + x.api10.String()}
	x.gina.waitFor(t, "1.0's pull commands", fmt.Sprintf(`document.querySelector('%s code').textContent === %q`, imageRowCSS("shared", "acme/api"), want[0]))
	if got := x.gina.texts(t, imageRowCSS("shared", "acme/api")+" code"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pull commands of tag 1.0: %q, want %q", got, want)
	}
	pressed := eval[[]string](t, x.gina, `[...document.querySelectorAll('#shared-body button[aria-pressed="true"]')].map((b) => b.closest('tr').cells[0].textContent + ':' + b.textContent)`)
	if fmt.Sprint(pressed) != fmt.Sprint([]string{"acme/api:1.0", "acme/tools/builder:2", "acme/web:latest", "ops/tool:1"}) {
		t.Errorf("pressed tag chips %q", pressed)
	}
	if _, err := remote.Image(x.d.ref(t, strings.TrimPrefix(want[1], "docker pull ")), x.d.auth("gina")); err != nil {
		t.Errorf("%s as gina: %v", want[1], err)
	}
	x.gina.checkLabels(t, "Shared Images")
	x.gina.narrow(t, func() { x.gina.checkFits(t, "Shared Images at 400 px") })
}

// sharedDescription: the sharer's description, from the API's description
// field.
func (x *imagesTest) sharedDescription(t *testing.T) {
	if got := x.gina.imageRow(t, "shared", "acme/web")["Description"]; got != webDescription {
		t.Errorf("acme/web's description %q, want %q (the API's description field)", got, webDescription)
	}
}

// sharedFilterSort: Shared Images filtered and sorted, kept in the address
// through a reload and Back.
func (x *imagesTest) sharedFilterSort(t *testing.T) {
	x.gina.goTo(t, "#/shared")
	x.gina.waitFor(t, "the shares", `document.querySelectorAll('#shared-body tr').length === 5`)
	x.gina.do(t, "filter by owner", chromedp.SendKeys(chromedp.ID("shared-filter"), "ops"))
	x.gina.waitFor(t, "ops's share alone", rowOrder("shared")+` === 'ops/tool'`)
	eval[string](t, x.gina, `document.getElementById('shared-filter').value = ''`)
	x.gina.do(t, "filter by image", chromedp.SendKeys(chromedp.ID("shared-filter"), "api"))
	x.gina.waitFor(t, "acme/api alone", rowOrder("shared")+` === 'acme/api'`)
	x.gina.do(t, "reload", chromedp.Reload())
	x.gina.waitFor(t, "acme/api alone again", `document.getElementById('shared-filter').value === 'api' && document.querySelectorAll('#shared-body tr').length === 1`)

	x.gina.goTo(t, "#/shared")
	x.gina.waitFor(t, "the shares", `document.querySelectorAll('#shared-body tr').length === 5`)
	owner := `#shared-table th[data-sort="owner"]`
	x.gina.do(t, "sort by owner", chromedp.Click(chromedp.CSS(owner+" button")))
	x.gina.do(t, "and the other way", chromedp.Click(chromedp.CSS(owner+" button")))
	order := rowOrder("shared")
	if got := eval[string](t, x.gina, order); got != "ops/tool acme/api acme/old acme/tools/builder acme/web" {
		t.Errorf("by owner, descending: %s", got)
	}
	if got := eval[[]string](t, x.gina, `[location.hash, document.querySelector('#shared-table th[data-sort="owner"]').getAttribute('aria-sort')]`); got[0] != "#/shared?sort=owner&dir=desc" || got[1] != "descending" {
		t.Errorf("address and aria-sort after sorting: %q", got)
	}
	x.gina.do(t, "sort by valid until", chromedp.Click(chromedp.CSS(`#shared-table th[data-sort="until"] button`)))
	if got := eval[string](t, x.gina, order); got != "acme/old acme/api acme/tools/builder acme/web ops/tool" {
		t.Errorf("by valid until: %s, want the expired one, the one of 3 days, then the permanent ones by name", got)
	}
	x.gina.do(t, "reload", chromedp.Reload())
	x.gina.waitFor(t, "the list", `document.querySelectorAll('#shared-body tr').length === 5`)
	if got := eval[string](t, x.gina, order); !strings.HasPrefix(got, "acme/old acme/api") {
		t.Errorf("by valid until after a reload: %s", got)
	}
	eval[bool](t, x.gina, `(history.back(), true)`)
	x.gina.waitFor(t, "the owner sort again", `document.querySelector('#shared-table th[data-sort="owner"]').getAttribute('aria-sort') === 'descending' && document.querySelector('#shared-body tr').dataset.repo === 'ops/tool'`)
}

// sharedWith: Private Images counts and names the valid shares, the
// expired ones apart.
func (x *imagesTest) sharedWith(t *testing.T) {
	x.alice.goTo(t, "#/images?tab=private")
	x.alice.waitFor(t, "the images", `document.querySelectorAll('#private-body tr').length === 5`)
	for repo, want := range map[string][]string{
		"acme/web":           {"globex", "+ 1 expired"},
		"acme/old":           {"Not shared", "+ 1 expired"},
		"acme/tools/builder": {"globex, hooli and 3 more"},
		"acme/api":           {"globex"},
		"acme/zeta":          {"Not shared"},
	} {
		got := x.alice.imageRow(t, "private", repo)["Shared with"]
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s shared with %q, want %q (the API's shared_with and expired_shares)", repo, got, w)
			}
		}
		if strings.Contains(got, "domain") || strings.Contains(got, "ops") {
			t.Errorf("%s shared with %q counts or names an expired share", repo, got)
		}
	}
}

// lastUpdate: the last update of a repository is its last push, as the
// registry's notifications told it, whatever tag it pushed (acme/api has
// no latest).
func (x *imagesTest) lastUpdate(t *testing.T) {
	x.alice.goTo(t, "#/images?tab=private")
	x.alice.waitFor(t, "the images", `document.querySelectorAll('#private-body tr').length === 5`)
	got := eval[string](t, x.alice, `([...document.querySelectorAll('#private-body tr')].find((r) => r.cells[0].textContent === 'acme/api')?.querySelector('time') || {}).dateTime || ''`)
	at, err := time.Parse(time.RFC3339, got)
	if err != nil || at.Before(x.start) || at.After(time.Now()) {
		t.Errorf("acme/api's last update %q, want its last push, since %s", got, x.start.Format(time.RFC3339))
	}
}

// privateSort: Private Images sorted through the API, aria-sort on the
// header, the sort buttons shown at 400 px.
func (x *imagesTest) privateSort(t *testing.T) {
	x.alice.goTo(t, "#/images?tab=private")
	x.alice.waitFor(t, "the images", `document.querySelectorAll('#private-body tr').length === 5`)
	x.alice.do(t, "sort by last update", chromedp.Click(chromedp.CSS(`#private-table th[data-sort="updated"] button`)))
	x.alice.waitFor(t, "the address", `location.hash === '#/images?tab=private&sort=updated&dir=desc'`)
	if got := eval[string](t, x.alice, `document.querySelector('#private-table th[data-sort="updated"]').getAttribute('aria-sort') + ' ' + document.querySelectorAll('#private-table th[aria-sort]').length`); got != "descending 1" {
		t.Errorf("aria-sort after sorting by last update: %q", got)
	}
	x.alice.waitFor(t, "the sorted images", `document.querySelectorAll('#private-body tr').length === 5`)
	// Pushed web, api, old, tools/builder, zeta, in that order.
	if got := eval[string](t, x.alice, rowOrder("private")); got != "acme/zeta acme/tools/builder acme/old acme/api acme/web" {
		t.Errorf("by last update, newest first: %s", got)
	}
	x.alice.narrow(t, func() {
		x.alice.checkFits(t, "Private Images at 400 px")
		if !eval[bool](t, x.alice, `document.querySelector('#private-table th[data-sort="name"] button').getBoundingClientRect().width > 0`) {
			t.Error("at 400 px the sort buttons are not shown")
		}
	})
}

// pager: after Next and Previous the focus is in the new rows; page,
// filter and "only shared" are kept in the address through a reload and
// Back.
func (x *imagesTest) pager(t *testing.T) {
	// Five images, two a page: paging without 101 repositories.
	x.alice.goTo(t, "#/images?tab=private&limit=2")
	x.alice.waitFor(t, "page 1", `document.getElementById('private-range').textContent === '1–2 of 5' && !document.getElementById('private-pager').hidden`)
	for _, want := range []string{"3–4 of 5", "5–5 of 5"} {
		x.alice.do(t, "Next with the keyboard", chromedp.Focus(chromedp.ID("private-next")), chromedp.KeyEvent(kb.Enter))
		x.alice.waitFor(t, want, fmt.Sprintf(`document.getElementById('private-range').textContent === %q`, want))
		if got := x.alice.focusedElement(t); !strings.HasPrefix(got, "A# acme/") {
			t.Errorf("focus after Next to %s: %q, want the first image's link", want, got)
		}
	}
	if !eval[bool](t, x.alice, `document.getElementById('private-next').disabled`) {
		t.Error("Next is enabled on the last page")
	}
	x.alice.do(t, "reload", chromedp.Reload())
	x.alice.waitFor(t, "the last page again", `document.getElementById('private-range').textContent === '5–5 of 5'`)
	eval[bool](t, x.alice, `(history.back(), true)`)
	x.alice.waitFor(t, "page 2 after Back", `document.getElementById('private-range').textContent === '3–4 of 5'`)
	x.alice.do(t, "Previous", chromedp.Click(chromedp.ID("private-prev")))
	x.alice.waitFor(t, "page 1", `document.getElementById('private-range').textContent === '1–2 of 5'`)
	if got := x.alice.focusedElement(t); !strings.HasPrefix(got, "A# acme/") {
		t.Errorf("focus after Previous: %q, want the first image's link", got)
	}

	x.alice.do(t, "filter", chromedp.SendKeys(chromedp.ID("filter-name"), "ze"))
	x.alice.waitFor(t, "acme/zeta alone", rowOrder("private")+` === 'acme/zeta'`)
	x.alice.do(t, "only shared ones", chromedp.Click(chromedp.ID("only-shared")))
	x.alice.waitFor(t, "none", `document.getElementById('private-empty').textContent === 'No image matches.'`)
	if got := eval[string](t, x.alice, `location.hash`); got != "#/images?tab=private&name=ze&shared=1&limit=2" {
		t.Errorf("the address of the filtered list: %s", got)
	}
	x.alice.do(t, "reload", chromedp.Reload())
	x.alice.waitFor(t, "the filtered list again", `document.getElementById('private-empty').textContent === 'No image matches.'`)
	if got := eval[[]any](t, x.alice, `[document.getElementById('filter-name').value, document.getElementById('only-shared').checked]`); got[0] != "ze" || got[1] != true {
		t.Errorf("filter after a reload: %v, want ze and only shared", got)
	}
}

// failedRead reads list (at hash, from its API path) again, coming from
// away, with the network failing once: no table is left under the
// error, and Retry reads the list, with the focus in it.
func (x *imagesTest) failedRead(t *testing.T, p *page, list, path, hash, away string) {
	p.goTo(t, hash)
	p.waitFor(t, "the list", fmt.Sprintf(`document.querySelector('#%s-body tr')`, list))
	p.goTo(t, away)
	p.failNextRead(t, path)
	p.goTo(t, hash)
	p.waitFor(t, "the error", fmt.Sprintf(`document.getElementById('%s-error').textContent !== ''`, list))
	if got := p.visible(t, list+"-table", list+"-retry"); got[list+"-table"] || !got[list+"-retry"] {
		t.Errorf("%s after a network error: %v, want no table and a Retry", list, got)
	}
	p.do(t, "Retry", chromedp.Focus(chromedp.ID(list+"-retry")), chromedp.KeyEvent(kb.Enter))
	p.waitFor(t, "the list again", fmt.Sprintf(`document.querySelector('#%s-body tr') && !document.getElementById('%s-table').hidden`, list, list))
	if got := p.visible(t, list+"-retry"); got[list+"-retry"] || p.text(t, "#"+list+"-error") != "" {
		t.Errorf("%s after Retry: the Retry or the error is left", list)
	}
	if got := p.focusedElement(t); got == "" || strings.HasPrefix(got, "BODY") {
		t.Errorf("focus after Retry: %q, want in the list", got)
	}
}
