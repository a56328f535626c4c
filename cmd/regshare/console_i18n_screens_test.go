package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// badTimesOn lists the times shown that are not local times with the UTC
// time on hover: a <time> whose title is not "… UTC", whose text is in
// UTC, or, on a Chinese page, whose text is not a Chinese date (年).
func (p *page) badTimesOn(t *testing.T) []string {
	t.Helper()
	return eval[[]string](t, p, `(() => {
		const zh = document.documentElement.lang.startsWith('zh');
		return [...document.querySelectorAll('time')].filter((e) => e.checkVisibility())
			.filter((e) => !e.title.endsWith(' UTC') || e.textContent.includes('UTC') || (zh && !e.textContent.includes('年')))
			.map((e) => e.outerHTML.slice(0, 160));
	})()`)
}

// i18nScreens is what TestConsoleI18nScreens set up, and how it checks a
// screen.
type i18nScreens struct {
	d       *devSystem
	allowed []string
}

// chinese fails when p's screen shows English or a time not in local time.
func (x *i18nScreens) chinese(t *testing.T, p *page, where string) {
	t.Helper()
	if left := p.englishOn(t, x.allowed); len(left) > 0 {
		t.Errorf("%s in Chinese shows English:\n%s", where, strings.Join(left, "\n"))
	}
	if bad := p.badTimesOn(t); len(bad) > 0 {
		t.Errorf("%s shows times that are not local with UTC on hover:\n%s", where, strings.Join(bad, "\n"))
	}
}

// setupI18nScreens pushes acme's images and shares them with globex, so
// that every state of a share shows: valid for good (acme/web, changed
// once, for its history), expiring in 3 days (acme/api), expired
// (acme/old, and acme/web's share with ops), and one image shared with
// four domains (acme/tools/builder). Descriptions are in Chinese: what
// users write is not the console's English.
func setupI18nScreens(t *testing.T, d *devSystem) *i18nScreens {
	t.Helper()
	d.push(t, "alice", "acme/web:1.0", imagesDay(5, 4))
	d.push(t, "alice", "acme/web:latest", imagesDay(5, 5))
	d.push(t, "alice", "acme/api:1.0", imagesDay(5, 1))
	d.push(t, "alice", "acme/old:1", imagesDay(3, 1))
	d.push(t, "alice", "acme/tools/builder:2", imagesDay(4, 1))
	extra := []string{"hooli", "initech", "umbrella"}
	for _, name := range extra {
		if status, b := d.call(t, "root", "POST", "/v2/manage/domains", fmt.Sprintf(`{"name":%q,"namespaces":[%q]}`, name, name)); status != 201 {
			t.Fatalf("create domain %s: %d %s", name, status, b)
		}
	}
	end := time.Now().Add(2 * time.Second)
	soon := end.UTC().Format(time.RFC3339)
	d.shareUntil(t, "alice", "acme/web", "globex", "forever", "夜间构建")
	d.shareUntil(t, "alice", "acme/web", "ops", soon, "")
	d.shareUntil(t, "alice", "acme/old", "globex", soon, "旧版")
	d.shareUntil(t, "alice", "acme/api", "globex", time.Now().Add(72*time.Hour).UTC().Format(time.RFC3339), "预览版")
	for _, domain := range append([]string{"globex"}, extra...) {
		d.shareUntil(t, "alice", "acme/tools/builder", domain, "forever", "")
	}
	if status, b := d.call(t, "alice", "PATCH", "/v2/manage/namespaces/acme/repositories/web/access-domains/globex", `{"description":"夜间构建，每日更新"}`); status/100 != 2 {
		t.Fatalf("change the share of acme/web: %d %s", status, b)
	}
	// A group of ops (root's domain) and hooli, which acme/api is shared
	// with: root's Shared Images has it through the group.
	if status, b := d.call(t, "root", "POST", "/v2/manage/groups", `{"name":"partners","description":"合作伙伴","members":["ops","hooli"]}`); status != 201 {
		t.Fatalf("create the group partners: %d %s", status, b)
	}
	d.shareUntil(t, "alice", "acme/api", "@partners", "forever", "")
	allowed := chineseLatin(consoleStrings(t))
	for _, u := range d.info.Users {
		allowed = append(allowed, u.Name, u.Domain)
	}
	// Data: domains (nosuch, typed into Share image), a tag, the zone the
	// hints name (TZ=UTC), and units of size, which Chinese writes so too.
	allowed = append(allowed, extra...)
	allowed = append(allowed, "partners", "nosuch", "latest", "utc", "kb", "mb", "gb")
	time.Sleep(time.Until(end.Add(time.Second))) // the shares until soon have ended
	return &i18nScreens{d: d, allowed: allowed}
}

