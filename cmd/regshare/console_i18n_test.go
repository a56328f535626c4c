package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// emulateLanguage makes the tab's browser speak lang (navigator.languages,
// Accept-Language and Intl), as a browser set to it does. --lang does not
// reach navigator.languages in headless Chromium; this override does, and
// it lasts across reloads.
func (p *page) emulateLanguage(t *testing.T, lang string) {
	t.Helper()
	p.do(t, "speak "+lang, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		ua, err := chromedp.Evaluate[string](`navigator.userAgent`)(ctx, tg)
		if err != nil {
			return chromedp.Void{}, err
		}
		base, _, _ := strings.Cut(lang, "-")
		if _, err := cdp.Call(ctx, tg, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: ua, AcceptLanguage: lang + "," + base}); err != nil {
			return chromedp.Void{}, err
		}
		_, err = cdp.Call(ctx, tg, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: lang})
		return chromedp.Void{}, err
	})
}

// englishOn lists the Latin words left in what the user sees and hears of
// the page (its top bar, skip link, main view, open dialogs and status
// line): text nodes shown (screen-reader-only text included) and the
// aria-label, title, placeholder and data-label of elements shown, with
// the page's title. Code and times are data (names, commands, dates), and
// so are words in allowed and what is marked as in another language (the
// switch's "English", the API's own message); a word joined to others by
// '/', '$', '+', '.', '-' or digits (acme/web, robot$globex+ci) is a name.
func (p *page) englishOn(t *testing.T, allowed []string) []string {
	t.Helper()
	b, _ := json.Marshal(allowed)
	return eval[[]string](t, p, fmt.Sprintf(`(() => {
		const allowed = new Set(%s);
		const words = (s) => s.split(/[^A-Za-z0-9$+\/@:._'-]+/)
			.map((w) => w.replace(/^[.:,'_-]+|[.:,'_-]+$/g, ''))
			.filter((w) => /^[A-Za-z]{2,}$/.test(w) && !allowed.has(w.toLowerCase()));
		// A select's options are shown with it; a datalist's are suggestions of data.
		const shown = (e) => (e.tagName === 'OPTION' ? Boolean(e.closest('select')) && shown(e.closest('select')) : e.checkVisibility());
		const page = document.documentElement.lang.split('-')[0];
		const foreign = (e) => { const l = e.closest('[lang]'); return l !== document.documentElement && !l.lang.startsWith(page); };
		const data = (e) => e.closest('code, time') || foreign(e);
		const bad = words(document.title).map((w) => w + ' in the title "' + document.title + '"');
		const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n = walk.nextNode(); n; n = walk.nextNode()) {
			const e = n.parentElement;
			if (!shown(e) || data(e)) continue;
			for (const w of words(n.data)) bad.push(w + ' in "' + n.data.trim().slice(0, 100) + '"');
		}
		for (const e of document.body.querySelectorAll('*')) {
			if (!shown(e) || data(e)) continue;
			for (const a of ['aria-label', 'title', 'placeholder', 'data-label']) {
				const v = e.getAttribute(a);
				for (const w of v ? words(v) : []) bad.push(w + ' in ' + a + '="' + v + '"');
			}
		}
		return [...new Set(bad)];
	})()`, b))
}

