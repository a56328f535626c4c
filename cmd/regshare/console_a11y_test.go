package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// axeSource is axe-core, vendored as a test fixture (testdata/axe).
var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
	return string(b), err
})

// axeRun runs the rules of WCAG 2.0, 2.1 and 2.2, levels A and AA, and
// keeps the serious and critical findings.
const axeRun = `axe.run(document, {
	runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa']},
	resultTypes: ['violations'],
}).then((r) => r.violations.map((v) => ({
	id: v.id, help: v.help,
	nodes: v.nodes.filter((n) => n.impact === 'serious' || n.impact === 'critical').map((n) => ({
		target: n.target.map(String).join(' » '), impact: n.impact,
		summary: (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 240)})),
})).filter((v) => v.nodes.length))`

type axeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target  string `json:"target"`
		Impact  string `json:"impact"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

// axe runs axe-core in the page as it is shown and fails on every serious
// or critical violation of WCAG 2.2 A and AA. Any console test may call it.
// The script goes in through the DevTools protocol, which the page's CSP
// does not govern; nothing is fetched.
func (p *page) axe(t *testing.T, where string) {
	t.Helper()
	if !eval[bool](t, p, `typeof window.axe === 'object'`) {
		src, err := axeSource()
		if err != nil {
			t.Fatalf("axe-core: %v", err)
		}
		p.do(t, "load axe-core", chromedp.Evaluate[chromedp.Void](src))
	}
	for _, v := range eval[[]axeViolation](t, p, axeRun) {
		var nodes []string
		for _, n := range v.Nodes {
			nodes = append(nodes, fmt.Sprintf("\t%s (%s): %s", n.Target, n.Impact, n.Summary))
		}
		t.Errorf("%s: axe %s: %s\n%s", where, v.ID, v.Help, strings.Join(nodes, "\n"))
	}
}

// look is a window width and a colour scheme the console is seen in.
type look struct {
	width  int64
	scheme string // prefers-color-scheme: light or dark
}

func (l look) String() string { return fmt.Sprintf("%d px, %s", l.width, l.scheme) }

var looks = []look{{1280, "light"}, {1280, "dark"}, {400, "light"}, {400, "dark"}}

// emulate shows the page at l's width, in l's colour scheme.
func (p *page) emulate(t *testing.T, l look) {
	t.Helper()
	p.do(t, "show at "+l.String(), chromedp.EmulateViewport(l.width, 800),
		func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: l.scheme}}})
			return chromedp.Void{}, err
		})
}

// checkScreen checks what the page shows in every look: axe, and the
// contrast of the fields' borders and of the focus ring, which axe does
// not measure (the ring at 1280 px only: its colours do not change with
// the width, and Tab through every control is slow). It leaves the page
// at 1280 px, light.
func (p *page) checkScreen(t *testing.T, where string) {
	t.Helper()
	defer p.emulate(t, looks[0])
	for _, l := range looks {
		p.emulate(t, l)
		at := where + " at " + l.String()
		p.axe(t, at)
		p.checkBorders(t, at)
		if l.width == 1280 {
			p.checkFocusRing(t, at)
		}
	}
}

// TestConsoleAccessibility shows every screen of the console, at 1280 and
// 400 px, light and dark, to an owner (alice), a manager (gus), a
// recipient (gina) and an administrator (root), each in a tab of their
// own and at the same time, and checks each screen with axe and with the
// contrast checks axe does not make. It also checks that pull commands
// break only between their parts, that required fields are marked, and
// that errors do not move the dialog. gus's Webhooks page is seen with
// its dialogs: add (with an error), the secret, edit, a disabled webhook,
// the deliveries of a test, the history and delete. acme/team/api is
// shared with the group partners (globex): its Sharing tab names the
// group, and globex's Shared Images say it comes through it. gina's
// Access tokens page is seen with its dialogs: create (empty, refused on
// the permissions), the secret, the list and revoke.
func TestConsoleAccessibility(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry and a browser")
	}
	exe := chromium(t)
	d := startDev(t)
	created := time.Date(2026, 5, 4, 10, 30, 0, 0, time.UTC)
	d.push(t, "alice", "acme/web:1.0", created)
	d.push(t, "alice", "acme/web:latest", created)
	d.push(t, "alice", "acme/team/api:latest", created)
	d.share(t, "alice", "acme", "web", "globex")
	if status, body := d.call(t, "root", "POST", "/v2/manage/groups", `{"name":"partners","members":["globex"]}`); status != 201 {
		t.Fatalf("create the group partners: %d %s", status, body)
	}
	d.share(t, "alice", "acme", "team$api", "@partners")
	b := newBrowser(t, exe, d.info.API)

	// as runs f in a tab of user's, beside the others.
	as := func(user string, f func(t *testing.T, p *page)) {
		t.Run(user, func(t *testing.T) {
			t.Parallel()
			p := b.tab(t, user)
			defer shotOnFailure(t, p)
			p.login(t, user, d.users[user].Password)
			f(t, p)
		})
	}
	as("alice", func(t *testing.T, p *page) {
		p.waitFor(t, "My Images", `document.querySelector('#private-body a[href="#/image/acme/web"]')`)
		p.checkScreen(t, "Private Images")
		p.do(t, "open Shared Images", chromedp.Click(chromedp.ID("tab-shared")))
		p.waitFor(t, "no shared image", emptyList("shared"))
		p.checkScreen(t, "Shared Images, none")
		p.do(t, "open Namespaces", chromedp.Click(chromedp.ID("tab-namespaces")))
		p.waitFor(t, "the namespaces", `document.querySelector('#namespaces-body tr[data-prefix="acme/team/"]')`)
		p.checkScreen(t, "Namespaces")
		p.do(t, "open Private Images", chromedp.Click(chromedp.ID("tab-private")))
		p.waitFor(t, "the checkboxes", `document.querySelectorAll('#private-body input.select').length === 2`)
		p.tick(t, "acme/web")
		p.tick(t, "acme/team/api")
		p.checkScreen(t, "Private Images, two ticked")
		p.openDialog(t, "#private-share-selected", "share-dialog")
		p.do(t, "add recipients", chromedp.SendKeys(chromedp.ID("share-with"), "globex,nosuch,"),
			chromedp.Click(chromedp.CSS(`#share-presets [data-preset="30"]`)))
		p.checkScreen(t, "Share images dialog with several recipients")
		p.do(t, "share", chromedp.Click(chromedp.ID("share-submit")))
		p.waitFor(t, "the refusal", `document.querySelectorAll('#share-error li').length > 0`)
		p.checkScreen(t, "Share images dialog, refused")
		p.closeDialog(t, "share-cancel", "share-dialog")
		p.do(t, "clear the selection", chromedp.Click(chromedp.ID("private-clear-selection")))
		p.goTo(t, "#/image/acme/team/")
		p.waitFor(t, "the namespace's page", `!document.getElementById('panel-sharing').hidden && !document.getElementById('sharing-empty').hidden
			&& !document.getElementById('sharing-empty').textContent.includes('…')`)
		p.checkScreen(t, "A namespace's Sharing page")
		p.goTo(t, "#/image/acme/team/api")
		p.waitFor(t, "the tags", `document.querySelector('#tags-body tr')`)
		p.checkScreen(t, "Tags")
		p.narrow(t, func() { p.checkPullCommands(t, "Tags at 400 px") })
		p.checkPullCommands(t, "Tags at 1280 px")
		p.goTo(t, "#/image/acme/web?tab=sharing")
		p.waitFor(t, "the share", `document.querySelector('#sharing-body tr[data-domain="globex"]')`)
		p.checkScreen(t, "Sharing")

		p.openDialog(t, "#share-open", "share-dialog")
		p.checkScreen(t, "Share Image dialog")
		p.checkNoJump(t)
		p.checkScreen(t, "Share Image dialog with errors")
		p.closeDialog(t, "share-cancel", "share-dialog")
		p.openDialog(t, "#share-open", "share-dialog")
		p.waitFor(t, "the group suggested", `document.querySelector('#share-groups option[value="@partners"]')`)
		p.do(t, "add the group", chromedp.SendKeys(chromedp.ID("share-with"), "@partners,"))
		p.waitFor(t, "the group's chip", `(document.querySelector('#share-chips li.group span') || {}).textContent === 'Group partners (1 domain)'`)
		p.checkScreen(t, "Share Image dialog with a group")
		p.closeDialog(t, "share-cancel", "share-dialog")
		p.openDialog(t, `#sharing-body tr[data-domain="globex"] button:not(.danger)`, "share-dialog")
		p.checkScreen(t, "Edit Share dialog")
		p.closeDialog(t, "share-cancel", "share-dialog")
		p.openDialog(t, `#sharing-body tr[data-domain="globex"] button.danger`, "revoke-dialog")
		p.checkScreen(t, "Revoke dialog")
		p.closeDialog(t, "revoke-cancel", "revoke-dialog")
		p.openDialog(t, "#password-open", "password-dialog")
		p.checkScreen(t, "Change password dialog")
		p.closeDialog(t, "password-cancel", "password-dialog")
		p.goTo(t, "#/image/acme/team/api?tab=sharing")
		p.waitFor(t, "the group's share", `document.querySelector('#sharing-body tr[data-domain="@partners"] .sub')`)
		p.checkScreen(t, "Sharing with a group, with downloads")

		p.checkRequired(t)
		p.checkDark(t)
		p.do(t, "log out", chromedp.Click(chromedp.ID("logout")))
		p.waitFor(t, "the login dialog", `document.getElementById('login-dialog').open`)
		p.checkScreen(t, "Login dialog")
	})
	as("gus", func(t *testing.T, p *page) {
		p.do(t, "open Users", chromedp.Click(chromedp.ID("nav-users")))
		p.waitFor(t, "the users", `document.querySelector('#users-body tr[data-user="gina"]')`)
		p.checkScreen(t, "Users")
		p.openDialog(t, "#user-create-open", "user-dialog")
		p.checkScreen(t, "Create user dialog")
		p.do(t, "create una", chromedp.SendKeys(chromedp.ID("user-name"), "una"+kb.Enter))
		p.waitFor(t, "the password", `document.getElementById('secret-dialog').open && document.getElementById('secret-value').textContent !== ''`)
		p.checkScreen(t, "A new user's password")
		p.closeDialog(t, "secret-done", "secret-dialog")
		p.waitFor(t, "una", `document.querySelector('#users-body tr[data-user="una"]')`)
		p.openDialog(t, `#users-body tr[data-user="una"] button[data-action="role"]`, "role-dialog")
		p.checkScreen(t, "Change role dialog")
		p.closeDialog(t, "role-cancel", "role-dialog")
		p.openDialog(t, `#users-body tr[data-user="una"] button[data-action="delete"]`, "confirm-dialog")
		p.checkScreen(t, "Delete user dialog")
		p.closeDialog(t, "confirm-cancel", "confirm-dialog")

		p.do(t, "open Robot accounts", chromedp.Click(chromedp.ID("nav-robots")))
		p.waitFor(t, "no robot", `!document.getElementById('robots-empty').hidden && document.getElementById('robots-empty').textContent.includes('no robot')`)
		p.checkScreen(t, "Robot accounts, none")
		p.openDialog(t, "#robot-create-open", "robot-dialog")
		p.checkScreen(t, "Create robot account dialog")
		p.do(t, "create a robot", chromedp.SendKeys(chromedp.ID("robot-name"), "ci"),
			chromedp.SendKeys(chromedp.CSS(`#robot-perms .perm-repo`), "acme/web"), chromedp.Click(chromedp.ID("robot-submit")))
		p.waitFor(t, "the secret", `document.getElementById('secret-dialog').open && document.getElementById('secret-value').textContent !== ''`)
		p.checkScreen(t, "A new robot's secret")
		p.closeDialog(t, "secret-done", "secret-dialog")
		p.waitFor(t, "the robot", `document.querySelector('#robots-body tr[data-robot="ci"]')`)
		p.checkScreen(t, "Robot accounts")
		p.openDialog(t, `#robots-body tr[data-robot="ci"] button[data-action="rotate"]`, "rotate-dialog")
		p.checkScreen(t, "Rotate secret dialog")
		p.closeDialog(t, "rotate-cancel", "rotate-dialog")

		p.do(t, "open Webhooks", chromedp.Click(chromedp.ID("nav-webhooks")))
		p.waitFor(t, "no webhook", `!document.getElementById('webhooks-empty').hidden && document.getElementById('webhooks-empty').textContent.includes('no webhooks')`)
		p.checkScreen(t, "Webhooks, none")
		p.openDialog(t, "#webhook-create-open", "webhook-dialog")
		p.checkScreen(t, "Add webhook dialog")
		p.do(t, "submit it empty", chromedp.Click(chromedp.ID("webhook-submit")))
		p.waitFor(t, "the error", `document.getElementById('webhook-url-error').textContent !== ''`)
		p.checkScreen(t, "Add webhook dialog with an error")
		p.do(t, "add a webhook", chromedp.SendKeys(chromedp.ID("webhook-url"), hookURL), chromedp.Click(chromedp.ID("webhook-submit")))
		p.waitFor(t, "the secret", `document.getElementById('secret-dialog').open && document.getElementById('secret-value').textContent !== ''`)
		p.checkScreen(t, "A new webhook's secret")
		p.closeDialog(t, "secret-done", "secret-dialog")
		p.waitFor(t, "the webhook", `document.querySelector('#webhooks-body tr[data-webhook]')`)
		p.checkScreen(t, "Webhooks")
		p.openDialog(t, `#webhooks-body button[data-action="edit"]`, "webhook-dialog")
		p.checkScreen(t, "Edit webhook dialog")
		p.closeDialog(t, "webhook-cancel", "webhook-dialog")
		p.do(t, "disable it", chromedp.Click(chromedp.CSS(`#webhooks-body button[data-action="toggle"]`)))
		p.waitFor(t, "its note", `!document.getElementById('webhooks-disabled-note').hidden`)
		p.checkScreen(t, "Webhooks with a disabled one")
		p.do(t, "enable it", chromedp.Click(chromedp.CSS(`#webhooks-body button[data-action="toggle"]`)))
		p.waitFor(t, "the test enabled", `document.getElementById('webhooks-disabled-note').hidden && (document.querySelector('#webhooks-body button[data-action="test"]') || {disabled: true}).disabled === false`)
		p.openDialog(t, `#webhooks-body button[data-action="test"]`, "deliveries-dialog")
		p.waitFor(t, "the test's delivery", `document.querySelector('#deliveries-body tr.current')`)
		p.waitForAttempt(t, eval[string](t, p, `document.querySelector('#deliveries-body tr.current').dataset.event`))
		p.checkScreen(t, "Deliveries with a test")
		p.closeDialog(t, "deliveries-close", "deliveries-dialog")
		p.openDialog(t, `#webhooks-body button[data-action="history"]`, "history-dialog")
		p.waitFor(t, "its events", `document.querySelectorAll('#history-list > li').length === 3`)
		p.checkScreen(t, "Webhook history")
		p.closeDialog(t, "history-close", "history-dialog")
		p.openDialog(t, `#webhooks-body button[data-action="delete"]`, "confirm-dialog")
		p.checkScreen(t, "Delete webhook dialog")
		p.closeDialog(t, "confirm-cancel", "confirm-dialog")
	})
	as("gina", func(t *testing.T, p *page) {
		p.do(t, "open Shared Images", chromedp.Click(chromedp.ID("tab-shared")))
		p.waitFor(t, "the shared images", `document.querySelectorAll('#shared-body tr').length === 2`)
		p.checkScreen(t, "Shared Images")
		p.narrow(t, func() {
			if p.checkPullCommands(t, "Shared Images at 400 px") == 0 {
				t.Error("Shared Images at 400 px: every pull command fits on one line; the check needs one that does not")
			}
		})
		p.checkPullCommands(t, "Shared Images at 1280 px")
		p.do(t, "open Private Images", chromedp.Click(chromedp.ID("tab-private")))
		p.waitFor(t, "no private image", emptyList("private"))
		p.checkScreen(t, "Private Images, none")
		p.goTo(t, "#/image/acme/team/api")
		p.waitFor(t, "the tags", `document.querySelector('#tags-body tr')`)
		p.checkScreen(t, "A shared image's tags")

		p.do(t, "open Access tokens", chromedp.Click(chromedp.ID("nav-tokens")))
		p.waitFor(t, "no token", `!document.getElementById('tokens-empty').hidden && document.getElementById('tokens-empty').textContent.includes('no access tokens')`)
		p.checkScreen(t, "Access tokens, none")
		p.openDialog(t, "#token-create-open", "token-dialog")
		p.checkScreen(t, "Create access token dialog")
		p.do(t, "ask for push on a shared image", chromedp.SendKeys(chromedp.ID("token-label"), "laptop"),
			chromedp.Click(chromedp.ID("token-perm-add")), chromedp.SendKeys(chromedp.CSS(`#token-perms .perm-repo`), "acme/web"),
			chromedp.Click(chromedp.CSS(`#token-perms input[value="push"]`)), chromedp.Click(chromedp.ID("token-submit")))
		p.waitFor(t, "the refusal", `document.getElementById('token-perms-error').textContent !== ''`)
		p.checkScreen(t, "Create access token dialog, refused")
		p.do(t, "pull only", chromedp.Click(chromedp.CSS(`#token-perms input[value="push"]`)), chromedp.Click(chromedp.ID("token-submit")))
		p.waitFor(t, "the secret", `document.getElementById('secret-dialog').open && document.getElementById('secret-value').textContent !== ''`)
		p.checkScreen(t, "A new access token's secret")
		p.closeDialog(t, "secret-done", "secret-dialog")
		p.waitFor(t, "the token", `document.querySelector('#tokens-body tr[data-token]')`)
		p.checkScreen(t, "Access tokens")
		p.openDialog(t, `#tokens-body button[data-action="revoke"]`, "confirm-dialog")
		p.checkScreen(t, "Revoke access token dialog")
		p.closeDialog(t, "confirm-cancel", "confirm-dialog")
	})
	as("root", func(t *testing.T, p *page) {
		p.do(t, "open Domains", chromedp.Click(chromedp.ID("nav-domains")))
		p.waitFor(t, "the domains", `document.querySelector('#domains-body tr[data-domain="globex"]')`)
		p.checkScreen(t, "Domains")
		p.openDialog(t, "#domain-create-open", "domain-dialog")
		p.checkScreen(t, "Create domain dialog")
		p.do(t, "create initech", chromedp.SendKeys(chromedp.ID("domain-name"), "initech"), chromedp.Click(chromedp.ID("domain-submit")))
		p.waitFor(t, "initech", `!document.getElementById('domain-dialog').open && document.querySelector('#domains-body tr[data-domain="initech"]')`)
		p.openDialog(t, `#domains-body tr[data-domain="initech"] button[data-action="edit"]`, "domain-dialog")
		p.checkScreen(t, "Edit domain dialog")
		p.closeDialog(t, "domain-cancel", "domain-dialog")
		p.openDialog(t, `#domains-body tr[data-domain="initech"] button[data-action="delete"]`, "confirm-dialog")
		p.checkScreen(t, "Delete domain dialog")
		p.closeDialog(t, "confirm-cancel", "confirm-dialog")

		p.do(t, "open Groups", chromedp.Click(chromedp.ID("nav-groups")))
		p.waitFor(t, "the groups", `document.querySelector('#groups-body tr[data-group="partners"]')`)
		p.checkScreen(t, "Groups")
		p.openDialog(t, "#group-create-open", "group-dialog")
		p.checkScreen(t, "Create group dialog")
		p.do(t, "submit it empty", chromedp.Click(chromedp.ID("group-submit")))
		p.waitFor(t, "the error", `document.getElementById('group-name-error').textContent !== ''`)
		p.checkScreen(t, "Create group dialog with an error")
		p.do(t, "name it labs", chromedp.SendKeys(chromedp.ID("group-name"), "labs"))
		p.tickMember(t, "globex")
		p.do(t, "create labs", chromedp.Click(chromedp.ID("group-submit")))
		p.waitFor(t, "labs", `!document.getElementById('group-dialog').open && document.querySelector('#groups-body tr[data-group="labs"]')`)
		p.openDialog(t, `#groups-body tr[data-group="labs"] button[data-action="edit"]`, "group-dialog")
		p.checkScreen(t, "Edit group dialog")
		p.closeDialog(t, "group-cancel", "group-dialog")
		p.openDialog(t, `#groups-body tr[data-group="labs"] button[data-action="history"]`, "history-dialog")
		p.waitFor(t, "its event", `document.querySelectorAll('#history-list > li').length === 1`)
		p.checkScreen(t, "Group history")
		p.closeDialog(t, "history-close", "history-dialog")
		p.openDialog(t, `#groups-body tr[data-group="partners"] button[data-action="delete"]`, "confirm-dialog")
		p.do(t, "delete partners", chromedp.Click(chromedp.ID("confirm-submit")))
		p.waitFor(t, "the refusal naming the share", `document.getElementById('confirm-submit').textContent === 'Revoke its 1 share and delete'`)
		p.checkScreen(t, "Delete group dialog, naming its share")
		p.closeDialog(t, "confirm-cancel", "confirm-dialog")
	})
}

// emptyList is true when the list panel (private or shared) is shown,
// loaded and empty.
func emptyList(panel string) string {
	return fmt.Sprintf(`!document.getElementById('panel-%[1]s').hidden && !document.getElementById('%[1]s-empty').hidden &&
		!document.getElementById('%[1]s-empty').textContent.startsWith('Loading')`, panel)
}

// openDialog clicks what css selects and waits for the dialog to open.
func (p *page) openDialog(t *testing.T, css, dialog string) {
	t.Helper()
	p.do(t, "open "+dialog, chromedp.Click(chromedp.CSS(css)))
	p.waitFor(t, dialog, fmt.Sprintf(`document.getElementById(%q).open`, dialog))
}

// closeDialog clicks the button with id and waits for the dialog to close.
func (p *page) closeDialog(t *testing.T, id, dialog string) {
	t.Helper()
	p.do(t, "close "+dialog, chromedp.Click(chromedp.ID(id)))
	p.waitFor(t, dialog+" to close", fmt.Sprintf(`!document.getElementById(%q).open`, dialog))
}
