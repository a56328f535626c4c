package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sirupsen/logrus"

	"github.com/regshare/regshare/shareapi"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write the console screenshots shown in the README under docs/")

// The console's screenshots in the README, written with -update-screenshots
// in every look: console-sharing-1280-light.png, …-400-dark.png.
const (
	shotSharing = "console-sharing"
	shotShared  = "console-shared-images"
)

const installChromium = "the console's browser tests need Debian's chromium: apt-get install -y chromium"

// chromium finds the browser. Without it the tests skip, except in CI,
// where they fail.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(installChromium)
	}
	t.Skip(installChromium)
	return ""
}

// devSystem is `regshare dev` running in this process.
type devSystem struct {
	info  devInfo
	users map[string]devUser
}

func startDev(t *testing.T) *devSystem {
	t.Helper()
	t.Setenv("OTEL_TRACES_EXPORTER", "none")
	// The registry logs every refused request; the test checks answers.
	prev := logrus.StandardLogger().Out
	logrus.SetOutput(io.Discard)
	t.Cleanup(func() { logrus.SetOutput(prev) })
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	var runErr error
	go func() {
		defer close(stopped)
		runErr = runDev(ctx, devOptions{data: data, registryAddr: "127.0.0.1:0", addr: "127.0.0.1:0"},
			io.Discard, slog.New(slog.DiscardHandler))
	}()
	t.Cleanup(func() {
		cancel()
		<-stopped
		if runErr != nil {
			t.Errorf("regshare dev: %v", runErr)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(filepath.Join(data, devInfoFile))
		if err == nil {
			d := &devSystem{users: map[string]devUser{}}
			if err := json.Unmarshal(b, &d.info); err != nil {
				t.Fatalf("%s: %v", devInfoFile, err)
			}
			for _, u := range d.info.Users {
				d.users[u.Name] = u
			}
			return d
		}
		select {
		case <-stopped:
			t.Fatalf("regshare dev stopped before writing %s: %v", devInfoFile, runErr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("regshare dev wrote no %s in 30 s", devInfoFile)
		}
	}
}

func (d *devSystem) auth(user string) remote.Option {
	return remote.WithAuth(&authn.Basic{Username: user, Password: d.users[user].Password})
}

func (d *devSystem) ref(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// push writes a random image created at created to repo:tag as user.
func (d *devSystem) push(t *testing.T, user, ref string, created time.Time) v1.Hash {
	t.Helper()
	img, err := random.Image(2048, 2)
	if err == nil {
		img, err = mutate.CreatedAt(img, v1.Time{Time: created})
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(d.ref(t, d.info.Registry+"/"+ref), img, d.auth(user)); err != nil {
		t.Fatalf("push %s as %s: %v", ref, user, err)
	}
	h, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// shares lists a repository's shares through the API, as user.
func (d *devSystem) shares(t *testing.T, user, ns, repo string) []shareapi.Share {
	t.Helper()
	req, _ := http.NewRequest("GET", d.info.API+"/v2/manage/namespaces/"+ns+"/repositories/"+repo+"/access-domains", nil)
	req.SetBasicAuth(user, d.users[user].Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []shareapi.Share
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("list shares of %s/%s: %d %v", ns, repo, resp.StatusCode, err)
	}
	return out
}

// browser is one headless Chromium with a fresh profile.
type browser struct {
	ctx  context.Context
	base string
}

func newBrowser(t *testing.T, exe, base string) *browser {
	t.Helper()
	profile := t.TempDir() // removed after the browser has stopped
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Several tabs run at once, each a user: none is throttled or
		// given less CPU for not being in front.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("lang", "en-US"),
		// The console shows local times: the browser's own zone is UTC,
		// whatever the machine's, and a tab may emulate another.
		chromedp.Env("TZ=UTC"),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first run starts the browser; it must have no timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	return &browser{ctx: ctx, base: base}
}

// page is one tab: its sessionStorage, hence its login, is its own.
type page struct {
	b    *browser
	ctx  context.Context
	name string
}

func (b *browser) tab(t *testing.T, name string) *page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	// The first run opens the tab, which lives as long as that run's
	// context: it must have no timeout.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("open a tab for %s: %v", name, err)
	}
	return &page{b: b, ctx: ctx, name: name}
}

const actionTimeout = 15 * time.Second

// do runs the actions, failing the test with what was being done.
func (p *page) do(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %s: %v", p.name, what, err)
	}
}

// eval evaluates a JavaScript expression and decodes its value.
func eval[T any](t *testing.T, p *page, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: evaluate %s: %v", p.name, expr, err)
	}
	return v
}

// waitFor waits until the JavaScript expression is true.
// On a timeout it says where the tab was and what it showed.
func (p *page) waitFor(t *testing.T, what, expr string) {
	t.Helper()
	p.do(t, "wait for "+what, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(10*time.Second), chromedp.WithPollingInterval(25*time.Millisecond))(ctx, tg)
		if err != nil {
			if shown, e := chromedp.Evaluate[string](`location.hash + ' | ' + document.body.innerText.slice(0, 600)`)(ctx, tg); e == nil {
				err = fmt.Errorf("%w; the tab shows %q", err, shown)
			}
		}
		return chromedp.Void{}, err
	})
}

