package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

// tokensOf lists user's access tokens through the API, with their password.
func (e *e2e) tokensOf(t *testing.T, user string) []shareapi.AccessToken {
	t.Helper()
	status, body := apiCall(t, http.MethodGet, e.server+"/v2/manage/user/tokens", user, e2ePass, nil)
	var out shareapi.AccessTokens
	if err := json.Unmarshal([]byte(body), &out); err != nil || status != http.StatusOK {
		t.Fatalf("tokens of %s: %d %v %s", user, status, err, body)
	}
	return out.Tokens
}

// rowButtons maps the actions of a row's buttons to whether each is
// enabled.
func (p *page) rowButtons(t *testing.T, row string) map[string]bool {
	t.Helper()
	return eval[map[string]bool](t, p, fmt.Sprintf(`Object.fromEntries([...document.querySelectorAll(%q)].map((b) => [b.dataset.action, !b.disabled]))`, row+" button[data-action]"))
}

// TestConsoleTokens drives the Access tokens page in headless Chromium
// against a real registry (the e2e harness): walt (acme write) makes a
// token narrowed to acme/web, sees its secret once with the docker login
// command, and the secret pulls and pushes acme/web at the registry and
// nothing else; a token with his rights until a date; revoking one ends
// its secret; rita (acme read) is refused push, on the permissions field;
// the page and its dialog fit at 400 px. Then the provider-managed users
// on alice's Users page (their source's badge; role and password are not
// offered, disabling is), and a provider-managed user's top bar without
// Change password.
func TestConsoleTokens(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry and a browser")
	}
	exe := chromium(t)
	e := newE2E(t)
	for _, repo := range []string{"acme/web:1", "acme/other:1"} {
		if _, err := e.push("walt", repo); err != nil {
			t.Fatal(err)
		}
	}
	b := newBrowser(t, exe, e.server)

	step := steps(t)
	focused := func(t *testing.T, p *page) string {
		t.Helper()
		return eval[string](t, p, `document.activeElement.id || document.activeElement.getAttribute('data-action') || document.activeElement.tagName`)
	}
	row := func(id string) string { return fmt.Sprintf(`#tokens-body tr[data-token=%q]`, id) }

	const label = "ci <laptop>"
	walt := b.tab(t, "walt")
	var secret, id string
	step("1 a token narrowed to acme/web: its secret is shown once and logs in at the registry", []*page{walt}, func(t *testing.T) {
		walt.login(t, "walt", e2ePass)
		if got := walt.visible(t, "nav-tokens", "nav-users", "password-open"); !got["nav-tokens"] || got["nav-users"] || !got["password-open"] {
			t.Errorf("a write user's top bar: %v, want Access tokens and Change password, not Users", got)
		}
		walt.do(t, "open Access tokens", chromedp.Click(chromedp.ID("nav-tokens")))
		walt.waitFor(t, "the empty list", `!document.getElementById('tokens-empty').hidden && document.getElementById('tokens-empty').textContent.includes('no access tokens')`)
		if got := focused(t, walt); got != "tokens-title" {
			t.Errorf("focus after opening the page: %q, want tokens-title", got)
		}
		if got := eval[string](t, walt, `document.getElementById('nav-tokens').getAttribute('aria-current') + ' ' + document.title`); got != "page Access tokens · regshare" {
			t.Errorf("the page marked and named: %q", got)
		}
		walt.checkLabels(t, "Access tokens")

		walt.do(t, "open the dialog with the keyboard",
			chromedp.Focus(chromedp.ID("token-create-open")),
			chromedp.KeyEvent(kb.Enter),
			chromedp.WaitVisible(chromedp.ID("token-label")))
		if got := focused(t, walt); got != "token-label" {
			t.Errorf("focus in the open dialog: %q, want token-label", got)
		}
		walt.do(t, "submit it empty", chromedp.Click(chromedp.ID("token-submit")))
		got := eval[map[string]string](t, walt, `({error: document.getElementById('token-label-error').textContent,
			invalid: document.getElementById('token-label').getAttribute('aria-invalid') || '', focus: document.activeElement.id})`)
		if got["error"] != "Enter a label for the token." || got["invalid"] != "true" || got["focus"] != "token-label" {
			t.Errorf("the missing label: %q", got)
		}
		walt.do(t, "fill the dialog",
			chromedp.SendKeys(chromedp.ID("token-label"), label),
			chromedp.Click(chromedp.CSS(`input[name="token-expiry"][value="7"]`)),
			chromedp.Click(chromedp.ID("token-perm-add")))
		if got := eval[string](t, walt, `document.activeElement.className`); !strings.Contains(got, "perm-repo") {
			t.Errorf("focus after Add permission: %q, want the new repository field", got)
		}
		walt.do(t, "narrow to acme/web, pull and push",
			chromedp.SendKeys(chromedp.CSS(`#token-perms .perm-repo`), "acme/web"),
			chromedp.Click(chromedp.CSS(`#token-perms input[value="push"]`)))
		if got := walt.text(t, "#token-label-count"); got != fmt.Sprintf("%d/100", len(label)) {
			t.Errorf("label counter: %q", got)
		}
		if eval[bool](t, walt, `!document.getElementById('token-date').disabled`) {
			t.Error("the date field is enabled while a preset is chosen")
		}
		walt.checkLabels(t, "Create access token dialog")
		walt.narrow(t, func() { walt.checkFits(t, "Create access token dialog at 400 px") })
		walt.do(t, "submit", chromedp.Click(chromedp.ID("token-submit")))
		walt.waitFor(t, "the secret", `document.getElementById('secret-dialog').open && document.getElementById('secret-value').textContent !== ''`)
		if got := focused(t, walt); got != "secret-copy" {
			t.Errorf("focus on the secret: %q, want secret-copy", got)
		}
		secret = walt.text(t, "#secret-value")
		if !strings.HasPrefix(secret, "rsr_") {
			t.Errorf("the secret %q, want rsr_…", secret)
		}
		if got, want := walt.text(t, "#secret-login"), "docker login -u 'walt' --password-stdin "+e.registry; got != want {
			t.Errorf("docker login command %q, want %q", got, want)
		}
		if got := walt.text(t, "#secret-title"); got != "Access token "+label+" created" {
			t.Errorf("the secret dialog's title: %q", got)
		}
		walt.do(t, "copy the secret", chromedp.Click(chromedp.ID("secret-copy")))
		walt.waitFor(t, "the copy to be announced", `document.getElementById('status').textContent !== ''`)
		if got := walt.text(t, "#status"); strings.Contains(got, secret) {
			t.Errorf("the status line shows the secret: %q", got)
		}

		// The secret logs in at the registry, as docker login would, and
		// gets acme/web alone.
		if _, err := pullAs(t, e.registry, "acme/web:1", "walt", secret); err != nil {
			t.Errorf("pull of acme/web with the token: %v", err)
		}
		if _, err := pushAs(t, e.registry, "acme/web:2", "walt", secret); err != nil {
			t.Errorf("push to acme/web with the token: %v", err)
		}
		_, err := pullAs(t, e.registry, "acme/other:1", "walt", secret)
		e.wantDenied("pull of acme/other with the token narrowed to acme/web", err)

		walt.do(t, "close the secret", chromedp.Click(chromedp.ID("secret-done")))
		ts := e.tokensOf(t, "walt")
		if len(ts) != 1 || ts[0].Label != label || len(ts[0].Permissions) != 1 || ts[0].Permissions[0].Repository != "acme/web" {
			t.Fatalf("walt's tokens in the API: %+v", ts)
		}
		id = ts[0].ID
		if exp, _ := time.Parse(time.RFC3339, ts[0].ExpiresAt); !exp.Equal(e.clock.Now().Add(7 * 24 * time.Hour).Truncate(time.Second)) {
			t.Errorf("the token expires at %s, want 7 days after %s", ts[0].ExpiresAt, e.clock.Now())
		}
		walt.waitFor(t, "the token in the list", `!document.getElementById('secret-dialog').open && document.querySelector('`+row(id)+`')`)
		if got := focused(t, walt); got != "revoke" {
			t.Errorf("focus after the secret closed: %q, want the row's Revoke", got)
		}
		cells := walt.rowCells(t, row(id))
		for k, v := range map[string]string{"Label": label, "Permissions": "acme/web: pull, push", "Expires": "Expires soon"} {
			if !strings.Contains(cells[k], v) {
				t.Errorf("the token's %s: %q, want %q (row %q)", k, cells[k], v, cells)
			}
		}
		if !strings.Contains(cells["Expires"], e.clock.Now().UTC().AddDate(0, 0, 7).Format(shownDate)) || !strings.Contains(cells["Created"], e.clock.Now().UTC().Format(shownDate)) {
			t.Errorf("the token's times: %q, want it made today and expiring in 7 days, local", cells)
		}
		if bad := walt.badTimesOn(t); len(bad) > 0 {
			t.Errorf("times not local with UTC on hover: %q", bad)
		}
		if eval[bool](t, walt, `document.querySelector('#tokens-body laptop') !== null`) {
			t.Error("the label was parsed as HTML")
		}
		if eval[bool](t, walt, fmt.Sprintf(`[document.documentElement.outerHTML, JSON.stringify(sessionStorage), JSON.stringify(localStorage)].some((s) => s.includes(%q))`, secret)) {
			t.Error("the secret is still in the page or the tab's storage after its dialog closed")
		}
	})

	var wide string
	step("2 a token with one's rights, until a date", []*page{walt}, func(t *testing.T) {
		day := time.Now().UTC().AddDate(0, 0, 60)
		walt.do(t, "open the dialog", chromedp.Click(chromedp.ID("token-create-open")), chromedp.WaitVisible(chromedp.ID("token-label")))
		if got := walt.text(t, "#token-expiry-hint"); !strings.Contains(got, "365 days") || !strings.Contains(got, "UTC") {
			t.Errorf("the expiry's hint: %q, want the longest lifetime and the zone", got)
		}
		walt.do(t, "until a date",
			chromedp.SendKeys(chromedp.ID("token-label"), "all of mine"),
			chromedp.Click(chromedp.CSS(`input[name="token-expiry"][value="date"]`)),
			chromedp.SetValue(chromedp.ID("token-date"), time.Now().UTC().AddDate(2, 0, 0).Format(time.DateOnly)),
			chromedp.Click(chromedp.ID("token-submit")))
		if got := walt.text(t, "#token-date-error"); !strings.HasPrefix(got, "Choose a day from today to ") {
			t.Errorf("a date 2 years away: %q", got)
		}
		if got := focused(t, walt); got != "token-date" {
			t.Errorf("focus after the date's error: %q, want token-date", got)
		}
		walt.do(t, "a date in 60 days", chromedp.SetValue(chromedp.ID("token-date"), day.Format(time.DateOnly)), chromedp.Click(chromedp.ID("token-submit")))
		walt.waitFor(t, "the secret", `document.getElementById('secret-dialog').open && document.getElementById('secret-value').textContent !== ''`)
		walt.do(t, "close the secret with Escape", chromedp.KeyEvent(kb.Escape))
		walt.waitFor(t, "two tokens", `!document.getElementById('secret-dialog').open && document.querySelectorAll('#tokens-body tr').length === 2`)
		for _, tok := range e.tokensOf(t, "walt") {
			if tok.ID == id {
				continue
			}
			wide = tok.ID
			// To the end of the day chosen, in the browser's zone (UTC).
			if want := day.AddDate(0, 0, 1).Format(time.DateOnly) + "T00:00:00Z"; tok.ExpiresAt != want || len(tok.Permissions) != 0 {
				t.Errorf("the token until a date: %+v, want it until %s with walt's rights", tok, want)
			}
		}
		cells := walt.rowCells(t, row(wide))
		if cells["Permissions"] != "Your rights" || strings.Contains(cells["Expires"], "soon") {
			t.Errorf("the token with walt's rights: %q", cells)
		}
		if got := focused(t, walt); got != "revoke" {
			t.Errorf("focus after the secret closed with Escape: %q, want the row's Revoke", got)
		}
		if got := walt.text(t, "#secret-value") + walt.text(t, "#secret-login"); got != "" {
			t.Errorf("after Escape the secret dialog still holds %q", got)
		}
	})

	step("3 revoking a token ends its secret at once", []*page{walt}, func(t *testing.T) {
		walt.do(t, "revoke", chromedp.Click(chromedp.CSS(row(id)+` button[data-action="revoke"]`)), chromedp.WaitVisible(chromedp.ID("confirm-submit")))
		if got := focused(t, walt); got != "confirm-cancel" {
			t.Errorf("focus in the confirm dialog: %q, want confirm-cancel", got)
		}
		if got := walt.text(t, "#confirm-text"); !strings.Contains(got, label) {
			t.Errorf("the confirmation: %q, want the token's label", got)
		}
		walt.do(t, "confirm", chromedp.Click(chromedp.ID("confirm-submit")))
		walt.waitFor(t, "the token gone", `!document.getElementById('confirm-dialog').open && !document.querySelector('`+row(id)+`') && document.querySelector('`+row(wide)+`')`)
		if got := focused(t, walt); got != "tokens-title" {
			t.Errorf("focus after revoking: %q, want tokens-title", got)
		}
		if _, err := pullAs(t, e.registry, "acme/web:1", "walt", secret); !refusedLogin(err) {
			t.Errorf("pull with the revoked token: %v, want a refused login", err)
		}
		if _, err := e.pull("walt", "acme/web:1"); err != nil {
			t.Errorf("walt's password after the revocation: %v", err)
		}
		if ts := e.tokensOf(t, "walt"); len(ts) != 1 || ts[0].ID != wide {
			t.Errorf("walt's tokens after the revocation: %+v", ts)
		}
	})

	step("4 the page fits at 400 px", []*page{walt}, func(t *testing.T) {
		walt.checkLabels(t, "Access tokens with a token")
		walt.fitsWide(t, "Access tokens")
	})

	rita := b.tab(t, "rita")
	step("5 a read user cannot give push: the refusal is on the permissions", []*page{rita}, func(t *testing.T) {
		rita.login(t, "rita", e2ePass)
		rita.goTo(t, "#/tokens")
		rita.waitFor(t, "the empty list", `!document.getElementById('tokens-empty').hidden && document.getElementById('tokens-empty').textContent.includes('no access tokens')`)
		rita.do(t, "open the dialog", chromedp.Click(chromedp.ID("token-create-open")), chromedp.WaitVisible(chromedp.ID("token-label")))
		rita.do(t, "ask for push",
			chromedp.SendKeys(chromedp.ID("token-label"), "push"),
			chromedp.Click(chromedp.ID("token-perm-add")),
			chromedp.SendKeys(chromedp.CSS(`#token-perms .perm-repo`), "acme/web"),
			chromedp.Click(chromedp.CSS(`#token-perms input[value="push"]`)),
			chromedp.Click(chromedp.ID("token-submit")))
		rita.waitFor(t, "the refusal", `document.getElementById('token-perms-error').textContent !== ''`)
		got := eval[map[string]string](t, rita, `({error: document.getElementById('token-perms-error').textContent,
			general: document.getElementById('token-error').textContent, open: String(document.getElementById('token-dialog').open),
			invalid: document.querySelector('#token-perms .perm-repo').getAttribute('aria-invalid') || '',
			focus: document.activeElement.className, label: document.getElementById('token-label').value})`)
		want := map[string]string{"error": "Your role read does not allow push on acme/web.", "general": "", "open": "true", "invalid": "true", "focus": "perm-repo mono", "label": "push"}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("the refused push: %s %q, want %q (all: %q)", k, got[k], v, got)
			}
		}
		rita.closeDialog(t, "token-cancel", "token-dialog")
		if got := focused(t, rita); got != "token-create-open" {
			t.Errorf("focus after Cancel: %q, want token-create-open", got)
		}
		if ts := e.tokensOf(t, "rita"); len(ts) != 0 {
			t.Errorf("rita's tokens after the refusal: %+v", ts)
		}
	})

	ctx := context.Background()
	for _, s := range []grants.ProvisionSpec{
		{Source: "ldap", Name: "lee", Domain: "acme", Role: grants.RoleRead},
		{Source: "oidc:corp", Name: "pat@example.com", Domain: "acme", Role: grants.RoleWrite},
	} {
		if _, err := e.app.grants.ProvisionUser(ctx, s, e.clock.Now()); err != nil {
			t.Fatalf("provision %s: %v", s.Name, err)
		}
	}
	alice := b.tab(t, "alice")
	step("6 provider-managed users: their source shown, role and password theirs, disabling offered", []*page{alice}, func(t *testing.T) {
		alice.login(t, "alice", e2ePass)
		alice.do(t, "open Users", chromedp.Click(chromedp.ID("nav-users")))
		lee, pat := `#users-body tr[data-user="lee"]`, `#users-body tr[data-user="pat@example.com"]`
		alice.waitFor(t, "lee and pat", `document.querySelector('`+lee+`') && document.querySelector('`+pat+`')`)
		for r, want := range map[string]string{lee: "LDAP", pat: "SSO: corp"} {
			cells := alice.rowCells(t, r)
			if cells["Managed in"] != want || !strings.Contains(cells["Actions"], "Managed by your identity provider: change their groups there.") {
				t.Errorf("%s: %q, want managed in %q with the note", r, cells, want)
			}
			if got := alice.rowButtons(t, r); got["role"] || got["reset"] || !got["toggle"] || !got["delete"] {
				t.Errorf("%s's buttons enabled: %v, want Disable and Delete, not Change role or Reset password", r, got)
			}
			// The disabled buttons say why.
			if got := eval[string](t, alice, `(() => { const b = document.querySelector('`+r+` button[data-action="role"]');
				return document.getElementById(b.getAttribute('aria-describedby')).textContent; })()`); !strings.HasPrefix(got, "Managed by your identity provider") {
				t.Errorf("%s: Change role is described by %q", r, got)
			}
		}
		if got := alice.rowButtons(t, `#users-body tr[data-user="walt"]`); got["toggle"] || got["role"] {
			t.Errorf("a config-file user's buttons enabled: %v, want none", got)
		}
		alice.checkLabels(t, "Users with provider-managed users")
		alice.fitsWide(t, "Users with provider-managed users")
		alice.checkScreen(t, "Users with provider-managed users")

		alice.do(t, "disable lee", chromedp.Click(chromedp.CSS(lee+` button[data-action="toggle"]`)))
		alice.waitFor(t, "lee disabled", `(document.querySelector('`+lee+` td[data-label="Status"]') || {}).textContent === 'Disabled'`)
		if got := focused(t, alice); got != "toggle" {
			t.Errorf("focus after disabling: %q, want lee's Enable", got)
		}
		status, body := apiCall(t, http.MethodGet, e.server+"/v2/manage/domains/acme/users", "alice", e2ePass, nil)
		var users shareapi.Accounts
		if err := json.Unmarshal([]byte(body), &users); err != nil || status != http.StatusOK {
			t.Fatalf("acme's users: %d %v %s", status, err, body)
		}
		for _, u := range users.Users {
			if u.Name == "lee" && (!u.Disabled || u.Source != "ldap") {
				t.Errorf("lee in the API after Disable: %+v", u)
			}
		}
		alice.do(t, "enable lee", chromedp.Click(chromedp.CSS(lee+` button[data-action="toggle"]`)))
		alice.waitFor(t, "lee enabled", `(document.querySelector('`+lee+` td[data-label="Status"]') || {}).textContent === 'Enabled'`)
	})

	sso := b.tab(t, "sso")
	step("7 a provider-managed user's top bar has no Change password", []*page{sso}, func(t *testing.T) {
		// pat@example.com cannot log in here without the provider: gina's
		// session stands in, with GET /v2/manage/user naming a provider.
		sso.do(t, "load the console", chromedp.Navigate(e.server+"/"), chromedp.WaitVisible(chromedp.ID("login-user")))
		eval[bool](t, sso, `(() => { const f = window.fetch;
			window.fetch = async (path, opts) => {
				const r = await f(path, opts);
				if (path !== '/v2/manage/user' || !r.ok) return r;
				const me = await r.json();
				return new Response(JSON.stringify({ ...me, source: 'oidc:corp' }), { status: r.status, headers: r.headers });
			};
			return true; })()`)
		sso.do(t, "log in",
			chromedp.SendKeys(chromedp.ID("login-user"), "gina"),
			chromedp.SendKeys(chromedp.ID("login-password"), e2ePass+kb.Enter),
			chromedp.WaitVisible(chromedp.ID("who")))
		if got := sso.visible(t, "nav-tokens", "password-open", "logout"); !got["nav-tokens"] || got["password-open"] || !got["logout"] {
			t.Errorf("a provider-managed user's top bar: %v, want Access tokens and Log out, no Change password", got)
		}
		sso.do(t, "open Access tokens", chromedp.Click(chromedp.ID("nav-tokens")))
		sso.waitFor(t, "the empty list", `!document.getElementById('tokens-empty').hidden && document.getElementById('tokens-empty').textContent.includes('no access tokens')`)
	})
}
