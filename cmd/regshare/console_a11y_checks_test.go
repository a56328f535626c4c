package main

import (
	"encoding/json"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// contrastJS measures colours as the user sees them: behind(e, d) is the
// colour d px outside e's box (the top layer and the layers above the
// page blended in), ratio(a, b) the WCAG contrast ratio of two colours.
const contrastJS = `
const rgba = (s) => { const m = /rgba?\(([^)]*)\)/.exec(s); if (!m) return [0, 0, 0, 0];
	const v = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
const over = (top, under) => { const a = top[3]; return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat(1); };
const fill = (e) => { const layers = [];
	for (let x = e; x; x = x.parentElement) { const c = rgba(getComputedStyle(x).backgroundColor); if (c[3] > 0) layers.push(c); if (c[3] >= 1) break; }
	return layers.reduceRight((under, c) => over(c, under), [255, 255, 255, 1]); };
const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
	return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
const behind = (e, d) => { const r = e.getBoundingClientRect(); const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
	const points = [[cx, r.top - d], [cx, r.bottom + d], [r.left - d, cy], [r.right + d, cy]]
		.filter(([x, y]) => x >= 0 && y >= 0 && x < innerWidth && y < innerHeight);
	return points.map(([x, y]) => { const hit = document.elementsFromPoint(x, y).find((h) => h !== e && !e.contains(h));
		return hit ? fill(hit) : [255, 255, 255, 1]; }); };
const describe = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '')
	+ (e.id ? '' : ' "' + (e.getAttribute('aria-label') || e.textContent).trim().slice(0, 40) + '"');
const shown = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden' && !e.closest('[inert]') &&
	!(document.querySelector('dialog:modal') && !e.closest('dialog:modal'));
`

// checkBorders fails when a field's border has less than 3:1 contrast
// with the colour around it or with its own background (WCAG 1.4.11).
// Check boxes and radio buttons are drawn by the browser.
func (p *page) checkBorders(t *testing.T, where string) {
	t.Helper()
	for _, f := range eval[[]string](t, p, `(() => {`+contrastJS+`
		const fields = [...document.querySelectorAll('input:not([type=checkbox]):not([type=radio]):not([type=hidden]), select, textarea')]
			.filter((e) => !e.disabled && shown(e));
		return fields.flatMap((e) => {
			e.scrollIntoView({block: 'center'});
			const s = getComputedStyle(e);
			const border = over(rgba(s.borderTopColor), fill(e));
			const worst = Math.min(ratio(border, fill(e)), ...behind(e, 1.5).map((c) => ratio(border, c)));
			return parseFloat(s.borderTopWidth) < 1 || worst < 3 ? [describe(e) + ': border ' + s.borderTopColor + ' ' + s.borderTopWidth + ', contrast ' + worst.toFixed(2) + ':1'] : [];
		});
	})()`) {
		t.Errorf("%s: %s, want at least 3:1", where, f)
	}
}

// checkFocusRing moves the focus with Tab through every control shown
// and fails when its focus ring is thinner than 2 px or has less than 3:1
// contrast with what is behind it (WCAG 2.2 2.4.13, 1.4.11).
func (p *page) checkFocusRing(t *testing.T, where string) {
	t.Helper()
	seen := map[string]bool{}
	for range 80 {
		p.do(t, "press Tab", chromedp.KeyEvent(kb.Tab))
		got := eval[map[string]string](t, p, `(() => {`+contrastJS+`
			const e = document.activeElement;
			if (!e || e === document.body || !e.matches(':focus-visible')) return {what: ''};
			const s = getComputedStyle(e);
			const ring = rgba(s.outlineColor);
			const d = parseFloat(s.outlineOffset) + parseFloat(s.outlineWidth) / 2;
			const worst = Math.min(...behind(e, d).map((c) => ratio(over(ring, c), c)));
			return {what: describe(e) + '@' + Math.round(e.getBoundingClientRect().top + scrollY),
				bad: s.outlineStyle === 'none' || parseFloat(s.outlineWidth) < 2 || worst < 3 ?
					'focus ring ' + s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor + ', contrast ' + worst.toFixed(2) + ':1' : ''};
		})()`)
		if got["what"] == "" || seen[got["what"]] {
			return
		}
		seen[got["what"]] = true
		if got["bad"] != "" {
			t.Errorf("%s: %s: %s, want a ring of 2 px or more with at least 3:1", where, got["what"], got["bad"])
		}
	}
}

// checkPullCommands fails when a pull command shown breaks inside a word:
// a line may end after "/", ":", "@" or a space, nowhere else. It returns
// how many commands take more than one line.
func (p *page) checkPullCommands(t *testing.T, where string) int {
	t.Helper()
	var got struct {
		Bad     []string `json:"bad"`
		Wrapped int      `json:"wrapped"`
		Count   int      `json:"count"`
	}
	b := eval[[]byte](t, p, `(() => {
		const bad = []; let wrapped = 0;
		const codes = [...document.querySelectorAll('.cmd code')].filter((c) => c.textContent.startsWith('docker pull ') && c.getClientRects().length);
		for (const c of codes) {
			const chars = [];
			const w = document.createTreeWalker(c, NodeFilter.SHOW_TEXT);
			for (let n = w.nextNode(); n; n = w.nextNode()) {
				for (let i = 0; i < n.data.length; i++) {
					const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1);
					const box = r.getClientRects()[0];
					chars.push({ch: n.data[i], top: box && box.width > 0 ? box.top : null});
				}
			}
			let text = '', lines = 1, prev = null, broken = false;
			for (const [i, x] of chars.entries()) {
				if (x.top !== null && prev !== null && x.top > chars[prev].top + 2) {
					lines++;
					const gap = chars.slice(prev, i + 1).map((y) => y.ch).join('');
					if (!/[\/:@]$/.test(chars[prev].ch) && !/\s/.test(gap)) broken = true;
					text += '|';
				}
				text += x.ch;
				if (x.top !== null) prev = i;
			}
			if (lines > 1) wrapped++;
			if (broken) bad.push(text);
		}
		return {bad, wrapped, count: codes.length};
	})()`)
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Count == 0 {
		t.Errorf("%s: no pull command shown", where)
	}
	for _, s := range got.Bad {
		t.Errorf("%s: a pull command breaks inside a word: %q ('|' marks each line break)", where, s)
	}
	return got.Wrapped
}

// checkNoJump submits the empty Share Image dialog, at 400 and then 1280
// px, and fails when the errors it shows move the dialog or its fields.
// It leaves the dialog open with its errors.
func (p *page) checkNoJump(t *testing.T) {
	t.Helper()
	const where = `JSON.stringify(['share-dialog', 'share-with', 'share-until', 'share-permanent', 'share-description', 'share-permit', 'share-submit']
		.map((id) => { const r = document.getElementById(id).getBoundingClientRect(); return [id, Math.round(r.top), Math.round(r.bottom)]; }))`
	for _, w := range []int64{400, 1280} {
		p.emulate(t, look{w, "light"})
		p.do(t, "reopen Share Image", chromedp.Click(chromedp.ID("share-cancel")), chromedp.Click(chromedp.ID("share-open")),
			chromedp.WaitVisible(chromedp.ID("share-with")))
		before := eval[string](t, p, where)
		p.do(t, "submit the empty dialog", chromedp.Click(chromedp.ID("share-submit")))
		p.waitFor(t, "the errors", `document.getElementById('share-with-error').textContent && document.getElementById('share-until-error').textContent`)
		if after := eval[string](t, p, where); after != before {
			t.Errorf("at %d px the errors moved the dialog: [id, top, bottom] %s, then %s", w, before, after)
		}
	}
}

// required are the fields a dialog cannot be sent without.
var required = []string{"login-user", "login-password", "share-with", "share-until", "user-name", "robot-name",
	"domain-name", "group-name", "webhook-url", "password-current", "password-new", "password-repeat"}

// checkRequired fails when a required field is not marked so, to screen
// readers (required or aria-required) and to the eye (a "*" after its
// label, which its dialog explains), and when "Valid until" is spelt two
// ways (WCAG 3.3.2).
func (p *page) checkRequired(t *testing.T) {
	t.Helper()
	ids, _ := json.Marshal(required)
	for _, f := range eval[[]string](t, p, `((ids) => {
		const out = [];
		for (const id of ids) {
			const e = document.getElementById(id);
			if (!e) { out.push(id + ' is missing'); continue; }
			if (!e.required && e.getAttribute('aria-required') !== 'true') out.push(id + ' is not marked required');
			const fieldset = e.closest('fieldset');
			const label = [...e.labels].find((l) => !l.classList.contains('sr-only')) || (fieldset && fieldset.querySelector('legend'));
			const mark = label ? getComputedStyle(label, '::after').content : 'no label';
			if (!mark.includes('*')) out.push(id + ': its label "' + (label ? label.textContent : '') + '" has no * after it (' + mark + ')');
			const note = e.closest('dialog').querySelector('[data-i18n="a11y.required"]');
			if (!note || !note.textContent.includes('*')) out.push(id + ': its dialog does not say what * means');
		}
		if (document.body.textContent.includes('Valid Until')) out.push('the page says "Valid Until" and "Valid until"');
		return out;
	})(`+string(ids)+`)`) {
		t.Error(f)
	}
}

// checkDark fails unless the console follows the system's dark mode:
// dark page and dialogs, light text.
func (p *page) checkDark(t *testing.T) {
	t.Helper()
	defer p.emulate(t, looks[0])
	for _, l := range []look{{1280, "light"}, {1280, "dark"}} {
		p.emulate(t, l)
		got := eval[map[string]float64](t, p, `(() => {`+contrastJS+`
			return {page: lum(fill(document.body)), dialog: lum(fill(document.getElementById('share-dialog'))),
				text: lum(rgba(getComputedStyle(document.body).color))};
		})()`)
		dark := got["page"] < 0.05 && got["dialog"] < 0.05 && got["text"] > 0.5
		light := got["page"] > 0.8 && got["dialog"] > 0.8 && got["text"] < 0.05
		if (l.scheme == "dark" && !dark) || (l.scheme == "light" && !light) {
			t.Errorf("in the %s scheme the relative luminance of the page, the dialogs and the text are %v", l.scheme, got)
		}
	}
}