// TestConsoleI18nScreens drives every screen that TestConsoleI18n (the
// account pages) does not, in headless Chromium set to Chinese, and finds
// no English left and every time local with UTC on hover: the login
// dialog (empty, with errors), the top bar, My Images (Private Images
// with its pager, no match and a failed read; Shared Images with shares
// valid, expiring in 3 days and expired), an image's Tags and Sharing
// tabs, the Share image dialog (empty, with field errors, the duplicate's
// Edit that share instead, Edit), Revoke and History, images ticked and
// shared at once with several recipients, a refused bulk share, the
// Namespaces tab, Share namespace and a prefix's Sharing page, a
// recipient's image page, a share with a group (its Sharing tab and its
// chip in Share image), the Webhooks page and its dialogs (add with
// errors and refused by the API, the secret, edit, a disabled webhook, the
// deliveries of a test after an attempt, history, delete), the Access
// tokens page and its dialogs (create with errors and refused by the API,
// the secret, revoke), the Groups page and its dialogs and a recipient's
// Shared Images through a group, the idle warning and the login after
// the idle end. Then the language switch redraws the page shown in
// English.
func TestConsoleI18nScreens(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry and a browser")
	}
	exe := chromium(t)
	d := startDev(t)
	x := setupI18nScreens(t, d)
	b := newBrowser(t, exe, d.info.API)
	alice, gina := b.tab(t, "alice"), b.tab(t, "gina")
	alice.emulateLanguage(t, "zh-CN")
	gina.emulateLanguage(t, "zh-CN")

	// Each screen is checked even when an earlier one failed: the test
	// lists all the English left.
	step := func(name string, p *page, f func(t *testing.T)) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			defer shotOnFailure(t, p)
			f(t)
		})
	}
	step("login dialog", alice, func(t *testing.T) { x.login(t, alice) })
	step("top bar and Private Images", alice, func(t *testing.T) { x.private(t, alice) })
	step("an image's Tags and Sharing", alice, func(t *testing.T) { x.image(t, alice) })
	step("Share image, Edit, Revoke and History", alice, func(t *testing.T) { x.dialogs(t, alice) })
	step("Share selected, a refused bulk share and Namespaces", alice, func(t *testing.T) { x.wider(t, alice) })
	step("a share with a group", alice, func(t *testing.T) { x.groupShare(t, alice) })
	step("Webhooks and their dialogs", alice, func(t *testing.T) { x.webhooks(t, alice) })
	step("Shared Images and a recipient's image", gina, func(t *testing.T) { x.shared(t, gina) })
	step("Access tokens and their dialogs", gina, func(t *testing.T) { x.tokens(t, gina) })
	root := b.tab(t, "root")
	root.emulateLanguage(t, "zh-CN")
	step("Groups, their dialogs, and Shared Images through a group", root, func(t *testing.T) { x.groups(t, root) })
	step("the idle warning and its end", alice, func(t *testing.T) { x.idle(t, b) })
	step("the switch redraws the page in English", alice, func(t *testing.T) { x.switchLanguage(t, alice) })
}

func (x *i18nScreens) login(t *testing.T, p *page) {
	p.do(t, "load the console", chromedp.Navigate(p.b.base+"/"))
	p.waitFor(t, "the login dialog", `document.getElementById('login-dialog').open && document.documentElement.lang === 'zh-CN'`)
	x.chinese(t, p, "the login dialog")
	p.do(t, "log in without a password", chromedp.SendKeys(chromedp.ID("login-user"), "alice"), chromedp.Click(chromedp.ID("login-submit")))
	p.waitFor(t, "the error", `document.getElementById('login-error').textContent === '请输入用户名和密码。'`)
	x.chinese(t, p, "the login dialog with an error")
	p.do(t, "log in with a wrong password", chromedp.SendKeys(chromedp.ID("login-password"), "wrong"), chromedp.Click(chromedp.ID("login-submit")))
	p.waitFor(t, "the refusal", `document.getElementById('login-error').textContent === '用户名或密码错误。'`)
	x.chinese(t, p, "the login dialog after a wrong password")
}

