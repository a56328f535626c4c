package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/go-containerregistry/pkg/v1/remote"
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

// focused describes the focused element: its tag, id and text.
func (p *page) focused(t *testing.T) string {
	t.Helper()
	return eval[string](t, p, `(() => { const e = document.activeElement; return e ? e.tagName + '#' + e.id + ' ' + e.textContent.trim() : ''; })()`)
}

// TestConsoleImages drives My Images in headless Chromium against
// `regshare dev`: Private Images (who an image is shared with, its last
// update, sorting, paging, the list's state in the address) and Shared
// Images, the recipient's view (landing, filter and sort, the sharer's
// description, pull commands by tag and digest, expiry), and the lists'
// failed reads.
func TestConsoleImages(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry and a browser")
	}
	exe := chromium(t)
	d := startDev(t)
	day := func(m, dd int) time.Time { return time.Date(2026, time.Month(m), dd, 10, 30, 0, 0, time.UTC) }
	d.push(t, "alice", "acme/web:1.0", day(5, 4))
	d.push(t, "alice", "acme/web:latest", day(5, 4).Add(time.Hour))
	api10 := d.push(t, "alice", "acme/api:1.0", day(5, 1))
	// acme/api has no latest; its newest tag sorts first.
	d.push(t, "alice", "acme/api:0.9", day(6, 1))
	d.push(t, "alice", "acme/old:1", day(3, 1))
	d.push(t, "alice", "acme/tools/builder:2", day(4, 1))
	d.push(t, "alice", "acme/zeta:1", day(7, 1))
	d.push(t, "root", "ops/tool:1", day(2, 1))
	for _, name := range []string{"hooli", "initech", "umbrella", "wayne"} {
		if status, b := d.call(t, "root", "POST", "/v2/manage/domains", fmt.Sprintf(`{"name":%q,"namespaces":[%q]}`, name, name)); status != 201 {
			t.Fatalf("create domain %s: %d %s", name, status, b)
		}
	}
	const webDescription = "Nightly builds for globex CI"
	soon := time.Now().Add(3 * time.Second)
	d.shareUntil(t, "alice", "acme/web", "globex", "forever", webDescription)
	d.shareUntil(t, "alice", "acme/web", "ops", soon.UTC().Format(time.RFC3339), "ends soon")
	d.shareUntil(t, "alice", "acme/old", "globex", soon.UTC().Format(time.RFC3339), "ends soon")
	d.shareUntil(t, "alice", "acme/api", "globex", time.Now().Add(72*time.Hour).UTC().Format(time.RFC3339), "API preview")
	for _, domain := range []string{"wayne", "globex", "umbrella", "initech", "hooli"} {
		d.shareUntil(t, "alice", "acme/tools/builder", domain, "forever", "")
	}
	d.shareUntil(t, "root", "ops/tool", "globex", "forever", "ops tooling")
	b := newBrowser(t, exe, d.info.API)
	alice, gina := b.tab(t, "alice"), b.tab(t, "gina")

	run := func(name string, p *page, f func(t *testing.T)) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			defer shotOnFailure(t, p)
			f(t)
		})
	}

	run("9 a domain without images of its own opens on Shared Images", gina, func(t *testing.T) {
		gina.login(t, "gina", d.users["gina"].Password)
		gina.waitFor(t, "Shared Images", `location.hash === '#/shared' && !document.getElementById('panel-shared').hidden && document.querySelector('#shared-body tr')`)
		gina.do(t, "open Private Images", chromedp.Click(chromedp.ID("tab-private")))
		gina.waitFor(t, "the empty Private Images", `!document.getElementById('panel-private').hidden && !document.getElementById('private-empty').hidden && !document.getElementById('private-empty').textContent.includes('Loading')`)
		time.Sleep(300 * time.Millisecond) // no late move to Shared Images
		if got := gina.visible(t, "panel-private", "panel-shared"); !got["panel-private"] || got["panel-shared"] {
			t.Errorf("after choosing Private Images: %v", got)
		}
		if got := gina.text(t, "#private-empty"); got != "Your domain has no images yet." {
			t.Errorf("a read user's empty Private Images: %q, want no docker push hint", got)
		}
		alice.login(t, "alice", d.users["alice"].Password)
		alice.waitFor(t, "Private Images", `document.querySelector('#private-body tr')`)
		if got := eval[string](t, alice, `location.hash`); got != "#/images" {
			t.Errorf("a domain with images lands on %q, want #/images", got)
		}
	})

	time.Sleep(time.Until(soon.Add(500 * time.Millisecond)))
	row := func(list, repo string) string { return fmt.Sprintf(`#%s-body tr[data-repo=%q]`, list, repo) }

	run("9 Shared Images: expiry, guidance, pull commands by tag and by digest", gina, func(t *testing.T) {
		gina.goTo(t, "#/shared")
		gina.waitFor(t, "the shares", `document.querySelectorAll('#shared-body tr').length === 5`)
		if got := gina.rowCells(t, row("shared", "acme/api"))["Status"]; got != "Expires in 3 days" {
			t.Errorf("acme/api (3 days left) status %q, want Expires in 3 days", got)
		}
		if got := gina.rowCells(t, row("shared", "acme/web"))["Status"]; got != "Valid" {
			t.Errorf("acme/web (permanent) status %q, want Valid", got)
		}
		old := gina.rowCells(t, row("shared", "acme/old"))
		if old["Status"] != "Expired" || !strings.Contains(old["Pull command"], "Ask acme to renew") {
			t.Errorf("expired acme/old: %q, want Expired and to ask acme to renew", old)
		}
		ref := d.info.Registry + "/acme/api"
		// Without latest, the newest tag is the default, by tag and digest.
		gina.waitFor(t, "acme/api's pull commands", fmt.Sprintf(`document.querySelectorAll('%s code').length === 2`, row("shared", "acme/api")))
		if got := gina.texts(t, row("shared", "acme/api")+" code"); got[0] != "docker pull "+ref+":0.9" || !strings.HasPrefix(got[1], "docker pull "+ref+"@sha256:") {
			t.Errorf("acme/api's default pull commands %q, want its newest tag 0.9, by tag and by digest", got)
		}
		gina.do(t, "choose tag 1.0", chromedp.Click(chromedp.CSS(row("shared", "acme/api")+` button[data-tag="1.0"]`)))
		want := []string{"docker pull " + ref + ":1.0", "docker pull " + ref + "@" + api10.String()}
		gina.waitFor(t, "1.0's pull commands", fmt.Sprintf(`document.querySelector('%s code').textContent === %q`, row("shared", "acme/api"), want[0]))
		if got := gina.texts(t, row("shared", "acme/api")+" code"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("pull commands of tag 1.0: %q, want %q", got, want)
		}
		pressed := eval[[]string](t, gina, `[...document.querySelectorAll('#shared-body button[aria-pressed="true"]')].map((b) => b.closest('tr').dataset.repo + ':' + b.textContent)`)
		if fmt.Sprint(pressed) != fmt.Sprint([]string{"acme/api:1.0", "acme/tools/builder:2", "acme/web:latest", "ops/tool:1"}) {
			t.Errorf("pressed tag chips %q", pressed)
		}
		if _, err := remote.Image(d.ref(t, strings.TrimPrefix(want[1], "docker pull ")), d.auth("gina")); err != nil {
			t.Errorf("%s as gina: %v", want[1], err)
		}
		gina.checkLabels(t, "Shared Images")
		gina.narrow(t, func() { gina.checkFits(t, "Shared Images at 400 px") })
	})

	run("9 Shared Images shows the sharer's description", gina, func(t *testing.T) {
		if got := gina.rowCells(t, row("shared", "acme/web"))["Description"]; got != webDescription {
			t.Errorf("acme/web's description %q, want %q (the API's description field)", got, webDescription)
		}
	})

	run("9 Shared Images: filter and sort, kept in the address", gina, func(t *testing.T) {
		gina.goTo(t, "#/shared")
		gina.waitFor(t, "the shares", `document.querySelectorAll('#shared-body tr').length === 5`)
		gina.do(t, "filter by owner", chromedp.SendKeys(chromedp.ID("shared-filter"), "ops"))
		gina.waitFor(t, "ops's share alone", `document.querySelectorAll('#shared-body tr').length === 1 && document.querySelector('#shared-body tr[data-repo="ops/tool"]')`)
		eval[string](t, gina, `document.getElementById('shared-filter').value = ''`)
		gina.do(t, "filter by image", chromedp.SendKeys(chromedp.ID("shared-filter"), "api"))
		gina.waitFor(t, "acme/api alone", `document.querySelectorAll('#shared-body tr').length === 1 && document.querySelector('#shared-body tr[data-repo="acme/api"]')`)
		gina.do(t, "reload", chromedp.Reload())
		gina.waitFor(t, "acme/api alone again", `document.getElementById('shared-filter').value === 'api' && document.querySelectorAll('#shared-body tr').length === 1`)

		gina.goTo(t, "#/shared")
		gina.waitFor(t, "the shares", `document.querySelectorAll('#shared-body tr').length === 5`)
		owner := `#shared-table th[data-sort="owner"]`
		gina.do(t, "sort by owner", chromedp.Click(chromedp.CSS(owner+" button")))
		gina.do(t, "and the other way", chromedp.Click(chromedp.CSS(owner+" button")))
		order := `[...document.querySelectorAll('#shared-body tr')].map((r) => r.dataset.repo).join(' ')`
		if got := eval[string](t, gina, order); got != "ops/tool acme/api acme/old acme/tools/builder acme/web" {
			t.Errorf("by owner, descending: %s", got)
		}
		if got := eval[[]string](t, gina, `[location.hash, document.querySelector('#shared-table th[data-sort="owner"]').getAttribute('aria-sort')]`); got[0] != "#/shared?sort=owner&dir=desc" || got[1] != "descending" {
			t.Errorf("address and aria-sort after sorting: %q", got)
		}
		gina.do(t, "sort by valid until", chromedp.Click(chromedp.CSS(`#shared-table th[data-sort="until"] button`)))
		if got := eval[string](t, gina, order); got != "acme/old acme/api acme/tools/builder acme/web ops/tool" {
			t.Errorf("by valid until: %s, want the expired one, the one of 3 days, then the permanent ones by name", got)
		}
		gina.do(t, "reload", chromedp.Reload())
		gina.waitFor(t, "the list", `document.querySelectorAll('#shared-body tr').length === 5`)
		if got := eval[string](t, gina, order); !strings.HasPrefix(got, "acme/old acme/api") {
			t.Errorf("by valid until after a reload: %s", got)
		}
		eval[bool](t, gina, `(history.back(), true)`)
		gina.waitFor(t, "the owner sort again", `document.querySelector('#shared-table th[data-sort="owner"]').getAttribute('aria-sort') === 'descending' && document.querySelector('#shared-body tr').dataset.repo === 'ops/tool'`)
	})

	run("4 Shared with names the valid shares, the expired apart", alice, func(t *testing.T) {
		alice.goTo(t, "#/images?tab=private")
		alice.waitFor(t, "the images", `document.querySelectorAll('#private-body tr').length === 5`)
		for repo, want := range map[string][]string{
			"acme/web":           {"globex", "+ 1 expired"},
			"acme/old":           {"Not shared", "+ 1 expired"},
			"acme/tools/builder": {"globex, hooli and 3 more"},
			"acme/api":           {"globex"},
			"acme/zeta":          {"Not shared"},
		} {
			got := alice.rowCells(t, row("private", repo))["Shared with"]
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Errorf("%s shared with %q, want %q", repo, got, w)
				}
			}
			if strings.Contains(got, "domain") || strings.Contains(got, "ops") {
				t.Errorf("%s shared with %q counts or names an expired share", repo, got)
			}
		}
	})

	run("5 Last update is the newest push of any tag", alice, func(t *testing.T) {
		alice.goTo(t, "#/images?tab=private")
		alice.waitFor(t, "the images", `document.querySelectorAll('#private-body tr').length === 5`)
		got := eval[string](t, alice, fmt.Sprintf(`(document.querySelector('%s time') || {}).dateTime || ''`, row("private", "acme/api")))
		if want := day(6, 1).Format(time.RFC3339); got != want {
			t.Errorf("acme/api's last update %q, want %s, when its newest tag 0.9 was made", got, want)
		}
	})

	run("Private Images sort by column through the API", alice, func(t *testing.T) {
		alice.goTo(t, "#/images?tab=private")
		alice.waitFor(t, "the images", `document.querySelectorAll('#private-body tr').length === 5`)
		alice.do(t, "sort by last update", chromedp.Click(chromedp.CSS(`#private-table th[data-sort="updated"] button`)))
		alice.waitFor(t, "the address", `location.hash === '#/images?tab=private&sort=updated&dir=desc'`)
		if got := eval[string](t, alice, `document.querySelector('#private-table th[data-sort="updated"]').getAttribute('aria-sort') + ' ' + document.querySelectorAll('#private-table th[aria-sort]').length`); got != "descending 1" {
			t.Errorf("aria-sort after sorting by last update: %q", got)
		}
		alice.waitFor(t, "the sorted images", `document.querySelectorAll('#private-body tr').length === 5`)
		if got := eval[string](t, alice, `[...document.querySelectorAll('#private-body tr')].map((r) => r.dataset.repo).join(' ')`); got != "acme/zeta acme/api acme/web acme/tools/builder acme/old" {
			t.Errorf("by last update, newest first: %s", got)
		}
		alice.narrow(t, func() {
			alice.checkFits(t, "Private Images at 400 px")
			if !eval[bool](t, alice, `document.querySelector('#private-table th[data-sort="name"] button').getBoundingClientRect().width > 0`) {
				t.Error("at 400 px the sort buttons are not shown")
			}
		})
	})

	run("6 focus after Next, and the list's state in the address", alice, func(t *testing.T) {
		// Five images, two a page: paging without 101 repositories.
		alice.goTo(t, "#/images?tab=private&limit=2")
		alice.waitFor(t, "page 1", `document.getElementById('private-range').textContent === '1–2 of 5' && !document.getElementById('private-pager').hidden`)
		for _, want := range []string{"3–4 of 5", "5–5 of 5"} {
			alice.do(t, "Next with the keyboard", chromedp.Focus(chromedp.ID("private-next")), chromedp.KeyEvent(kb.Enter))
			alice.waitFor(t, want, fmt.Sprintf(`document.getElementById('private-range').textContent === %q`, want))
			if got := alice.focused(t); !strings.HasPrefix(got, "A# acme/") {
				t.Errorf("focus after Next to %s: %q, want the first image's link", want, got)
			}
		}
		if !eval[bool](t, alice, `document.getElementById('private-next').disabled`) {
			t.Error("Next is enabled on the last page")
		}
		alice.do(t, "reload", chromedp.Reload())
		alice.waitFor(t, "the last page again", `document.getElementById('private-range').textContent === '5–5 of 5'`)
		eval[bool](t, alice, `(history.back(), true)`)
		alice.waitFor(t, "page 2 after Back", `document.getElementById('private-range').textContent === '3–4 of 5'`)
		alice.do(t, "Previous", chromedp.Click(chromedp.ID("private-prev")))
		alice.waitFor(t, "page 1", `document.getElementById('private-range').textContent === '1–2 of 5'`)
		if got := alice.focused(t); !strings.HasPrefix(got, "A# acme/") {
			t.Errorf("focus after Previous: %q, want the first image's link", got)
		}

		alice.do(t, "filter", chromedp.SendKeys(chromedp.ID("filter-name"), "ze"))
		alice.waitFor(t, "acme/zeta alone", `document.querySelectorAll('#private-body tr').length === 1 && document.querySelector('#private-body tr[data-repo="acme/zeta"]')`)
		alice.do(t, "only shared ones", chromedp.Click(chromedp.ID("only-shared")))
		alice.waitFor(t, "none", `document.getElementById('private-empty').textContent === 'No image matches.'`)
		if got := eval[string](t, alice, `location.hash`); got != "#/images?tab=private&name=ze&shared=1&limit=2" {
			t.Errorf("the address of the filtered list: %s", got)
		}
		alice.do(t, "reload", chromedp.Reload())
		alice.waitFor(t, "the filtered list again", `document.getElementById('private-empty').textContent === 'No image matches.'`)
		if got := eval[[]any](t, alice, `[document.getElementById('filter-name').value, document.getElementById('only-shared').checked]`); got[0] != "ze" || got[1] != true {
			t.Errorf("filter after a reload: %v, want ze and only shared", got)
		}
	})

	// failedRead reads list (at hash, its API path) again, coming from
	// away, with the network failing once.
	failedRead := func(t *testing.T, p *page, list, path, hash, away string) {
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
		if got := p.focused(t); got == "" || strings.HasPrefix(got, "BODY") {
			t.Errorf("focus after Retry: %q, want in the list", got)
		}
	}
	run("7 a list's failed read: no empty table, a Retry", alice, func(t *testing.T) {
		failedRead(t, alice, "private", "/v2/manage/repos", "#/images?tab=private", "#/shared")
	})
	run("7 Shared Images' failed read: no empty table, a Retry", gina, func(t *testing.T) {
		failedRead(t, gina, "shared", "/v2/manage/shared-repositories", "#/shared", "#/images?tab=private")
	})
}