// TestConsoleI18n drives the account pages in headless Chromium set to
// Chinese: the console speaks Chinese from the browser's language on the
// Users, Robot accounts and Domains pages and in all their dialogs, its
// header switch turns it to English, and the choice outlives a reload.
func TestConsoleI18n(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry and a browser")
	}
	exe := chromium(t)
	d := startDev(t)
	d.push(t, "alice", "acme/web:1.0", time.Date(2026, 5, 4, 10, 30, 0, 0, time.UTC))
	for _, c := range []struct{ path, body string }{
		{"/v2/manage/domains", `{"name":"initech","namespaces":["initech"]}`},
		{"/v2/manage/domains/globex/robots", `{"name":"nightly","description":"","permissions":[{"repository":"globex/","actions":["pull","push"]}],"expires_in":"3d"}`},
		{"/v2/manage/domains/globex/robots/nightly/rotate", `{"grace":"2h"}`},
	} {
		if status, body := d.call(t, "root", "POST", c.path, c.body); status/100 != 2 {
			t.Fatalf("POST %s: %d %s", c.path, status, body)
		}
	}
	d.share(t, "alice", "acme", "web", "initech")
	b := newBrowser(t, exe, d.info.API)
	allowed := chineseLatin(consoleStrings(t))
	for _, u := range d.info.Users {
		allowed = append(allowed, u.Name, u.Domain)
	}
	allowed = append(allowed, "initech", "nightly", "gwen")

	root := b.tab(t, "root")
	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, func(t *testing.T) {
			defer shotOnFailure(t, root)
			f(t)
		}) {
			t.FailNow()
		}
	}
	chinese := func(t *testing.T, where string) {
		t.Helper()
		if left := root.englishOn(t, allowed); len(left) > 0 {
			t.Errorf("%s in Chinese shows English:\n%s", where, strings.Join(left, "\n"))
		}
		if bad := root.badTimesOn(t); len(bad) > 0 {
			t.Errorf("%s shows times that are not local with UTC on hover:\n%s", where, strings.Join(bad, "\n"))
		}
	}
	open := func(t *testing.T, what, button, dialog string) {
		t.Helper()
		root.do(t, "open "+what, chromedp.Click(chromedp.CSS(button)))
		root.waitFor(t, what, fmt.Sprintf(`document.getElementById(%q).open`, dialog))
	}
	closeDialog := func(t *testing.T, dialog, cancel string) {
		t.Helper()
		root.do(t, "cancel", chromedp.Click(chromedp.ID(cancel)))
		root.waitFor(t, "the dialog to close", fmt.Sprintf(`!document.getElementById(%q).open`, dialog))
	}

	step("1 the browser's Chinese is the console's", func(t *testing.T) {
		root.emulateLanguage(t, "zh-CN")
		root.login(t, "root", d.users["root"].Password)
		got := eval[map[string]string](t, root, `(() => { const s = document.getElementById('lang-switch') || {options: [], getAttribute: () => ''};
			return {lang: document.documentElement.lang, choice: s.value || '', name: s.getAttribute('aria-label'),
			options: [...s.options].map((o) => o.value + '=' + o.textContent).join(' '),
			nav: ['nav-users', 'nav-robots', 'nav-domains', 'password-open'].map((id) => document.getElementById(id).textContent).join(' ')}; })()`)
		want := map[string]string{"lang": "zh-CN", "choice": "zh", "name": "语言", "options": "en=English zh=中文", "nav": "用户 机器人账号 租户 修改密码"}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %q, want %q (all: %q)", k, got[k], v, got)
			}
		}
		root.checkLabels(t, "the header with the language switch")
		root.narrow(t, func() { root.checkFits(t, "the header with the language switch at 400 px") })
	})

	step("2 Users and their dialogs", func(t *testing.T) {
		root.goTo(t, "#/users")
		root.waitFor(t, "the users of ops", `document.querySelector('#users-body tr[data-user="root"]')`)
		if got := root.rowCells(t, `#users-body tr[data-user="root"]`); got["角色"] != "管理" || !strings.Contains(got["名称"], "当前用户") || got["管理方式"] != "配置文件" {
			t.Errorf("root's row: %q, want role 管理, 当前用户 and 配置文件", got)
		}
		chinese(t, "Users")

		root.goTo(t, "#/users/globex")
		root.waitFor(t, "the users of globex", `document.querySelector('#users-body tr[data-user="gus"]') && !document.getElementById('users-crumbs').hidden`)
		open(t, "Create user", "#user-create-open", "user-dialog")
		root.do(t, "submit without a name", chromedp.Click(chromedp.ID("user-submit")))
		if got := root.text(t, "#user-name-error"); got != "请输入用户名。" {
			t.Errorf("the missing name: %q", got)
		}
		chinese(t, "Create user with an error")
		// The API's refusal, by its code, in Chinese.
		root.do(t, "create gus again", chromedp.SendKeys(chromedp.ID("user-name"), "gus"+kb.Enter))
		root.waitFor(t, "the refusal", `document.getElementById('user-name-error').textContent === 'gus 已存在。'`)
		eval[string](t, root, `document.getElementById('user-name').value = ''`)
		root.do(t, "create gwen", chromedp.SendKeys(chromedp.ID("user-name"), "gwen"+kb.Enter))
		root.waitFor(t, "the password", `document.getElementById('secret-dialog').open && document.getElementById('secret-value').textContent !== ''`)
		if got := root.text(t, "#secret-title"); got != "已创建用户 gwen" {
			t.Errorf("the secret dialog's title: %q", got)
		}
		chinese(t, "the new password")
		root.do(t, "done", chromedp.Click(chromedp.ID("secret-done")))
		root.waitFor(t, "gwen in the list", `!document.getElementById('secret-dialog').open && document.querySelector('#users-body tr[data-user="gwen"]')`)
		if got := root.rowCells(t, `#users-body tr[data-user="gwen"]`); got["管理方式"] != "控制台和 API" || got["状态"] != "已启用" || got["角色"] != "只读" {
			t.Errorf("gwen's row: %q", got)
		}
		chinese(t, "Users of globex")

		open(t, "Change role", `#users-body tr[data-user="gwen"] button[data-action="role"]`, "role-dialog")
		chinese(t, "Change role")
		closeDialog(t, "role-dialog", "role-cancel")
		open(t, "Reset password", `#users-body tr[data-user="gwen"] button[data-action="reset"]`, "confirm-dialog")
		chinese(t, "Reset password")
		closeDialog(t, "confirm-dialog", "confirm-cancel")
		root.do(t, "disable gwen", chromedp.Click(chromedp.CSS(`#users-body tr[data-user="gwen"] button[data-action="toggle"]`)))
		root.waitFor(t, "gwen disabled", `(document.querySelector('#users-body tr[data-user="gwen"] td[data-label="状态"]') || {}).textContent === '已停用' && document.getElementById('status').textContent !== ''`)
		chinese(t, "Users with gwen disabled")

		// root is declared in the configuration file: the dialog says so.
		open(t, "Change password", "#password-open", "password-dialog")
		if !root.visible(t, "password-static")["password-static"] {
			t.Error("Change password: no note that root's password is in the configuration file")
		}
		chinese(t, "Change password")
		closeDialog(t, "password-dialog", "password-cancel")
	})

	step("3 Robot accounts and their dialogs", func(t *testing.T) {
		root.goTo(t, "#/robots/globex")
		root.waitFor(t, "nightly", `document.querySelector('#robots-body tr[data-robot="nightly"]')`)
		got := root.rowCells(t, `#robots-body tr[data-robot="nightly"]`)
		for k, v := range map[string]string{"权限": "globex/：拉取、推送", "过期时间": "即将过期", "状态": "旧密钥有效期至", "最近使用": "从未使用"} {
			if !strings.Contains(got[k], v) {
				t.Errorf("nightly's %s: %q, want %q (row %q)", k, got[k], v, got)
			}
		}
		chinese(t, "Robot accounts")

		open(t, "Create robot account", "#robot-create-open", "robot-dialog")
		if got := root.text(t, "#robot-days-hint"); got != "最长 90 天，即租户 globex 允许的最长有效期。" {
			t.Errorf("the expiry's hint: %q", got)
		}
		root.do(t, "add a permission and submit a bad name",
			chromedp.Click(chromedp.ID("robot-perm-add")),
			chromedp.SendKeys(chromedp.ID("robot-name"), "Bad Name"),
			chromedp.Click(chromedp.ID("robot-submit")))
		root.waitFor(t, "the errors", `document.getElementById('robot-name-error').textContent !== '' && document.getElementById('robot-perms-error').textContent !== ''`)
		chinese(t, "Create robot account with errors")
		closeDialog(t, "robot-dialog", "robot-cancel")

		open(t, "Rotate secret", `#robots-body tr[data-robot="nightly"] button[data-action="rotate"]`, "rotate-dialog")
		root.do(t, "submit a grace too long", chromedp.SendKeys(chromedp.ID("rotate-grace"), "999"+kb.Enter))
		root.waitFor(t, "the error", `document.getElementById('rotate-grace-error').textContent !== ''`)
		chinese(t, "Rotate secret with an error")
		closeDialog(t, "rotate-dialog", "rotate-cancel")
		open(t, "Delete robot account", `#robots-body tr[data-robot="nightly"] button[data-action="delete"]`, "confirm-dialog")
		chinese(t, "Delete robot account")
		closeDialog(t, "confirm-dialog", "confirm-cancel")
	})

	step("4 Domains and their dialogs", func(t *testing.T) {
		root.goTo(t, "#/domains")
		root.waitFor(t, "initech", `document.querySelector('#domains-body tr[data-domain="initech"]')`)
		if got := root.rowCells(t, `#domains-body tr[data-domain="initech"]`); got["机器人账号有效期"] != "90 天" || got["管理方式"] != "控制台和 API" {
			t.Errorf("initech's row: %q", got)
		}
		chinese(t, "Domains")

		open(t, "Create domain", "#domain-create-open", "domain-dialog")
		root.do(t, "submit it empty", chromedp.Click(chromedp.ID("domain-submit")))
		root.waitFor(t, "the error", `document.getElementById('domain-name-error').textContent !== ''`)
		chinese(t, "Create domain with an error")
		closeDialog(t, "domain-dialog", "domain-cancel")
		open(t, "Edit domain", `#domains-body tr[data-domain="initech"] button[data-action="edit"]`, "domain-dialog")
		if got := root.text(t, "#domain-title"); got != "编辑租户 initech" {
			t.Errorf("the edit dialog's title: %q", got)
		}
		chinese(t, "Edit domain")
		closeDialog(t, "domain-dialog", "domain-cancel")

		open(t, "Delete domain", `#domains-body tr[data-domain="initech"] button[data-action="delete"]`, "confirm-dialog")
		root.do(t, "confirm", chromedp.Click(chromedp.ID("confirm-submit")))
		root.waitFor(t, "the refusal naming the share", `document.getElementById('confirm-submit').textContent === '删除并撤销 1 个共享'`)
		if got := root.text(t, "#confirm-list"); got != "acme/web 共享给 initech" {
			t.Errorf("the shares named: %q", got)
		}
		chinese(t, "Delete domain with shares")
		closeDialog(t, "confirm-dialog", "confirm-cancel")
	})

	step("5 the switch turns the console to English, for good", func(t *testing.T) {
		english := func(t *testing.T, when string) {
			t.Helper()
			root.waitFor(t, "initech", `document.querySelector('#domains-body tr[data-domain="initech"]')`)
			got := eval[map[string]string](t, root, `({lang: document.documentElement.lang, choice: document.getElementById('lang-switch').value,
				title: document.getElementById('domains-title').textContent, head: document.querySelector('#domains-table th').textContent,
				create: document.getElementById('domain-create-open').textContent, nav: document.getElementById('nav-robots').textContent,
				doc: document.title})`)
			want := map[string]string{"lang": "en", "choice": "en", "title": "Domains", "head": "Name", "create": "Create domain", "nav": "Robot accounts", "doc": "Domains · regshare"}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s: %s %q, want %q", when, k, got[k], v)
				}
			}
			if got := root.rowCells(t, `#domains-body tr[data-domain="initech"]`); got["Robot lifetime"] != "90 days" || got["Managed in"] != "Console and API" {
				t.Errorf("%s: initech's row: %q", when, got)
			}
		}
		root.do(t, "choose English", chromedp.Focus(chromedp.ID("lang-switch")))
		eval[bool](t, root, `(() => { const s = document.getElementById('lang-switch'); s.value = 'en'; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
		english(t, "after the switch")
		if got := eval[string](t, root, `document.activeElement.id`); got != "lang-switch" {
			t.Errorf("focus after the switch: %q, want it to stay on lang-switch", got)
		}
		root.do(t, "reload", chromedp.Reload())
		english(t, "after a reload")
		if got := eval[string](t, root, `navigator.languages[0]`); got != "zh-CN" {
			t.Errorf("the browser's language: %q, want zh-CN still", got)
		}
	})
}
