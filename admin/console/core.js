// regshare console: what every page shares. The element builder (what the
// API returns is always set as text, never parsed as HTML), times and
// sizes (from time.js), the session and the API calls, status messages
// for people (humanError) and list states.
// app.js owns the login and the routing; images.js, namespaces.js,
// image.js and share.js draw the pages; accounts.js the account pages.
import { STRINGS, t } from './i18n.js';

export const API_SERVICE = document.querySelector('meta[name="regshare-api-service"]').content || 'regshare-api';
const SESSION_KEY = 'regshare.session';
export const MAX_DESCRIPTION = 1000;
export const PAGE = 100;

export const $ = (id) => document.getElementById(id);

// el builds an element; text is always set as text, never parsed as HTML.
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) e.append(c);
  }
  return e;
}

// setCurrent marks current, of links, as the page shown.
export function setCurrent(links, current) {
  for (const a of links) {
    if (a === current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// cell is a table cell labelled with its column, for narrow windows.
export const cell = (label, ...children) => el('td', { 'data-label': label }, ...children);

// ---- time and sizes (time.js) ----------------------------------------

export {
  addDays, atLocalMidnight, dateText, deadlineDate, deadlineEl, deadlineText, endOfDay, endOfQuarter, endsADay,
  formatCount, localDate, localTime, localToday, pad, runeCount, sizeText, timeEl, timeZone,
} from './time.js';

// ---- session --------------------------------------------------------

// state is what the pages share: the session ({token, user, expires}),
// the caller (GET /v2/manage/user), and the route's generation, which a
// list drawn for an older route checks before it draws.
export const state = { session: null, me: null, gen: 0 };
let expiryTimer = 0;

// hooks.expired(user) asks for the password again (app.js sets it).
export const hooks = { expired: () => {} };

export function loadSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY));
    if (s && s.token && s.user && s.expires > Date.now()) return s;
  } catch { /* a damaged entry is dropped below */ }
  sessionStorage.removeItem(SESSION_KEY);
  return null;
}

export function setSession(s) {
  state.session = s;
  clearTimeout(expiryTimer);
  if (!s) {
    sessionStorage.removeItem(SESSION_KEY);
    return;
  }
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
  expiryTimer = setTimeout(expire, Math.max(0, s.expires - Date.now()));
}

// expire ends the session but keeps the page, and any open dialog with
// what was typed in it, under the login dialog.
export function expire() {
  if (!state.session) return;
  const user = state.session.user;
  setSession(null);
  hooks.expired(user);
}