func (x *i18nScreens) private(t *testing.T, p *page) {
	p.login(t, "alice", x.d.users["alice"].Password)
	p.waitFor(t, "Private Images", `document.querySelectorAll('#private-body tr').length === 4`)
	for repo, want := range map[string][]string{
		"acme/tools/builder": {"globex、hooli等另外 2 个"},
		"acme/old":           {"未共享", "另有 1 个已过期"},
		"acme/web":           {"globex", "另有 1 个已过期"},
	} {
		got := p.imageRow(t, "private", repo)["共享给"]
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s shared with %q, want %q", repo, got, w)
			}
		}
	}
	x.chinese(t, p, "the top bar and Private Images")
	p.goTo(t, "#/images?tab=private&limit=2")
	p.waitFor(t, "the pager", `!document.getElementById('private-pager').hidden && document.getElementById('private-range').textContent !== ''`)
	x.chinese(t, p, "Private Images with its pager")
	p.goTo(t, "#/images?tab=private&name=zzz")
	p.waitFor(t, "no match", `document.getElementById('private-empty').textContent === '没有匹配的镜像。'`)
	x.chinese(t, p, "Private Images without a match")
	p.goTo(t, "#/shared")
	p.failNextRead(t, "/v2/manage/repos")
	p.goTo(t, "#/images?tab=private")
	p.waitFor(t, "the failed read", `!document.getElementById('private-retry').hidden && document.getElementById('private-error').textContent !== ''`)
	x.chinese(t, p, "Private Images' failed read")
}

func (x *i18nScreens) image(t *testing.T, p *page) {
	p.goTo(t, "#/image/acme/web")
	p.waitFor(t, "the tags", `document.querySelectorAll('#tags-body tr').length === 2`)
	p.do(t, "copy a pull command", chromedp.Click(chromedp.CSS(`#tags-body button`)))
	p.waitFor(t, "the copy to be announced", `document.getElementById('status').textContent !== ''`)
	x.chinese(t, p, "the Tags tab, a command copied")
	p.openSharing(t, "acme/web", 2)
	if got := p.rowCells(t, `#sharing-body tr[data-domain="ops"]`)["状态"]; got != "已过期" {
		t.Errorf("the share with ops: status %q, want 已过期", got)
	}
	x.chinese(t, p, "the Sharing tab")
}

func (x *i18nScreens) dialogs(t *testing.T, p *page) {
	p.openShareDialog(t)
	x.chinese(t, p, "Share image, empty")
	p.do(t, "submit it empty", chromedp.Click(chromedp.ID("share-submit")))
	p.waitFor(t, "the field errors", `document.getElementById('share-with-error').textContent !== '' && document.getElementById('share-until-error').textContent !== ''`)
	x.chinese(t, p, "Share image with field errors")
	p.do(t, "share with no such domain",
		chromedp.SendKeys(chromedp.ID("share-with"), "nosuch"),
		chromedp.Click(chromedp.CSS(`#share-presets [data-preset="30"]`)),
		chromedp.Click(chromedp.ID("share-submit")))
	p.waitFor(t, "the API's refusal", `document.querySelector('#share-with-error .error-code')`)
	x.chinese(t, p, "Share image refused by the API")
	eval[string](t, p, `document.getElementById('share-with').value = ''`)
	p.do(t, "share with globex again", chromedp.SendKeys(chromedp.ID("share-with"), "globex"), chromedp.Click(chromedp.ID("share-submit")))
	p.waitFor(t, "Edit that share instead", `document.querySelector('#share-with-error button')`)
	x.chinese(t, p, "Share image, already shared")
	p.do(t, "edit that share instead", chromedp.Click(chromedp.CSS(`#share-with-error button`)))
	p.waitFor(t, "the edit", `document.getElementById('share-title').textContent === '编辑共享'`)
	x.chinese(t, p, "Edit share")
	p.do(t, "cancel", chromedp.Click(chromedp.ID("share-cancel")))
	p.waitFor(t, "the dialog to close", `!document.getElementById('share-dialog').open`)

	// The expired share ends at a time, not at the end of a day.
	p.do(t, "edit the share with ops", chromedp.Click(chromedp.CSS(`#sharing-body tr[data-domain="ops"] [data-action="edit"]`)))
	p.waitFor(t, "the edit", `document.getElementById('share-dialog').open`)
	x.chinese(t, p, "Edit share of an exact time")
	p.do(t, "cancel", chromedp.Click(chromedp.ID("share-cancel")))
	p.waitFor(t, "the dialog to close", `!document.getElementById('share-dialog').open`)

	p.do(t, "open Revoke", chromedp.Click(chromedp.CSS(`#sharing-body tr[data-domain="ops"] [data-action="revoke"]`)))
	p.waitFor(t, "Revoke", `document.getElementById('revoke-dialog').open`)
	x.chinese(t, p, "Revoke")
	p.do(t, "cancel", chromedp.Click(chromedp.ID("revoke-cancel")))
	p.waitFor(t, "the dialog to close", `!document.getElementById('revoke-dialog').open`)

	p.do(t, "open the history", chromedp.Click(chromedp.CSS(`#sharing-body tr[data-domain="globex"] [data-action="history"]`)))
	p.waitFor(t, "its two events", `document.querySelectorAll('#history-list > li').length === 2`)
	x.chinese(t, p, "History")
	p.do(t, "close it", chromedp.Click(chromedp.ID("history-close")))
	p.waitFor(t, "the dialog to close", `!document.getElementById('history-dialog').open`)
}

