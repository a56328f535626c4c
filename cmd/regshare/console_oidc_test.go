package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ssoLogin starts at the console's page at hash, clicks "Log in with Corp
// SSO" in the login dialog and logs in as user at the real provider's
// form, which sends the tab back to the console.
func (p *page) ssoLogin(t *testing.T, base, hash, user string) {
	t.Helper()
	p.do(t, "load the console", chromedp.Navigate(base+"/"+hash))
	p.waitFor(t, "the login dialog's button", `document.getElementById('login-dialog').open &&
		document.querySelector('#login-sso-buttons button[data-provider="corp"]')`)
	p.do(t, "log in with Corp SSO", chromedp.Click(chromedp.CSS(`#login-sso-buttons button[data-provider="corp"]`)))
	p.do(t, "log in at the provider as "+user,
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), user),
		chromedp.SendKeys(chromedp.ID("password"), oidcPass),
		chromedp.Click(chromedp.ID("login")))
	p.waitAcross(t, "the console again", `location.origin === `+jsString(base)+` && document.readyState === 'complete' && !location.hash.includes('oidc=')`)
}

func jsString(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// waitAcross is waitFor through the navigations of a login (to the
// provider and back), during which the tab has no page to ask.
func (p *page) waitAcross(t *testing.T, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(actionTimeout)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(p.ctx, time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	shown, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`location.href + ' | ' + document.body.innerText.slice(0, 600)`))
	t.Fatalf("%s: wait for %s: timed out; the tab shows %q", p.name, what, shown)
}

// TestConsoleOIDC drives the console's login through a real OpenID
// provider in headless Chromium: a manage user of acme lands logged in
// and sees Share Image, a read user lands back on the page they started
// from without it, the token is in no URL, and a person whose groups no
// rule maps is refused with a message that names them, in English and
// in Chinese. The dialog with its buttons, and with a refusal, passes the
// accessibility checks of every look.
func TestConsoleOIDC(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry and a browser")
	}
	exe := chromium(t)
	o := newOIDCE2E(t)
	if _, err := o.push("walt", "acme/web:1.0"); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, exe, o.server)
	step := func(name string, p *page, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, func(t *testing.T) {
			defer shotOnFailure(t, p)
			f(t)
		}) {
			t.FailNow()
		}
	}

	ann := b.tab(t, "ann")
	step("a manage user logs in and may share", ann, func(t *testing.T) {
		o.t = t
		ann.do(t, "load the console", chromedp.Navigate(o.server+"/"))
		ann.waitFor(t, "the button", `document.querySelector('#login-sso-buttons button')`)
		if got := ann.text(t, "#login-sso-buttons"); got != "Log in with Corp SSO" {
			t.Errorf("the login dialog's button says %q", got)
		}
		ann.checkLabels(t, "the login dialog")
		ann.checkScreen(t, "the login dialog with single sign-on")
		ann.ssoLogin(t, o.server, "", "ann")
		ann.waitFor(t, "ann logged in", `!document.getElementById('login-dialog').open && !document.getElementById('who').hidden`)
		if got := ann.text(t, "#who-text"); got != "ann · acme (manage)" {
			t.Errorf("top bar: %q", got)
		}
		if href := eval[string](t, ann, `location.href`); strings.Contains(href, "oidc") || strings.Contains(href, "token") {
			t.Errorf("the URL after the login is %s", href)
		}
		ann.goTo(t, "#/image/acme/web?tab=sharing")
		ann.waitFor(t, "Share Image", `!document.getElementById('share-open').hidden && document.getElementById('sharing-readonly').hidden`)
	})

	rob := b.tab(t, "rob")
	step("a read user lands where they started, and may not share", rob, func(t *testing.T) {
		o.t = t
		rob.ssoLogin(t, o.server, "#/image/acme/web?tab=sharing", "rob")
		rob.waitFor(t, "rob logged in", `!document.getElementById('login-dialog').open && document.getElementById('who-text').textContent === 'rob · acme (read)'`)
		if got := eval[string](t, rob, `location.hash`); got != "#/image/acme/web?tab=sharing" {
			t.Errorf("rob landed on %q", got)
		}
		rob.waitFor(t, "the read-only note", `!document.getElementById('sharing-readonly').hidden && document.getElementById('share-open').hidden`)
	})

	nora := b.tab(t, "nora")
	step("a person no rule maps is refused, by name", nora, func(t *testing.T) {
		o.t = t
		nora.ssoLogin(t, o.server, "", "nora")
		nora.waitFor(t, "the refusal", `document.getElementById('login-dialog').open && document.getElementById('login-sso-error').textContent !== ''`)
		want := "nora: none of your groups gives access to a domain here. Ask your administrator to map one of them."
		if got := nora.text(t, "#login-sso-error"); got != want {
			t.Errorf("the refusal says %q, want %q", got, want)
		}
		nora.checkScreen(t, "the login dialog with a refusal")
		if eval[bool](t, nora, `Boolean(sessionStorage.getItem('regshare.session'))`) {
			t.Error("a refused login left a session")
		}
	})

	zh := b.tab(t, "nora-zh")
	step("the refusal in Chinese", zh, func(t *testing.T) {
		o.t = t
		zh.emulateLanguage(t, "zh-CN")
		zh.ssoLogin(t, o.server, "", "nora")
		zh.waitFor(t, "the refusal", `document.getElementById('login-sso-error').textContent !== ''`)
		if got, want := zh.text(t, "#login-sso-error"), "nora：您所在的组都没有此处任何租户的访问权限。请联系管理员为其中一个组配置映射。"; got != want {
			t.Errorf("the refusal in Chinese says %q, want %q", got, want)
		}
		if got := zh.text(t, "#login-sso-buttons"); got != "使用 Corp SSO 登录" {
			t.Errorf("the button in Chinese says %q", got)
		}
	})
}