func (p *page) text(t *testing.T, css string) string {
	t.Helper()
	return eval[string](t, p, fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, css))
}

// screenshot saves what the tab shows to path.
func (p *page) screenshot(path string) error {
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}

// shotOnFailure, deferred by each step, saves every tab's screen into the
// step's artifact directory when it failed (kept with go test -artifacts).
func shotOnFailure(t *testing.T, pages ...*page) {
	if !t.Failed() {
		return
	}
	for _, p := range pages {
		path := filepath.Join(t.ArtifactDir(), p.name+".png")
		if err := p.screenshot(path); err != nil {
			t.Logf("screenshot of %s: %v", p.name, err)
			continue
		}
		t.Logf("screenshot of %s: %s", p.name, path)
	}
}

// docShot writes a README screenshot under docs/ when asked to, at 1280
// and 400 px, light and dark (looks), named name-<width>-<scheme>.png.
func docShot(t *testing.T, p *page, name string) {
	t.Helper()
	if !*updateScreenshots {
		return
	}
	// Without the passing notice of an earlier action.
	eval[string](t, p, `document.getElementById('status').textContent = ''`)
	dir := filepath.Join("..", "..", "docs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	defer p.emulate(t, looks[0])
	for _, l := range looks {
		p.emulate(t, l)
		file := fmt.Sprintf("%s-%d-%s.png", name, l.width, l.scheme)
		if err := p.screenshot(filepath.Join(dir, file)); err != nil {
			t.Fatalf("screenshot %s: %v", file, err)
		}
	}
}

// goTo shows the console's view at hash, as following a link does.
func (p *page) goTo(t *testing.T, hash string) {
	t.Helper()
	eval[string](t, p, fmt.Sprintf(`location.hash = %q`, hash))
}

func (p *page) login(t *testing.T, user, password string) {
	t.Helper()
	p.do(t, "load the console", chromedp.Navigate(p.b.base+"/"))
	p.do(t, "log in as "+user,
		chromedp.WaitVisible(chromedp.ID("login-user")),
		chromedp.SendKeys(chromedp.ID("login-user"), user),
		chromedp.SendKeys(chromedp.ID("login-password"), password+kb.Enter),
		chromedp.WaitVisible(chromedp.ID("who")),
	)
	p.waitFor(t, "the login dialog to close", `!document.getElementById('login-dialog').open`)
}

// checkLabels fails when a control has no accessible name.
func (p *page) checkLabels(t *testing.T, where string) {
	t.Helper()
	missing := eval[[]string](t, p, `[...document.querySelectorAll('input, textarea, select, button, a[href]')].filter((e) => {
		if (e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')) return false;
		if (e.matches('input, textarea, select')) return !(e.labels && e.labels.length);
		return !e.textContent.trim();
	}).map((e) => e.outerHTML.slice(0, 120))`)
	if len(missing) > 0 {
		t.Errorf("%s: controls without a label: %q", where, missing)
	}
}

// checkFits fails when the page scrolls sideways at the current width.
func (p *page) checkFits(t *testing.T, where string) {
	t.Helper()
	if w := eval[[]int](t, p, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1] {
		t.Errorf("%s: the page is %d px wide in a %d px window", where, w[0], w[1])
	}
}

// narrow runs check with the tab 400 px wide.
func (p *page) narrow(t *testing.T, check func()) {
	t.Helper()
	p.do(t, "narrow the window", chromedp.EmulateViewport(400, 800))
	defer p.do(t, "widen the window", chromedp.EmulateViewport(1280, 800))
	check()
}

// fieldErrors are the texts of the share dialog's error messages.
func (p *page) fieldErrors(t *testing.T) map[string]string {
	t.Helper()
	return eval[map[string]string](t, p, `Object.fromEntries(['share', 'share-with', 'share-until', 'share-description', 'share-permit'].map((id) => [id, document.getElementById(id + '-error').textContent]))`)
}

// insertText types text into the focused field at once, as a paste does.
func insertText(text string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, input.InsertText, input.InsertTextParams{Text: text})
		return chromedp.Void{}, err
	}
}