// wider shows the screens of sharing several images, with several
// recipients, and of namespaces: Share selected, its dialog, a refusal
// listed pair by pair, the Namespaces tab, Share namespace, and the
// prefix's page with its Revoke.
func (x *i18nScreens) wider(t *testing.T, p *page) {
	p.goTo(t, "#/images?tab=private")
	p.waitFor(t, "Private Images", `document.querySelectorAll('#private-body input.select').length === 4`)
	p.tick(t, "acme/web")
	p.tick(t, "acme/api")
	x.chinese(t, p, "Private Images, two images ticked")
	p.do(t, "open Share selected", chromedp.Click(chromedp.ID("private-share-selected")), chromedp.WaitVisible(chromedp.ID("share-with")))
	p.do(t, "add two recipients", chromedp.SendKeys(chromedp.ID("share-with"), "hooli,nosuch,"),
		chromedp.Click(chromedp.CSS(`#share-presets [data-preset="30"]`)))
	x.chinese(t, p, "Share images with several recipients")
	p.do(t, "share", chromedp.Click(chromedp.ID("share-submit")))
	p.waitFor(t, "the refusal", `document.querySelectorAll('#share-error li').length === 2`)
	x.chinese(t, p, "a refused bulk share")
	p.closeDialog(t, "share-cancel", "share-dialog")
	p.do(t, "clear the selection", chromedp.Click(chromedp.ID("private-clear-selection")))

	p.do(t, "open Namespaces", chromedp.Click(chromedp.ID("tab-namespaces")))
	p.waitFor(t, "the namespaces", `document.querySelectorAll('#namespaces-body tr').length === 2`)
	x.chinese(t, p, "Namespaces")
	p.do(t, "share acme/tools/", chromedp.Click(chromedp.CSS(`#namespaces-body tr[data-prefix="acme/tools/"] [data-action="share"]`)),
		chromedp.WaitVisible(chromedp.ID("share-with")))
	x.chinese(t, p, "Share namespace")
	p.do(t, "share it with hooli", chromedp.SendKeys(chromedp.ID("share-with"), "hooli"),
		chromedp.Click(chromedp.CSS(`#share-presets [data-preset="forever"]`)), chromedp.Click(chromedp.ID("share-submit")))
	p.waitFor(t, "the share", `!document.getElementById('share-dialog').open &&
		(document.querySelector('#namespaces-body tr[data-prefix="acme/tools/"] td:nth-child(3)') || {}).textContent === 'hooli'`)
	x.chinese(t, p, "Namespaces, one shared")
	p.do(t, "open acme/tools/", chromedp.Click(chromedp.CSS(`#namespaces-body a[href="#/image/acme/tools/"]`)))
	p.waitFor(t, "its share", `document.querySelector('#sharing-body tr[data-domain="hooli"]')`)
	x.chinese(t, p, "a namespace's Sharing page")
	p.openDialog(t, `#sharing-body tr[data-domain="hooli"] [data-action="revoke"]`, "revoke-dialog")
	x.chinese(t, p, "Revoke a namespace share")
	p.closeDialog(t, "revoke-cancel", "revoke-dialog")
}

