package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// call sends an API request as user (Basic, with the dev password) and
// returns the status and body.
func (d *devSystem) call(t *testing.T, user, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, d.info.API+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, d.users[user].Password)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// share shares repository ns/repo with domain, permanently, as user.
func (d *devSystem) share(t *testing.T, user, ns, repo, domain string) {
	t.Helper()
	body := fmt.Sprintf(`{"access_domain":%q,"permit":"read","deadline":"forever","description":"test"}`, domain)
	if status, b := d.call(t, user, "POST", "/v2/manage/namespaces/"+ns+"/repositories/"+repo+"/access-domains", body); status != 201 {
		t.Fatalf("share %s/%s with %s: %d %s", ns, repo, domain, status, b)
	}
}

// registryToken asks the token endpoint for scope as login:secret, as
// docker does, and returns the status and the access the token grants.
func (d *devSystem) registryToken(t *testing.T, login, secret, scope string) (int, []tokenAccess) {
	t.Helper()
	req, _ := http.NewRequest("GET", d.info.TokenURL+"?"+url.Values{"service": {devService}, "scope": {scope}}.Encode(), nil)
	req.SetBasicAuth(login, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return resp.StatusCode, nil
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("token answer: %v", err)
	}
	parts := strings.Split(out.Token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", out.Token)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("token payload: %v", err)
	}
	var claims struct {
		Access []tokenAccess `json:"access"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatalf("token claims: %v", err)
	}
	return resp.StatusCode, claims.Access
}

type tokenAccess struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// visible reports which of the elements (by id) are shown.
func (p *page) visible(t *testing.T, ids ...string) map[string]bool {
	t.Helper()
	b, _ := json.Marshal(ids)
	return eval[map[string]bool](t, p, fmt.Sprintf(`Object.fromEntries(%s.map((id) => [id, !document.getElementById(id).hidden]))`, b))
}

// rowCells maps a table row's cells by their labels to their text.
func (p *page) rowCells(t *testing.T, row string) map[string]string {
	t.Helper()
	return eval[map[string]string](t, p, fmt.Sprintf(`Object.fromEntries([...document.querySelectorAll(%q)].map((td) => [td.dataset.label, td.textContent]))`, row+" td"))
}

// fitsWide checks that the page fits at 1280 px and at 400 px.
func (p *page) fitsWide(t *testing.T, where string) {
	t.Helper()
	p.checkFits(t, where+" at 1280 px")
	p.narrow(t, func() { p.checkFits(t, where+" at 400 px") })
}

// TestConsoleAccounts drives the account pages in headless Chromium
// against `regshare dev`: a manager's robot account (its secret, shown
// once, logs in at the token endpoint; rotation, disabling, deletion) and
// users (creation, login, own password, role, reset, deletion), a read
// user's navigation, and an administrator's domains.
func TestConsoleAccounts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry and a browser")
	}
	exe := chromium(t)
	d := startDev(t)
	d.push(t, "alice", "acme/web:1.0", time.Date(2026, 5, 4, 10, 30, 0, 0, time.UTC))
	d.share(t, "alice", "acme", "web", "globex")
	b := newBrowser(t, exe, d.info.API)

	step := steps(t)

	const xss = `<img src=x onerror=alert(1)>`
	const login = "robot$globex+ci"
	gus := b.tab(t, "gus")
	var secret string
	step("1 a manager creates a robot account; its secret works once shown", []*page{gus}, func(t *testing.T) {
		gus.login(t, "gus", d.users["gus"].Password)
		if got := gus.visible(t, "nav-users", "nav-robots", "nav-domains"); !got["nav-users"] || !got["nav-robots"] || got["nav-domains"] {
			t.Errorf("a manage user's navigation: %v, want Users and Robot accounts, not Domains", got)
		}
		gus.do(t, "open Robot accounts", chromedp.Click(chromedp.ID("nav-robots")))
		gus.waitFor(t, "the empty list", `document.getElementById('robots-empty').textContent.includes('no robot accounts')`)
		if got := eval[string](t, gus, `document.activeElement.id`); got != "robots-title" {
			t.Errorf("focus after opening the page: %q, want robots-title", got)
		}
		gus.checkLabels(t, "Robot accounts")
		eval[bool](t, gus, `(() => { window.alerted = false; window.alert = () => { window.alerted = true; }; return true; })()`)

		gus.do(t, "open the dialog with the keyboard",
			chromedp.Focus(chromedp.ID("robot-create-open")),
			chromedp.KeyEvent(kb.Enter),
			chromedp.WaitVisible(chromedp.ID("robot-name")))
		if got := eval[string](t, gus, `document.activeElement.id`); got != "robot-name" {
			t.Errorf("focus in the open dialog: %q, want robot-name", got)
		}
		if got := eval[[]string](t, gus, `[document.getElementById('robot-days').max, document.getElementById('robot-days-hint').textContent]`); got[0] != "90" || !strings.Contains(got[1], "90 days") {
			t.Errorf("expiry bound %q, want 90 days, globex's default", got)
		}
		gus.do(t, "fill the dialog",
			chromedp.SendKeys(chromedp.ID("robot-name"), "ci"),
			chromedp.Focus(chromedp.ID("robot-description")),
			insertText(xss),
			chromedp.SendKeys(chromedp.CSS(`#robot-perms .perm-repo`), "acme/web"))
		if got := gus.text(t, "#robot-login-preview"); got != login {
			t.Errorf("login preview %q, want %q", got, login)
		}
		gus.checkLabels(t, "Create robot account dialog")
		gus.narrow(t, func() { gus.checkFits(t, "Create robot account dialog at 400 px") })
		gus.do(t, "submit", chromedp.Click(chromedp.ID("robot-submit")))
		gus.waitFor(t, "the secret", `document.getElementById('secret-dialog').open && document.getElementById('secret-value').textContent !== ''`)
		if got := eval[string](t, gus, `document.activeElement.id`); got != "secret-copy" {
			t.Errorf("focus on the secret: %q, want secret-copy", got)
		}
		secret = gus.text(t, "#secret-value")
		want := "docker login -u '" + login + "' --password-stdin " + d.info.Registry
		if got := gus.text(t, "#secret-login"); got != want {
			t.Errorf("docker login command %q, want %q", got, want)
		}
		gus.do(t, "copy the secret", chromedp.Click(chromedp.ID("secret-copy")))
		gus.waitFor(t, "the copy to be announced", `document.getElementById('status').textContent !== ''`)
		if got := gus.text(t, "#status"); strings.Contains(got, secret) {
			t.Errorf("the status line shows the secret: %q", got)
		}

		// The secret logs in at the token endpoint, as docker login would.
		status, access := d.registryToken(t, login, secret, "repository:acme/web:pull")
		if status != 200 || !slices.ContainsFunc(access, func(a tokenAccess) bool {
			return a.Type == "repository" && a.Name == "acme/web" && slices.Contains(a.Actions, "pull")
		}) {
			t.Errorf("token for %s: %d %+v, want pull of acme/web", login, status, access)
		}

		gus.do(t, "close the secret", chromedp.Click(chromedp.ID("secret-done")))
		gus.waitFor(t, "the robot in the list", `!document.getElementById('secret-dialog').open && document.querySelector('#robots-body tr[data-robot="ci"]')`)
		row := gus.rowCells(t, `#robots-body tr[data-robot="ci"]`)
		for k, v := range map[string]string{"Login name": login, "Description": xss, "Permissions": "acme/web: pull", "Status": "Enabled", "Last used": "Never"} {
			if !strings.Contains(row[k], v) {
				t.Errorf("robot row %s: %q, want %q (row %q)", k, row[k], v, row)
			}
		}
		if !strings.Contains(row["Expires"], time.Now().UTC().AddDate(0, 0, 30).Format(shownDate)) {
			t.Errorf("robot row Expires: %q, want in 30 days, in local time", row["Expires"])
		}
		if got := eval[map[string]bool](t, gus, `({img: document.querySelector('#robots-body img, #main img') !== null, alerted: window.alerted})`); got["img"] || got["alerted"] {
			t.Errorf("the description was parsed as HTML: %v", got)
		}
		if eval[bool](t, gus, fmt.Sprintf(`document.documentElement.outerHTML.includes(%q)`, secret)) {
			t.Error("the secret is still in the page after its dialog closed")
		}
		gus.checkLabels(t, "Robot accounts with a robot")
		gus.fitsWide(t, "Robot accounts")

		gus.do(t, "reload", chromedp.Reload())
		gus.waitFor(t, "the robot after the reload", `document.querySelector('#robots-body tr[data-robot="ci"]')`)
		if got := eval[bool](t, gus, fmt.Sprintf(`[document.documentElement.outerHTML, JSON.stringify(sessionStorage), JSON.stringify(localStorage)].some((s) => s.includes(%q))`, secret)); got {
			t.Error("after the reload the secret is in the page or the tab's storage")
		}
	})

	step("2 rotating keeps the old secret for its grace; disabling ends both", []*page{gus}, func(t *testing.T) {
		gus.do(t, "rotate",
			chromedp.Click(chromedp.CSS(`#robots-body tr[data-robot="ci"] button[data-action="rotate"]`)),
			chromedp.WaitVisible(chromedp.ID("rotate-grace")))
		gus.checkLabels(t, "Rotate dialog")
		gus.do(t, "give an hour of grace", chromedp.SendKeys(chromedp.ID("rotate-grace"), "1"+kb.Enter))
		gus.waitFor(t, "the new secret", `document.getElementById('secret-dialog').open && document.getElementById('secret-value').textContent !== ''`)
		fresh := gus.text(t, "#secret-value")
		if fresh == secret || !strings.Contains(gus.text(t, "#secret-login"), login) {
			t.Errorf("rotation showed secret %q with %q, want a new one and the docker login", fresh, gus.text(t, "#secret-login"))
		}
		gus.do(t, "close the secret", chromedp.Click(chromedp.ID("secret-done")))
		gus.waitFor(t, "the grace in the row", `(document.querySelector('#robots-body tr[data-robot="ci"] td[data-label="Status"]') || {textContent: ''}).textContent.includes('Old secret valid until')`)
		if got := eval[string](t, gus, `document.activeElement.getAttribute('data-action')`); got != "rotate" {
			t.Errorf("focus after the secret closed: %q, want the row's Rotate secret", got)
		}
		for _, s := range []string{secret, fresh} {
			if status, _ := d.registryToken(t, login, s, "repository:acme/web:pull"); status != 200 {
				t.Errorf("token with a secret in the grace: %d, want 200", status)
			}
		}
		gus.do(t, "disable", chromedp.Click(chromedp.CSS(`#robots-body tr[data-robot="ci"] button[data-action="toggle"]`)))
		gus.waitFor(t, "Disabled", `(document.querySelector('#robots-body tr[data-robot="ci"] td[data-label="Status"]') || {textContent: ''}).textContent.startsWith('Disabled')`)
		if status, _ := d.registryToken(t, login, fresh, "repository:acme/web:pull"); status != 401 {
			t.Errorf("token for the disabled robot: %d, want 401", status)
		}
		gus.do(t, "enable", chromedp.Click(chromedp.CSS(`#robots-body tr[data-robot="ci"] button[data-action="toggle"]`)))
		gus.waitFor(t, "Enabled", `(document.querySelector('#robots-body tr[data-robot="ci"] td[data-label="Status"]') || {textContent: ''}).textContent.startsWith('Enabled')`)
		if status, _ := d.registryToken(t, login, fresh, "repository:acme/web:pull"); status != 200 {
			t.Errorf("token for the enabled robot: %d, want 200", status)
		}
		secret = fresh
	})

	step("3 deleting the robot account ends its secret", []*page{gus}, func(t *testing.T) {
		gus.do(t, "delete",
			chromedp.Click(chromedp.CSS(`#robots-body tr[data-robot="ci"] button[data-action="delete"]`)),
			chromedp.WaitVisible(chromedp.ID("confirm-submit")))
		if got := eval[string](t, gus, `document.activeElement.id`); got != "confirm-cancel" {
			t.Errorf("focus in the confirm dialog: %q, want confirm-cancel", got)
		}
		gus.do(t, "confirm", chromedp.Click(chromedp.ID("confirm-submit")))
		gus.waitFor(t, "the empty list", `!document.querySelector('#robots-body tr') && !document.getElementById('robots-empty').hidden`)
		if status, _ := d.registryToken(t, login, secret, "repository:acme/web:pull"); status != 401 {
			t.Errorf("token for the deleted robot: %d, want 401", status)
		}
	})

	gwen := b.tab(t, "gwen")
	step("4 a manager creates a user, who logs in and changes their password", []*page{gus, gwen}, func(t *testing.T) {
		gus.do(t, "open Users", chromedp.Click(chromedp.ID("nav-users")))
		gus.waitFor(t, "the users", `document.querySelector('#users-body tr[data-user="gina"]')`)
		gina := gus.rowCells(t, `#users-body tr[data-user="gina"]`)
		if gina["Role"] != "read" || gina["Managed in"] != "Config file" || gina["Status"] != "Enabled" {
			t.Errorf("gina's row: %q, want read, Config file, Enabled", gina)
		}
		if got := eval[[]bool](t, gus, `[...document.querySelectorAll('#users-body tr[data-user="gina"] button')].map((b) => b.disabled)`); len(got) != 4 || slices.Contains(got, false) {
			t.Errorf("gina's (config-file) buttons disabled: %v, want all 4", got)
		}
		if !gus.visible(t, "users-static-note")["users-static-note"] {
			t.Error("no note explains the config-file users")
		}
		gus.checkLabels(t, "Users")
		gus.fitsWide(t, "Users")

		gus.do(t, "open Create user", chromedp.Click(chromedp.ID("user-create-open")), chromedp.WaitVisible(chromedp.ID("user-name")))
		gus.do(t, "fill and submit with Enter",
			chromedp.SetValue(chromedp.ID("user-role"), "write"),
			chromedp.SendKeys(chromedp.ID("user-name"), "gwen"+kb.Enter))
		gus.waitFor(t, "the password", `document.getElementById('secret-dialog').open && document.getElementById('secret-value').textContent !== ''`)
		password := gus.text(t, "#secret-value")
		if gus.visible(t, "secret-login-block")["secret-login-block"] {
			t.Error("a user's password is shown with a docker login command for robots")
		}
		gus.do(t, "close the password", chromedp.Click(chromedp.ID("secret-done")))
		gus.waitFor(t, "gwen in the list", `!document.getElementById('secret-dialog').open && document.querySelector('#users-body tr[data-user="gwen"]')`)
		if row := gus.rowCells(t, `#users-body tr[data-user="gwen"]`); row["Role"] != "write" || row["Managed in"] != "Console and API" {
			t.Errorf("gwen's row: %q", row)
		}

		gwen.login(t, "gwen", password)
		if got := gwen.text(t, "#who-text"); !strings.HasPrefix(got, "gwen · globex (write") {
			t.Errorf("gwen logged in as %q", got)
		}
		if got := gwen.visible(t, "nav-users", "nav-robots", "nav-domains"); got["nav-users"] || got["nav-robots"] || got["nav-domains"] {
			t.Errorf("a write user's navigation: %v, want none of the account pages", got)
		}

		next := "gwen-" + password
		gwen.do(t, "open Change password", chromedp.Click(chromedp.ID("password-open")), chromedp.WaitVisible(chromedp.ID("password-current")))
		gwen.checkLabels(t, "Change password")
		gwen.do(t, "fill and submit",
			chromedp.SendKeys(chromedp.ID("password-current"), password),
			chromedp.SendKeys(chromedp.ID("password-new"), next),
			chromedp.SendKeys(chromedp.ID("password-repeat"), next+kb.Enter))
		gwen.waitFor(t, "the login dialog", `document.getElementById('login-dialog').open && document.getElementById('login-expired').textContent.includes('password was changed')`)
		gwen.do(t, "log in with the new password", chromedp.SendKeys(chromedp.ID("login-password"), next+kb.Enter))
		gwen.waitFor(t, "the console again", `!document.getElementById('login-dialog').open`)
		if status, _ := d.registryToken(t, "gwen", password, "repository:globex/app:pull"); status != 401 {
			t.Errorf("gwen's old password at the token endpoint: %d, want 401", status)
		}

		gus.do(t, "make gwen a read user",
			chromedp.Click(chromedp.CSS(`#users-body tr[data-user="gwen"] button[data-action="role"]`)),
			chromedp.WaitVisible(chromedp.ID("role-select")),
			chromedp.SetValue(chromedp.ID("role-select"), "read"),
			chromedp.Click(chromedp.ID("role-submit")))
		gus.waitFor(t, "gwen's new role", `(document.querySelector('#users-body tr[data-user="gwen"] td[data-label="Role"]') || {}).textContent === 'read'`)
		gus.do(t, "reset gwen's password",
			chromedp.Click(chromedp.CSS(`#users-body tr[data-user="gwen"] button[data-action="reset"]`)),
			chromedp.WaitVisible(chromedp.ID("confirm-submit")),
			chromedp.Click(chromedp.ID("confirm-submit")))
		gus.waitFor(t, "the new password", `document.getElementById('secret-dialog').open && document.getElementById('secret-value').textContent !== ''`)
		reset := gus.text(t, "#secret-value")
		gus.do(t, "close the password", chromedp.Click(chromedp.ID("secret-done")))
		if status, _ := d.registryToken(t, "gwen", next, "repository:globex/app:pull"); status != 401 {
			t.Errorf("gwen's password before the reset: %d, want 401", status)
		}
		if status, _ := d.registryToken(t, "gwen", reset, "repository:globex/app:pull"); status != 200 {
			t.Errorf("gwen's reset password: %d, want 200", status)
		}
		next = reset

		gus.do(t, "delete gwen",
			chromedp.Click(chromedp.CSS(`#users-body tr[data-user="gwen"] button[data-action="delete"]`)),
			chromedp.WaitVisible(chromedp.ID("confirm-submit")),
			chromedp.Click(chromedp.ID("confirm-submit")))
		gus.waitFor(t, "gwen gone", `!document.getElementById('confirm-dialog').open && document.querySelector('#users-body tr[data-user="gina"]') && !document.querySelector('#users-body tr[data-user="gwen"]')`)
		if status, _ := d.registryToken(t, "gwen", next, "repository:globex/app:pull"); status != 401 {
			t.Errorf("the deleted gwen at the token endpoint: %d, want 401", status)
		}
	})

	gina := b.tab(t, "gina")
	step("5 a read user sees neither Users nor Robot accounts", []*page{gina}, func(t *testing.T) {
		gina.login(t, "gina", d.users["gina"].Password)
		if got := gina.visible(t, "nav-users", "nav-robots", "nav-domains"); got["nav-users"] || got["nav-robots"] || got["nav-domains"] {
			t.Errorf("a read user's navigation: %v, want none of the account pages", got)
		}
		gina.goTo(t, "#/robots")
		gina.waitFor(t, "the refusal", `document.getElementById('robots-error').textContent.includes('manage role')`)
		if gina.visible(t, "robot-create-open")["robot-create-open"] {
			t.Error("a read user sees Create robot account")
		}
	})

	root := b.tab(t, "root")
	step("6 an administrator creates, edits and deletes a domain", []*page{root}, func(t *testing.T) {
		root.login(t, "root", d.users["root"].Password)
		if got := root.visible(t, "nav-users", "nav-robots", "nav-domains"); !got["nav-domains"] {
			t.Errorf("an administrator's navigation: %v, want Domains", got)
		}
		root.do(t, "open Domains", chromedp.Click(chromedp.ID("nav-domains")))
		root.waitFor(t, "the domains", `document.querySelector('#domains-body tr[data-domain="globex"]')`)
		if row := root.rowCells(t, `#domains-body tr[data-domain="acme"]`); row["Namespaces"] != "acme" || row["Managed in"] != "Config file" || row["Users"] != "2" {
			t.Errorf("acme's row: %q", row)
		}

		root.do(t, "open Create domain", chromedp.Click(chromedp.ID("domain-create-open")), chromedp.WaitVisible(chromedp.ID("domain-name")))
		root.checkLabels(t, "Create domain dialog")
		root.do(t, "fill and submit",
			chromedp.SendKeys(chromedp.ID("domain-name"), "initech"),
			chromedp.SendKeys(chromedp.ID("domain-namespaces"), "initech, initech-qa"),
			chromedp.SendKeys(chromedp.ID("domain-lifetime"), "30"),
			chromedp.Click(chromedp.ID("domain-submit")))
		root.waitFor(t, "initech in the list", `!document.getElementById('domain-dialog').open && document.querySelector('#domains-body tr[data-domain="initech"]')`)
		if row := root.rowCells(t, `#domains-body tr[data-domain="initech"]`); row["Namespaces"] != "initechinitech-qa" || row["Robot lifetime"] != "30 days" || row["Managed in"] != "Console and API" {
			t.Errorf("initech's row: %q", row)
		}
		root.checkLabels(t, "Domains")
		root.fitsWide(t, "Domains")

		root.do(t, "edit initech's namespaces",
			chromedp.Click(chromedp.CSS(`#domains-body tr[data-domain="initech"] button[data-action="edit"]`)),
			chromedp.WaitVisible(chromedp.ID("domain-namespaces")),
			chromedp.SetValue(chromedp.ID("domain-namespaces"), "initech"),
			chromedp.Click(chromedp.ID("domain-submit")))
		root.waitFor(t, "one namespace", `!document.getElementById('domain-dialog').open && (document.querySelector('#domains-body tr[data-domain="initech"] td[data-label="Namespaces"]') || {}).textContent === 'initech'`)

		// A domain that receives a share is deleted only with it.
		d.share(t, "alice", "acme", "web", "initech")
		root.do(t, "delete initech",
			chromedp.Click(chromedp.CSS(`#domains-body tr[data-domain="initech"] button[data-action="delete"]`)),
			chromedp.WaitVisible(chromedp.ID("confirm-submit")),
			chromedp.Click(chromedp.ID("confirm-submit")))
		root.waitFor(t, "the refusal naming the share", `document.getElementById('confirm-submit').textContent === 'Delete and revoke 1 share'`)
		if got := root.text(t, "#confirm-list"); got != "acme/web shared with initech" {
			t.Errorf("the shares named: %q", got)
		}
		if got := eval[string](t, root, `document.activeElement.id`); got != "confirm-cancel" {
			t.Errorf("focus after the refusal: %q, want confirm-cancel", got)
		}
		root.do(t, "delete and revoke", chromedp.Click(chromedp.ID("confirm-submit")))
		root.waitFor(t, "initech gone", `!document.getElementById('confirm-dialog').open && document.querySelector('#domains-body tr[data-domain="acme"]') && !document.querySelector('#domains-body tr[data-domain="initech"]')`)
		for _, s := range d.shares(t, "alice", "acme", "web") {
			if s.AccessDomain == "initech" {
				t.Errorf("the share with the deleted initech is left: %+v", s)
			}
		}
	})
}