// TestConsole drives the web console in headless Chromium against
// `regshare dev`, through the five steps of sharing an image.
func TestConsole(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry and a browser")
	}
	exe := chromium(t)
	d := startDev(t)
	created := time.Date(2026, 5, 4, 10, 30, 0, 0, time.UTC)
	digest := d.push(t, "alice", "acme/web:1.0", created)
	d.push(t, "alice", "acme/web:latest", created.Add(time.Hour))
	d.push(t, "alice", "acme/tools/builder:2", created)
	// The browser's zone is UTC (newBrowser), as are the days below.
	b := newBrowser(t, exe, d.info.API)

	until := time.Now().UTC().AddDate(0, 1, 0).Format(time.DateOnly)
	untilShown := time.Now().UTC().AddDate(0, 1, 0).Format("Jan 2, 2006")
	yesterday := time.Now().UTC().AddDate(0, 0, -2).Format(time.DateOnly)
	const description = "For globex's nightly integration tests"
	alice := b.tab(t, "alice")

	step := steps(t)

	step("1 owner shares with globex", []*page{alice}, func(t *testing.T) {
		alice.login(t, "alice", d.users["alice"].Password)
		alice.checkLabels(t, "My Images")
		alice.waitFor(t, "My Images", `document.querySelector('#private-body a[href="#/image/acme/web"]')`)
		if got := alice.text(t, "#private-body"); !strings.Contains(got, "acme/tools/builder") {
			t.Errorf("My Images: %q, want acme/web and acme/tools/builder", got)
		}
		alice.narrow(t, func() { alice.checkFits(t, "My Images at 400 px") })

		alice.do(t, "open acme/web", chromedp.Click(chromedp.CSS(`#private-body a[href="#/image/acme/web"]`)))
		alice.waitFor(t, "the tags", `document.querySelectorAll('#tags-body tr').length === 2`)
		if got := eval[string](t, alice, `document.querySelector('#tags-body code[title]').title`); got != digest.String() {
			t.Errorf("digest of tag 1.0: %q, want %q", got, digest)
		}
		if got := alice.text(t, "#tags-body"); !strings.Contains(got, "docker pull "+d.info.Registry+"/acme/web:1.0") || !strings.Contains(got, "May 4, 2026, 10:30") {
			t.Errorf("tags: %q, want the pull command of 1.0 and its creation time", got)
		}
		alice.do(t, "copy the pull command", chromedp.Click(chromedp.CSS(`#tags-body button`)))
		alice.waitFor(t, "the copy to be announced", `document.getElementById('status').textContent !== ''`)

		alice.do(t, "open Sharing", chromedp.Click(chromedp.ID("tab-sharing")))
		alice.waitFor(t, "the empty Sharing tab", `document.getElementById('sharing-empty').textContent.includes('not shared')`)
		// The dialog opens and is filled in with the keyboard.
		alice.do(t, "open Share Image with the keyboard",
			chromedp.Focus(chromedp.ID("share-open")),
			chromedp.KeyEvent(kb.Enter),
			chromedp.WaitVisible(chromedp.ID("share-with")))
		if got := eval[string](t, alice, `document.activeElement.id`); got != "share-with" {
			t.Errorf("focus in the open dialog: %q, want share-with", got)
		}
		alice.checkLabels(t, "Share Image dialog")
		alice.do(t, "fill the dialog",
			chromedp.SendKeys(chromedp.ID("share-with"), "globex"),
			// A date field's typed format follows the browser's locale.
			chromedp.SetValue(chromedp.ID("share-until"), until),
			chromedp.SendKeys(chromedp.ID("share-description"), description))
		if got, want := alice.text(t, "#share-description-count"), fmt.Sprintf("%d/1,000", len(description)); got != want {
			t.Errorf("description counter: %q, want %q", got, want)
		}
		// Record the Idempotency-Key of each change the console sends.
		eval[bool](t, alice, `(() => { window.sentKeys = []; const f = window.fetch;
			window.fetch = (p, o) => { if (o && o.method !== 'GET') window.sentKeys.push((o.headers || {})['Idempotency-Key'] || ''); return f(p, o); };
			return true; })()`)
		alice.do(t, "submit with Enter", chromedp.Focus(chromedp.ID("share-with")), chromedp.KeyEvent(kb.Enter))
		alice.waitFor(t, "the dialog to close", `!document.getElementById('share-dialog').open`)
		if keys := eval[[]string](t, alice, `window.sentKeys`); len(keys) != 1 || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(keys[0]) {
			t.Errorf("the console's create sent Idempotency-Keys %q, want one of 32 hex digits", keys)
		}
		alice.waitFor(t, "the share in the table", `document.querySelector('#sharing-body tr[data-domain="globex"]')`)
		row := eval[map[string]string](t, alice, `Object.fromEntries([...document.querySelectorAll('#sharing-body tr[data-domain="globex"] td')].map((td) => [td.dataset.label, td.textContent]))`)
		want := map[string]string{"Domain": "globex", "Valid until": untilShown, "Description": description, "Permission": "Pull", "Status": "Valid", "Created by": "alice"}
		for k, v := range want {
			if row[k] != v {
				t.Errorf("share row %s: %q, want %q (row %q)", k, row[k], v, row)
			}
		}
		if got := d.shares(t, "alice", "acme", "web"); len(got) != 1 || got[0].AccessDomain != "globex" || got[0].Description != description ||
			!strings.HasPrefix(got[0].Deadline, time.Now().UTC().AddDate(0, 1, 1).Format(time.DateOnly)) {
			t.Errorf("shares of acme/web in the API: %+v, want globex until the end of %s", got, until)
		}
		if s := eval[string](t, alice, `JSON.stringify(sessionStorage)`); strings.Contains(s, d.users["alice"].Password) {
			t.Error("the password is in sessionStorage")
		}

		alice.do(t, "back to My Images", chromedp.Click(chromedp.CSS(`#image-back`)))
		alice.waitFor(t, "both images", `document.querySelectorAll('#private-body tr').length === 2`)
		alice.do(t, "tick Display only shared images", chromedp.Click(chromedp.ID("only-shared")))
		alice.waitFor(t, "only the shared image", `document.querySelectorAll('#private-body tr').length === 1 && document.querySelector('#private-body a[href="#/image/acme/web"]')`)
	})

	step("2 the dialog shows the API's errors next to their fields", []*page{alice}, func(t *testing.T) {
		alice.goTo(t, "#/image/acme/web?tab=sharing")
		alice.waitFor(t, "the share", `document.querySelector('#sharing-body tr[data-domain="globex"]')`)
		long := strings.Repeat("x", 1001)
		cases := []struct {
			name, with, until, description, field, want string
		}{
			{"unknown domain", "initech", until, "Nightly builds for initech QA", "share-with", `There is no domain named "initech".`},
			{"description over 1,000 characters", "globex", until, long, "share-description", "longer than 1,000 characters"},
			{"past date", "globex", yesterday, "too late", "share-until", "Choose a date in the future."},
		}
		for i, c := range cases {
			alice.do(t, c.name+": open the dialog", chromedp.Click(chromedp.ID("share-open")), chromedp.WaitVisible(chromedp.ID("share-with")))
			alice.do(t, c.name+": fill the dialog",
				chromedp.SendKeys(chromedp.ID("share-with"), c.with),
				chromedp.SetValue(chromedp.ID("share-until"), c.until),
				chromedp.Focus(chromedp.ID("share-description")),
				insertText(c.description))
			if c.description == long {
				if got := alice.text(t, "#share-description-count"); got != "1,001/1,000" {
					t.Errorf("counter at 1,001 characters: %q", got)
				}
			}
			if i == 0 {
				docShot(t, alice, shotSharing)
				alice.narrow(t, func() { alice.checkFits(t, "Share Image dialog at 400 px") })
			}
			alice.do(t, c.name+": submit", chromedp.Click(chromedp.ID("share-submit")))
			alice.waitFor(t, c.name+": an error", `document.querySelector('#share-dialog .error:not(:empty)')`)
			errs := alice.fieldErrors(t)
			if !strings.Contains(errs[c.field], c.want) {
				t.Errorf("%s: error next to %s: %q, want %q (all: %q)", c.name, c.field, errs[c.field], c.want, errs)
			}
			for f, msg := range errs {
				if f != c.field && msg != "" {
					t.Errorf("%s: unexpected error next to %s: %q", c.name, f, msg)
				}
			}
			state := eval[map[string]any](t, alice, fmt.Sprintf(`({open: document.getElementById('share-dialog').open,
				with: document.getElementById('share-with').value,
				description: document.getElementById('share-description').value.length,
				invalid: document.getElementById(%q).getAttribute('aria-invalid')})`, c.field))
			if state["open"] != true || state["with"] != c.with || state["description"] != float64(len(c.description)) || state["invalid"] != "true" {
				t.Errorf("%s: after the error the dialog is %v, want it open with what was typed and the field marked invalid", c.name, state)
			}
			alice.do(t, c.name+": cancel", chromedp.Click(chromedp.ID("share-cancel")))
			alice.waitFor(t, c.name+": the dialog to close", `!document.getElementById('share-dialog').open`)
		}
		if got := d.shares(t, "alice", "acme", "web"); len(got) != 1 || got[0].Description != description {
			t.Errorf("after refused changes the shares are %+v, want the one share of step 1 unchanged", got)
		}
	})

	gina := b.tab(t, "gina")
	step("3 globex sees the image and pulls it", []*page{gina}, func(t *testing.T) {
		gina.login(t, "gina", d.users["gina"].Password)
		gina.do(t, "open Shared Images", chromedp.Click(chromedp.ID("tab-shared")))
		gina.waitFor(t, "the shared image", `document.querySelector('#shared-body tr')`)
		row := eval[map[string]string](t, gina, `Object.fromEntries([...document.querySelectorAll('#shared-body tr td')].map((td) => [td.dataset.label, td.textContent]))`)
		want := map[string]string{"Image": "acme/web", "Owner domain": "acme", "Valid until": untilShown, "Status": "Valid", "Tags": "1.0latest"}
		for k, v := range want {
			if row[k] != v {
				t.Errorf("Shared Images %s: %q, want %q (row %q)", k, row[k], v, row)
			}
		}
		gina.checkLabels(t, "Shared Images")
		docShot(t, gina, shotShared)
		gina.narrow(t, func() { gina.checkFits(t, "Shared Images at 400 px") })

		cmd := gina.text(t, "#shared-body code")
		ref, ok := strings.CutPrefix(cmd, "docker pull ")
		if !ok || ref != d.info.Registry+"/acme/web:latest" {
			t.Fatalf("pull command %q, want docker pull %s/acme/web:latest", cmd, d.info.Registry)
		}
		img, err := remote.Image(d.ref(t, ref), d.auth("gina"))
		if err != nil {
			t.Fatalf("%s as gina: %v", cmd, err)
		}
		if _, err := img.RawConfigFile(); err != nil {
			t.Fatalf("%s as gina: config: %v", cmd, err)
		}

		// The image's own page: its tags, and no Sharing tab.
		gina.do(t, "open acme/web", chromedp.Click(chromedp.CSS(`#shared-body a[href="#/image/acme/web"]`)))
		gina.waitFor(t, "the tags", `document.querySelectorAll('#tags-body tr').length === 2`)
		if eval[bool](t, gina, `!document.getElementById('tab-sharing').hidden`) {
			t.Error("a recipient sees the Sharing tab")
		}
		if got := eval[string](t, gina, `document.querySelector('#tags-body tr code[title]').title`); got != digest.String() {
			t.Errorf("recipient's digest of 1.0: %q, want %q", got, digest)
		}
	})

	rita := b.tab(t, "rita")
	step("4 a read user cannot share", []*page{rita}, func(t *testing.T) {
		rita.login(t, "rita", d.users["rita"].Password)
		rita.goTo(t, "#/image/acme/web?tab=sharing")
		rita.waitFor(t, "the share", `document.querySelector('#sharing-body tr[data-domain="globex"]')`)
		shown := eval[map[string]bool](t, rita, `({
			shareButton: !document.getElementById('share-open').hidden,
			note: !document.getElementById('sharing-readonly').hidden,
			rowButtons: document.querySelectorAll('#sharing-body button').length > 0})`)
		if shown["shareButton"] || shown["rowButtons"] || !shown["note"] {
			t.Errorf("read user's Sharing tab: %v, want the read-only note and no Share Image, Edit or Revoke", shown)
		}
		// Forced: the API refuses the read user's changes.
		for _, c := range []struct{ method, path, body string }{
			{"POST", "", `{"access_domain":"globex","permit":"read","deadline":"forever"}`},
			{"PATCH", "/globex", `{"deadline":"forever"}`},
			{"DELETE", "/globex", ""},
		} {
			got := eval[string](t, rita, fmt.Sprintf(`(async () => {
				const s = JSON.parse(sessionStorage.getItem('regshare.session'));
				const r = await fetch('/v2/manage/namespaces/acme/repositories/web/access-domains%s', {
					method: %q, headers: {Authorization: 'Bearer ' + s.token, 'Content-Type': 'application/json'},
					body: %q || undefined});
				return r.status + ' ' + (await r.json())[0].errorCode;
			})()`, c.path, c.method, c.body))
			if got != "403 REGSHARE.4030002" {
				t.Errorf("read user's %s: %s, want 403 REGSHARE.4030002", c.method, got)
			}
		}
		if got := d.shares(t, "alice", "acme", "web"); len(got) != 1 || got[0].Description != description {
			t.Errorf("after the read user's attempts the shares are %+v", got)
		}

		// A token the API refuses (as an expired one) asks for the password
		// again, over the page.
		eval[string](t, rita, `(() => {
			const s = JSON.parse(sessionStorage.getItem('regshare.session'));
			s.token = 'x' + s.token;
			sessionStorage.setItem('regshare.session', JSON.stringify(s));
			return '';
		})()`)
		rita.do(t, "reload", chromedp.Reload())
		rita.waitFor(t, "the login dialog", `document.getElementById('login-dialog').open && !document.getElementById('login-expired').hidden`)
		if got := eval[string](t, rita, `document.getElementById('login-user').value`); got != "rita" {
			t.Errorf("user after the session expired: %q, want rita", got)
		}
		rita.do(t, "log in again", chromedp.SendKeys(chromedp.ID("login-password"), d.users["rita"].Password+kb.Enter))
		rita.waitFor(t, "the Sharing tab again", `!document.getElementById('login-dialog').open && document.querySelector('#sharing-body tr[data-domain="globex"]')`)
	})

	step("5 the owner revokes", []*page{alice, gina}, func(t *testing.T) {
		alice.goTo(t, "#/image/acme/web?tab=sharing")
		alice.waitFor(t, "the share", `document.querySelector('#sharing-body tr[data-domain="globex"]')`)
		alice.do(t, "revoke",
			chromedp.Click(chromedp.CSS(`#sharing-body tr[data-domain="globex"] button.danger`)),
			chromedp.WaitVisible(chromedp.ID("revoke-submit")))
		if got := eval[string](t, alice, `document.activeElement.id`); got != "revoke-cancel" {
			t.Errorf("focus in the revoke dialog: %q, want revoke-cancel", got)
		}
		alice.do(t, "confirm", chromedp.Click(chromedp.ID("revoke-submit")))
		alice.waitFor(t, "the empty Sharing tab", `!document.querySelector('#sharing-body tr') && !document.getElementById('sharing-empty').hidden`)
		if got := d.shares(t, "alice", "acme", "web"); len(got) != 0 {
			t.Errorf("after revoking the shares are %+v", got)
		}
		gina.do(t, "back to Shared Images", chromedp.Click(chromedp.ID("image-back")))
		gina.waitFor(t, "no shared image", `document.getElementById('shared-empty').textContent === 'No image is shared with your domain.' && !document.getElementById('shared-empty').hidden`)
	})

	step("6 log out ends the console's API token on the server", []*page{gina}, func(t *testing.T) {
		token := eval[string](t, gina, `JSON.parse(sessionStorage.getItem('regshare.session')).token`)
		apiCall := func() int {
			req, _ := http.NewRequest("GET", d.info.API+"/v2/manage/user", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if got := apiCall(); got != 200 {
			t.Fatalf("the console's token before logging out: %d", got)
		}
		gina.do(t, "log out", chromedp.Click(chromedp.ID("logout")))
		gina.waitFor(t, "the login dialog", `document.getElementById('login-dialog').open && !sessionStorage.getItem('regshare.session')`)
		if got := apiCall(); got != 401 {
			t.Errorf("the console's token after logging out: %d, want 401", got)
		}
	})
}

// steps runs the steps of a console test as subtests: a failed one keeps
// a screenshot of its pages and ends the test, as later steps build on it.
func steps(t *testing.T) func(name string, pages []*page, f func(t *testing.T)) {
	return func(name string, pages []*page, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, func(t *testing.T) {
			defer shotOnFailure(t, pages...)
			f(t)
		}) {
			t.FailNow()
		}
	}
}
