package main

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// passTime lets the tab's clock run ahead by d of virtual time, as fast
// as the page's timers allow: Chromium's own virtual time, which Date and
// setTimeout follow, paused while a request is on its way (the server
// keeps real time, so the page's tokens stay valid there). After it the
// page's time stands still until the next passTime.
func (p *page) passTime(t *testing.T, d time.Duration) {
	t.Helper()
	expired := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	if err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*emulation.EventVirtualTimeBudgetExpired); ok {
			select {
			case expired <- struct{}{}:
			default:
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	budget := float64(d.Milliseconds())
	p.do(t, "let "+d.String()+" pass", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetVirtualTimePolicy, emulation.SetVirtualTimePolicyParams{
			Policy: emulation.VirtualTimePolicyPauseIfNetworkFetchesPending, Budget: &budget,
		})
		return chromedp.Void{}, err
	})
	select {
	case <-expired:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: %s of virtual time did not pass in 30 s", p.name, d)
	}
}

// stopTime holds the tab's clock (virtual time, paused) until passTime.
func (p *page) stopTime(t *testing.T) {
	t.Helper()
	p.do(t, "stop the clock", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetVirtualTimePolicy, emulation.SetVirtualTimePolicyParams{Policy: emulation.VirtualTimePolicyPause})
		return chromedp.Void{}, err
	})
}

// sessionToken is the API token the tab holds; "" when logged out.
func (p *page) sessionToken(t *testing.T) string {
	t.Helper()
	return eval[string](t, p, `(JSON.parse(sessionStorage.getItem('regshare.session') || '{}').token) || ''`)
}

// The console's session lasts while the tab is used: its API token (5
// minutes) is renewed before it expires; after 30 minutes without use a
// warning comes a minute before the end, "Stay logged in" keeps the
// session, and otherwise the token is ended on the server and the login
// dialog says why. Log out ends the token on the server too. Today's
// console loses the session after 5 minutes, mid-task.
func TestConsoleSession(t *testing.T) {
	if testing.Short() {
		t.Skip("starts regshare dev and Chromium")
	}
	exe := chromium(t)
	d := startDev(t)
	b := newBrowser(t, exe, d.info.API)
	listing := "/v2/manage/shared-repositories?center=self"
	works := func(token string) bool {
		return httpStatus(t, "GET", d.info.API, listing, bearer(token), "") == 200
	}
	p := b.tab(t, "alice")
	defer shotOnFailure(t, p)
	p.login(t, "alice", d.users["alice"].Password)
	p.stopTime(t)
	first := p.sessionToken(t)

	t.Run("renewed while in use", func(t *testing.T) {
		token := first
		for i := range 3 { // 12 minutes of work, a key pressed every 4
			// Signatures are deterministic: a token renewed in the same
			// second of the server's (real) time would be the same.
			time.Sleep(1100 * time.Millisecond)
			p.do(t, "press a key", chromedp.KeyEvent("\t"))
			p.passTime(t, 4*time.Minute)
			next := p.sessionToken(t)
			if next == "" || next == token {
				t.Fatalf("after %d min in use: token %q, want a renewed one", 4*(i+1), next)
			}
			if !works(next) {
				t.Fatalf("the renewed token is refused by the API")
			}
			token = next
		}
		if eval[bool](t, p, `document.getElementById('login-dialog').open`) {
			t.Fatal("the login dialog opened while the console was in use")
		}
	})

	t.Run("warned, then stays", func(t *testing.T) {
		p.do(t, "press a key", chromedp.KeyEvent("\t"))
		p.passTime(t, 29*time.Minute+10*time.Second)
		if !eval[bool](t, p, `document.getElementById('idle-dialog').open`) {
			t.Fatal("no warning a minute before the idle timeout")
		}
		if txt := p.text(t, "#idle-text"); txt == "" {
			t.Error("the warning says nothing")
		}
		p.do(t, "stay logged in", chromedp.Click(chromedp.ID("idle-stay")))
		p.passTime(t, 2*time.Minute)
		if eval[bool](t, p, `document.getElementById('idle-dialog').open || document.getElementById('login-dialog').open`) {
			t.Fatal("the session ended after Stay logged in")
		}
		if !works(p.sessionToken(t)) {
			t.Fatal("the token after Stay logged in is refused")
		}
	})

	t.Run("ends when idle", func(t *testing.T) {
		token := p.sessionToken(t)
		p.passTime(t, 31*time.Minute)
		if !eval[bool](t, p, `document.getElementById('login-dialog').open`) {
			t.Fatal("no login dialog after 30 minutes idle")
		}
		if msg := p.text(t, "#login-expired"); msg == "" || !eval[bool](t, p, `!document.getElementById('login-expired').hidden`) {
			t.Errorf("the login dialog does not say why: %q", msg)
		}
		if p.sessionToken(t) != "" {
			t.Error("the tab keeps a token after the idle end")
		}
		if works(token) || works(first) {
			t.Error("the session's tokens still work after the idle end: it was not ended on the server")
		}
	})

	t.Run("log out ends the token", func(t *testing.T) {
		q := b.tab(t, "alice-2")
		defer shotOnFailure(t, q)
		q.login(t, "alice", d.users["alice"].Password)
		token := q.sessionToken(t)
		if !works(token) {
			t.Fatal("a fresh token is refused")
		}
		q.do(t, "log out", chromedp.Click(chromedp.ID("logout")))
		q.waitFor(t, "the login dialog", `document.getElementById('login-dialog').open`)
		if works(token) {
			t.Error("the token works after Log out")
		}
	})
}