func (x *i18nScreens) shared(t *testing.T, p *page) {
	p.login(t, "gina", x.d.users["gina"].Password)
	p.waitFor(t, "Shared Images", `location.hash === '#/shared' && document.querySelectorAll('#shared-body tr').length === 4`)
	for repo, want := range map[string]string{"acme/web": "有效", "acme/api": "3 天后过期", "acme/old": "已过期"} {
		if got := p.imageRow(t, "shared", repo)["状态"]; got != want {
			t.Errorf("%s: status %q, want %q", repo, got, want)
		}
	}
	p.waitFor(t, "acme/api's pull commands", fmt.Sprintf(`document.querySelectorAll('%s code').length === 2`, imageRowCSS("shared", "acme/api")))
	p.do(t, "choose a tag", chromedp.Click(chromedp.CSS(imageRowCSS("shared", "acme/web")+` button[data-tag="1.0"]`)))
	p.waitFor(t, "the choice announced", `document.getElementById('status').textContent !== ''`)
	x.chinese(t, p, "Shared Images")
	p.do(t, "filter", chromedp.SendKeys(chromedp.ID("shared-filter"), "zzz"))
	p.waitFor(t, "no match", `document.getElementById('shared-empty').textContent === '没有匹配的共享镜像。'`)
	x.chinese(t, p, "Shared Images without a match")
	p.goTo(t, "#/images?tab=private")
	p.waitFor(t, "the empty Private Images", `document.getElementById('private-empty').textContent === '您的租户还没有镜像。'`)
	x.chinese(t, p, "a recipient's empty Private Images")
	p.goTo(t, "#/image/acme/web")
	p.waitFor(t, "the tags", `document.querySelectorAll('#tags-body tr').length === 2 && document.getElementById('image-back').getAttribute('href') === '#/shared'`)
	x.chinese(t, p, "a shared image's tags")
	p.goTo(t, "#/image/acme/old")
	p.waitFor(t, "the refusal", `document.getElementById('tags-error').textContent !== ''`)
	x.chinese(t, p, "an image whose share has expired")
}

// groupShare shows the Sharing tab of acme/api, shared with the group
// partners, and the chip of the group in Share image.
func (x *i18nScreens) groupShare(t *testing.T, p *page) {
	p.openSharing(t, "acme/api", 2)
	if got := p.rowCells(t, `#sharing-body tr[data-domain="@partners"]`); got["租户"] != "租户组 partners2 个租户" || got["下载次数"] != "0" || got["最近拉取"] != "—" {
		t.Errorf("the group's share: %q", got)
	}
	x.chinese(t, p, "the Sharing tab with a group's share")
	p.openShareDialog(t)
	p.waitFor(t, "the group suggested", `document.querySelector('#share-groups option[value="@partners"]')`)
	p.do(t, "add the group", chromedp.SendKeys(chromedp.ID("share-with"), "@partners,"))
	p.waitFor(t, "its chip", `(document.querySelector('#share-chips li.group span') || {}).textContent === '租户组 partners（2 个租户）'`)
	x.chinese(t, p, "Share image with a group")
	p.closeDialog(t, "share-cancel", "share-dialog")
	p.openDialog(t, `#sharing-body tr[data-domain="@partners"] [data-action="revoke"]`, "revoke-dialog")
	x.chinese(t, p, "Revoke a group's share")
	p.closeDialog(t, "revoke-cancel", "revoke-dialog")
}