export function b64(s) {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

// ApiError is a refused or failed call: its status, the code and message
// of its first SWR error, and body, the answer as read (a bulk change's
// refusal is its per-pair results, not an SWR error).
class ApiError extends Error {
  constructor(status, code, message, detail, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.body = body;
  }
}

// newKey names one change (an Idempotency-Key): getRandomValues works
// outside secure contexts too.
function newKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// Waits between the attempts of one share change while regshare answers
// 503 or does not answer: under one Idempotency-Key, a retry is made at
// most once.
const changeRetries = [1000, 2000, 4000];

// api calls the share API. credentials: 'omit' keeps the browser from
// sending, or prompting for, Basic credentials it may remember. A change
// (not GET) carries an Idempotency-Key and is retried under it, unless
// opts.retry is false: the account API does not promise to answer a
// retried create with the first one's secret.
export async function api(method, path, body, opts) {
  if (!state.session) throw new ApiError(401, 'REGSHARE.4010001', t('app.notLoggedIn'));
  const headers = { Authorization: `Bearer ${state.session.token}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const change = method !== 'GET';
  if (change) headers['Idempotency-Key'] = newKey();
  let resp;
  for (let attempt = 0; ; attempt++) {
    try {
      resp = await fetch(path, {
        method, headers, credentials: 'omit', cache: 'no-store',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      resp = null;
    }
    const retry = change && (!opts || opts.retry !== false) && attempt < changeRetries.length && (resp === null || resp.status === 503);
    if (!retry) break;
    announce(t('app.retrying'));
    await new Promise((r) => setTimeout(r, changeRetries[attempt]));
  }
  if (resp === null) {
    throw new ApiError(0, '', t('errors.network'));
  }
  const text = await resp.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!resp.ok) {
    const first = (Array.isArray(data) && data[0]) || {};
    const err = new ApiError(resp.status, first.errorCode || '', first.errorMessage || t('errors.status', { status: resp.status }), first.detail, data);
    if (resp.status === 401) expire();
    throw err;
  }
  return { data, range: resp.headers.get('Content-Range') };
}

// isPrefix says whether repo names a namespace share's prefix: it ends
// in "/" ("acme/sdk/", or "acme/" for the whole namespace).
export const isPrefix = (repo) => repo.endsWith('/');

// repoPath is the SWR path of a repository: the repository below its
// namespace, with "/" written "$". A prefix ends in "$" ("sdk$" is
// acme/sdk/), and the whole namespace (acme/) is "$" alone.
export function repoPath(repo) {
  const i = repo.indexOf('/');
  const below = repo.slice(i + 1).replaceAll('/', '$') || '$';
  return `/v2/manage/namespaces/${encodeURIComponent(repo.slice(0, i))}/repositories/${encodeURIComponent(below)}`;
}
export const sharesPath = (repo) => `${repoPath(repo)}/access-domains`;

// A share's recipient is a domain, or a group of domains written "@name".
export const isGroup = (recipient) => recipient.startsWith('@');

// recipientText names a recipient within a sentence: the domain, or
// "group partners" for "@partners".
export const recipientText = (r) => (isGroup(r) ? t('share.groupName', { name: r.slice(1) }) : r);

// ---- status messages ------------------------------------------------

let toastTimer = 0;
export function announce(msg) {
  const s = $('status');
  s.textContent = msg;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { s.textContent = ''; }, 5000);
}

// copyText copies text and announces it, or only what it is (what: a
// secret is never put in the status line, and a pull command is said by
// its image, not read out).
export async function copyText(text, button, what) {
  let ok = false;
  try {
    await navigator.clipboard.writeText(text);
    ok = true;
  } catch {
    const ta = el('textarea', { class: 'sr-only', readonly: true, 'aria-hidden': 'true' });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    ta.remove();
    button.focus();
  }
  announce(ok ? (what ? t('app.copiedWhat', { what }) : t('app.copiedText', { text })) : t('app.copyFailed'));
  if (ok) {
    button.textContent = t('app.copied');
    setTimeout(() => { button.textContent = t('app.copy'); }, 1500);
  }
}

// pullCommandEl shows a pull command with its Copy button. A narrow
// window wraps the command only after "/", ":" and "@" (<wbr>), so that
// no name or tag is split.
export function pullCommandEl(cmd, what) {
  const parts = cmd.split(/(?<=[/:@])/).flatMap((s) => [s, el('wbr')]);
  return el('div', { class: 'cmd' },
    // Focusable: a command wider than its box scrolls, by keyboard too.
    el('code', { tabindex: 0 }, parts.slice(0, -1)),
    el('button', {
      type: 'button', class: 'small', 'aria-label': t('app.copyPull', { what }),
      onclick: (ev) => copyText(cmd, ev.currentTarget, t('app.pullCommandOf', { what })),
    }, t('app.copy')));
}

export function badge(valid) {
  return el('span', { class: `badge ${valid ? 'valid' : 'expired'}` }, valid ? t('app.valid') : t('app.expired'));
}

// sentence gives a server message a capital and a full stop; a message
// of the console's own (in Chinese too) keeps the stop it has.
function sentence(s) {
  const m = String(s || '').trim();
  if (!m) return '';
  const first = m[0].toUpperCase() + m.slice(1);
  return /[.!?…:。！？：]$/.test(first) ? first : `${first}.`;
}

// humanError is what to tell a person about e (an ApiError, or any
// {message}): e.human if the caller knows better (say, why the tags of an
// image are refused), or overrides[code]; else the console's sentence for
// its code, which says what to do; else the API's message as a sentence.
export function humanError(e, overrides) {
  if (!e) return '';
  const code = e.code || '';
  if (e.human) return e.human;
  if (overrides && overrides[code]) return overrides[code];
  if (e instanceof ApiError && e.status === 0) return t('errors.network');
  // i18n-keys: errors.REGSHARE.*
  if (code && STRINGS[`errors.${code}`]) return t(`errors.${code}`);
  return sentence(e.message);
}

// showError writes e into target for people, the API's code in small
// print (its own message on hover, in English as the API writes it);
// with retry, a network error gets a Retry button that calls it.
export function showError(target, e, opts = {}) {
  const parts = [humanError(e, opts.overrides)];
  if (e && e.code) parts.push(' ', el('small', { class: 'error-code', title: e.message || '', lang: 'en' }, e.code));
  if (opts.retry && e instanceof ApiError && e.status === 0) {
    parts.push(' ', el('button', { type: 'button', class: 'small retry', onclick: opts.retry }, t('errors.retry')));
  }
  target.replaceChildren(...parts);
}

// A list whose read failed hides its table (no header over nothing);
// fill and loading show it again.
const tableOf = (tbody) => tbody.closest('table');

export function fill(tbody, rows, emptyEl, emptyText) {
  tbody.replaceChildren(...rows);
  const table = tableOf(tbody);
  if (table) table.hidden = false;
  emptyEl.hidden = rows.length > 0;
  if (emptyText) emptyEl.textContent = emptyText;
}

export function loading(tbody, emptyEl) {
  tbody.replaceChildren();
  const table = tableOf(tbody);
  if (table) table.hidden = false;
  emptyEl.hidden = false;
  emptyEl.textContent = t('share.listLoading');
}

// listFailed empties a list whose read failed, and says why in errorEl.
// With retry (called with no argument), a network error offers Retry;
// the focus waits on the table while it reads again, and comes back to
// the new Retry button if that fails too.
export function listFailed(tbody, emptyEl, errorEl, e, retry) {
  fill(tbody, [], emptyEl);
  emptyEl.hidden = true;
  const table = tableOf(tbody);
  const waiting = table && table.contains(document.activeElement);
  if (table) table.hidden = true;
  const again = retry && (() => {
    errorEl.replaceChildren();
    if (table) {
      table.hidden = false;
      table.tabIndex = -1;
      table.focus();
    }
    retry();
  });
  showError(errorEl, e, { retry: again });
  if (waiting) {
    const b = errorEl.querySelector('button.retry');
    if (b) b.focus();
    else { errorEl.tabIndex = -1; errorEl.focus(); }
  }
}