// webhooks shows acme's Webhooks page to its manager and every dialog of
// it: Add webhook (empty, a private address the API refuses, no event),
// the secret, the list, Edit, a disabled webhook, the deliveries of a test
// once an attempt failed (the deliverer's error is data, in English), the
// history and Delete.
func (x *i18nScreens) webhooks(t *testing.T, p *page) {
	p.goTo(t, "#/webhooks")
	p.waitFor(t, "the empty list", `document.getElementById('webhooks-empty').textContent === '该租户还没有 Webhook。添加一个即可接收其共享事件。'`)
	x.chinese(t, p, "Webhooks, none")
	p.openDialog(t, "#webhook-create-open", "webhook-dialog")
	x.chinese(t, p, "Add webhook")
	p.do(t, "submit it empty", chromedp.Click(chromedp.ID("webhook-submit")))
	p.waitFor(t, "the error", `document.getElementById('webhook-url-error').textContent === '请输入接收事件的 URL。'`)
	x.chinese(t, p, "Add webhook with an error")
	p.do(t, "a private address", chromedp.SendKeys(chromedp.ID("webhook-url"), "https://10.1.2.3/hook"), chromedp.Click(chromedp.ID("webhook-submit")))
	p.waitFor(t, "the API's refusal", `document.getElementById('webhook-url-error').textContent.startsWith('regshare 不向该地址发送')`)
	x.chinese(t, p, "Add webhook refused by the API")
	eval[string](t, p, fmt.Sprintf(`document.getElementById('webhook-url').value = %q`, hookURL))
	p.do(t, "untick every event", chromedp.Click(chromedp.ID("webhook-events-all")), chromedp.Click(chromedp.ID("webhook-submit")))
	p.waitFor(t, "the events' error", `document.getElementById('webhook-events-error').textContent === '请至少选择一项事件。'`)
	x.chinese(t, p, "Add webhook without an event")
	p.do(t, "add it", chromedp.Click(chromedp.ID("webhook-events-all")), chromedp.Click(chromedp.ID("webhook-submit")))
	p.waitFor(t, "the secret", `document.getElementById('secret-dialog').open && document.getElementById('secret-value').textContent !== ''`)
	if got := p.text(t, "#secret-title"); got != "已添加 Webhook" {
		t.Errorf("the secret dialog's title: %q", got)
	}
	x.chinese(t, p, "a new webhook's secret")
	p.closeDialog(t, "secret-done", "secret-dialog")
	p.waitFor(t, "the webhook", `document.querySelector('#webhooks-body tr[data-webhook]')`)
	row := `#webhooks-body tr[data-webhook]`
	if got := p.rowCells(t, row); got["事件"] != "全部事件" || got["状态"] != "已启用" || !strings.Contains(got["更新时间"], "由 alice 更新") {
		t.Errorf("the webhook's row: %q", got)
	}
	x.chinese(t, p, "Webhooks")
	p.openDialog(t, rowButton(row, "edit"), "webhook-dialog")
	if got := p.text(t, "#webhook-title"); got != "编辑 Webhook" {
		t.Errorf("the edit dialog's title: %q", got)
	}
	p.do(t, "untick an event", chromedp.Click(chromedp.CSS(`#webhook-events input[value="share.updated"]`)))
	x.chinese(t, p, "Edit webhook")
	p.do(t, "save", chromedp.Click(chromedp.ID("webhook-submit")))
	p.waitFor(t, "four events", `!document.getElementById('webhook-dialog').open && document.querySelectorAll('#webhooks-body tr[data-webhook] td[data-label="事件"] li').length === 4`)
	p.do(t, "disable it", chromedp.Click(chromedp.CSS(rowButton(row, "toggle"))))
	p.waitFor(t, "the note", `!document.getElementById('webhooks-disabled-note').hidden && document.getElementById('status').textContent.endsWith('已停用。')`)
	x.chinese(t, p, "Webhooks with a disabled webhook")
	p.do(t, "enable it", chromedp.Click(chromedp.CSS(rowButton(row, "toggle"))))
	p.waitFor(t, "the test enabled", `(document.querySelector('`+rowButton(row, "test")+`') || {disabled: true}).disabled === false`)
	p.openDialog(t, rowButton(row, "test"), "deliveries-dialog")
	p.waitFor(t, "the test's delivery", `document.querySelector('#deliveries-body tr.current')`)
	p.waitForAttempt(t, eval[string](t, p, `document.querySelector('#deliveries-body tr.current').dataset.event`))
	if got := p.rowCells(t, `#deliveries-body tr.current`); got["类型"] != "webhook.test" || !slices.Contains([]string{"待投递", "投递失败"}, got["状态"]) {
		t.Errorf("the test's delivery: %q", got)
	}
	x.chinese(t, p, "the deliveries of a test")
	p.closeDialog(t, "deliveries-close", "deliveries-dialog")
	p.openDialog(t, rowButton(row, "history"), "history-dialog")
	p.waitFor(t, "its four events", `document.querySelectorAll('#history-list > li').length === 4`)
	x.chinese(t, p, "a webhook's history")
	p.closeDialog(t, "history-close", "history-dialog")
	p.openDialog(t, rowButton(row, "delete"), "confirm-dialog")
	x.chinese(t, p, "Delete webhook")
	p.closeDialog(t, "confirm-cancel", "confirm-dialog")
}

// tokens shows gina's Access tokens page and its dialogs: the empty list,
// Create access token (a missing label; a push on a shared image, which
// the API refuses on the permissions), the secret, the list and Revoke.
func (x *i18nScreens) tokens(t *testing.T, p *page) {
	p.goTo(t, "#/tokens")
	p.waitFor(t, "the empty list", `document.getElementById('tokens-empty').textContent === '您还没有访问令牌。可以创建一个用于 docker 登录。'`)
	if got := p.text(t, "#nav-tokens") + " " + eval[string](t, p, `document.title`); got != "访问令牌 访问令牌 · regshare" {
		t.Errorf("the page's link and title: %q", got)
	}
	x.chinese(t, p, "Access tokens, none")
	p.openDialog(t, "#token-create-open", "token-dialog")
	x.chinese(t, p, "Create access token")
	p.do(t, "submit it empty", chromedp.Click(chromedp.ID("token-submit")))
	p.waitFor(t, "the error", `document.getElementById('token-label-error').textContent === '请输入令牌的标签。'`)
	x.chinese(t, p, "Create access token with an error")
	p.do(t, "ask for push on a shared image until a date",
		chromedp.SendKeys(chromedp.ID("token-label"), "笔记本电脑"),
		chromedp.Click(chromedp.CSS(`input[name="token-expiry"][value="date"]`)),
		chromedp.Click(chromedp.ID("token-perm-add")),
		chromedp.SendKeys(chromedp.CSS(`#token-perms .perm-repo`), "acme/web"),
		chromedp.Click(chromedp.CSS(`#token-perms input[value="push"]`)),
		chromedp.Click(chromedp.ID("token-submit")))
	p.waitFor(t, "the API's refusal", `document.getElementById('token-perms-error').textContent.startsWith('acme/web 超出了您的租户 globex 的权限')`)
	x.chinese(t, p, "Create access token refused by the API")
	p.do(t, "pull only", chromedp.Click(chromedp.CSS(`#token-perms input[value="push"]`)), chromedp.Click(chromedp.ID("token-submit")))
	p.waitFor(t, "the secret", `document.getElementById('secret-dialog').open && document.getElementById('secret-value').textContent !== ''`)
	if got := p.text(t, "#secret-title"); got != "已创建访问令牌 笔记本电脑" {
		t.Errorf("the secret dialog's title: %q", got)
	}
	x.chinese(t, p, "a new access token's secret")
	p.closeDialog(t, "secret-done", "secret-dialog")
	p.waitFor(t, "the token", `document.querySelector('#tokens-body tr[data-token]')`)
	if got := p.rowCells(t, `#tokens-body tr[data-token]`); got["标签"] != "笔记本电脑" || got["权限"] != "acme/web：拉取" {
		t.Errorf("the token's row: %q", got)
	}
	x.chinese(t, p, "Access tokens")
	p.openDialog(t, `#tokens-body button[data-action="revoke"]`, "confirm-dialog")
	x.chinese(t, p, "Revoke access token")
	p.do(t, "revoke it", chromedp.Click(chromedp.ID("confirm-submit")))
	p.waitFor(t, "the empty list again", `!document.getElementById('confirm-dialog').open && !document.querySelector('#tokens-body tr') &&
		document.getElementById('status').textContent === '访问令牌 笔记本电脑 已撤销。'`)
	x.chinese(t, p, "Access tokens, one revoked")
}

// groups shows an administrator's Groups page and its dialogs (create
// with errors, edit, history, a deletion refused while the group receives
// a share), then root's Shared Images, where acme/api comes through the
// group.
func (x *i18nScreens) groups(t *testing.T, p *page) {
	p.login(t, "root", x.d.users["root"].Password)
	if got := p.text(t, "#nav-groups"); got != "租户组" {
		t.Errorf("the navigation's Groups: %q", got)
	}
	p.goTo(t, "#/groups")
	p.waitFor(t, "the groups", `document.querySelector('#groups-body tr[data-group="partners"]')`)
	if got := p.rowCells(t, `#groups-body tr[data-group="partners"]`)["成员"]; got != "hooliops" {
		t.Errorf("the group's members: %q", got)
	}
	x.chinese(t, p, "Groups")
	p.openDialog(t, "#group-create-open", "group-dialog")
	p.do(t, "submit it empty", chromedp.Click(chromedp.ID("group-submit")))
	p.waitFor(t, "the error", `document.getElementById('group-name-error').textContent === '请输入租户组名称。'`)
	x.chinese(t, p, "Create group with an error")
	p.do(t, "an invalid name", chromedp.SendKeys(chromedp.ID("group-name"), "Bad"), chromedp.Click(chromedp.ID("group-submit")))
	p.waitFor(t, "the API's refusal", `document.getElementById('group-name-error').textContent.startsWith('名称须为')`)
	x.chinese(t, p, "Create group refused by the API")
	p.closeDialog(t, "group-cancel", "group-dialog")
	p.openDialog(t, `#groups-body tr[data-group="partners"] button[data-action="edit"]`, "group-dialog")
	x.chinese(t, p, "Edit group")
	p.closeDialog(t, "group-cancel", "group-dialog")
	p.openDialog(t, `#groups-body tr[data-group="partners"] button[data-action="history"]`, "history-dialog")
	p.waitFor(t, "its event", `document.querySelectorAll('#history-list > li').length === 1`)
	x.chinese(t, p, "a group's history")
	p.closeDialog(t, "history-close", "history-dialog")
	p.openDialog(t, `#groups-body tr[data-group="partners"] button[data-action="delete"]`, "confirm-dialog")
	p.do(t, "delete it", chromedp.Click(chromedp.ID("confirm-submit")))
	p.waitFor(t, "the refusal", `document.getElementById('confirm-submit').textContent === '撤销其 1 个共享并删除'`)
	x.chinese(t, p, "Delete group, refused while it receives a share")
	p.closeDialog(t, "confirm-cancel", "confirm-dialog")

	p.goTo(t, "#/shared")
	p.waitFor(t, "acme/api", `document.querySelector('`+imageRowCSS("shared", "acme/api")+`')`)
	if got := p.imageRow(t, "shared", "acme/api"); got["所属租户"] != "acme通过租户组 partners" || got["下载次数"] != "0" {
		t.Errorf("acme/api through the group: %q", got)
	}
	x.chinese(t, p, "Shared Images through a group")
}

// idle lets 29 minutes pass without use in a tab of its own (its clock
// is virtual from then on): the warning, then the login after the end.
func (x *i18nScreens) idle(t *testing.T, b *browser) {
	p := b.tab(t, "alice-idle")
	defer shotOnFailure(t, p)
	p.emulateLanguage(t, "zh-CN")
	p.login(t, "alice", x.d.users["alice"].Password)
	p.waitFor(t, "Private Images", `document.querySelector('#private-body tr')`)
	p.stopTime(t)
	p.passTime(t, 29*time.Minute+10*time.Second)
	if !eval[bool](t, p, `document.getElementById('idle-dialog').open && document.getElementById('idle-text').textContent !== ''`) {
		t.Fatal("no idle warning")
	}
	x.chinese(t, p, "the idle warning")
	p.passTime(t, time.Minute)
	if !eval[bool](t, p, `document.getElementById('login-dialog').open && !document.getElementById('login-expired').hidden`) {
		t.Fatal("no login dialog after the idle end")
	}
	x.chinese(t, p, "the login after the idle end")
}

// switchLanguage turns the console to English on Private Images: the
// list, the top bar, the page's title and a dialog's texts follow at
// once; then back to Chinese.
func (x *i18nScreens) switchLanguage(t *testing.T, p *page) {
	choose := func(lang string) {
		eval[bool](t, p, fmt.Sprintf(`(() => { const s = document.getElementById('lang-switch'); s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, lang))
	}
	p.goTo(t, "#/images?tab=private")
	p.waitFor(t, "Private Images", `document.querySelectorAll('#private-body tr').length === 4`)
	choose("en")
	p.waitFor(t, "the list in English", `(document.querySelector('#private-body td') || {dataset: {}}).dataset.label === 'Image'`)
	got := eval[map[string]string](t, p, `({title: document.title, head: document.querySelector('#private-table th').textContent,
		who: document.getElementById('who-text').textContent, logout: document.getElementById('logout').textContent,
		when: document.querySelector('#private-body time').textContent})`)
	want := map[string]string{"title": "My Images · regshare", "head": "Image", "who": "alice · acme (manage)", "logout": "Log out"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("after the switch %s: %q, want %q", k, got[k], v)
		}
	}
	if strings.Contains(got["when"], "年") {
		t.Errorf("after the switch a time is %q, still in Chinese", got["when"])
	}
	p.openSharing(t, "acme/web", 2)
	p.do(t, "open Revoke", chromedp.Click(chromedp.CSS(`#sharing-body tr[data-domain="ops"] [data-action="revoke"]`)))
	p.waitFor(t, "Revoke", `document.getElementById('revoke-dialog').open`)
	if got := p.text(t, "#revoke-title") + " / " + p.text(t, "#revoke-text"); !strings.HasPrefix(got, "Revoke share / Revoke the share") {
		t.Errorf("the Revoke dialog after the switch: %q", got)
	}
	p.do(t, "cancel", chromedp.Click(chromedp.ID("revoke-cancel")))
	choose("zh")
	p.waitFor(t, "the Sharing tab in Chinese", `(document.querySelector('#sharing-body td') || {dataset: {}}).dataset.label === '租户' && document.title === 'acme/web · regshare'`)
	x.chinese(t, p, "the Sharing tab, back in Chinese")
}
