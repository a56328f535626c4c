// regshare console: what every page shares. The element builder (what the
// API returns is always set as text, never parsed as HTML), times and
// sizes, the session and the API calls, status messages and list states.
// app.js owns the login and the routing; images.js, image.js and share.js
// draw the pages; accounts.js the account pages.
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

// ---- time and sizes -------------------------------------------------

export const pad = (n) => String(n).padStart(2, '0');
export const utcDate = (t) => `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
export const utcTime = (t) => `${utcDate(t)} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())} UTC`;
export const atMidnightUTC = (t) => t.getUTCHours() === 0 && t.getUTCMinutes() === 0 && t.getUTCSeconds() === 0;

// A deadline given as a date means the end of that day, UTC: the API
// stores the next midnight. Show and edit it as the date the user chose.
export function deadlineDate(deadline) {
  const t = new Date(deadline);
  if (atMidnightUTC(t)) return utcDate(new Date(t.getTime() - 86400000));
  return utcDate(t);
}

export function deadlineText(deadline) {
  if (!deadline || deadline === 'forever') return 'Permanent';
  const t = new Date(deadline);
  return atMidnightUTC(t) ? deadlineDate(deadline) : utcTime(t);
}

export function timeEl(iso, text) {
  return el('time', { datetime: iso, title: iso }, text);
}

export function deadlineEl(deadline) {
  if (!deadline || deadline === 'forever') return 'Permanent';
  return timeEl(deadline, deadlineText(deadline));
}

export function sizeText(n) {
  if (!n) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

export function localToday() {
  const t = new Date();
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}`;
}

export const runeCount = (s) => [...s].length;
export const formatCount = (n) => n.toLocaleString('en-US');

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
  } catch (e) { /* a damaged entry is dropped below */ }
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

export class ApiError extends Error {
  constructor(status, code, message, detail) {
    super(message);
    this.status = status;
    this.code = code;
    this.detail = detail;
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
  if (!state.session) throw new ApiError(401, 'REGSHARE.4010001', 'Not logged in.');
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
    } catch (e) {
      resp = null;
    }
    const retry = change && (!opts || opts.retry !== false) && attempt < changeRetries.length && (resp === null || resp.status === 503);
    if (!retry) break;
    announce('regshare could not confirm the change yet; trying again…');
    await new Promise((r) => setTimeout(r, changeRetries[attempt]));
  }
  if (resp === null) {
    throw new ApiError(0, '', 'regshare did not answer. Check your connection and try again.');
  }
  const text = await resp.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch (e) { data = null; }
  }
  if (!resp.ok) {
    const first = (Array.isArray(data) && data[0]) || {};
    const err = new ApiError(resp.status, first.errorCode || '', first.errorMessage || `${resp.status} ${resp.statusText}`, first.detail);
    if (resp.status === 401) expire();
    throw err;
  }
  return { data, range: resp.headers.get('Content-Range') };
}

// sharesPath is the SWR path of a repository's shares: the repository
// below its namespace, with "/" written "$".
export function repoPath(repo) {
  const i = repo.indexOf('/');
  return `/v2/manage/namespaces/${encodeURIComponent(repo.slice(0, i))}/repositories/${encodeURIComponent(repo.slice(i + 1).replaceAll('/', '$'))}`;
}
export const sharesPath = (repo) => `${repoPath(repo)}/access-domains`;

// ---- status messages ------------------------------------------------

let toastTimer = 0;
export function announce(msg) {
  const s = $('status');
  s.textContent = msg;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { s.textContent = ''; }, 5000);
}

// copyText copies text and announces it, or only what it is (a secret
// is never put in the status line).
export async function copyText(text, button, what) {
  let ok = false;
  try {
    await navigator.clipboard.writeText(text);
    ok = true;
  } catch (e) {
    const ta = el('textarea', { class: 'sr-only', readonly: true, 'aria-hidden': 'true' });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    try { ok = document.execCommand('copy'); } catch (e2) { ok = false; }
    ta.remove();
    button.focus();
  }
  announce(ok ? (what ? `Copied ${what}.` : `Copied: ${text}`) : 'Could not copy; select the text and copy it.');
  if (ok) {
    button.textContent = 'Copied';
    setTimeout(() => { button.textContent = 'Copy'; }, 1500);
  }
}

// pullCommandEl shows a pull command with its Copy button. A narrow
// window wraps the command only after "/", ":" and "@" (<wbr>), so that
// no name or tag is split.
export function pullCommandEl(cmd, what) {
  const parts = cmd.split(/(?<=[/:@])/).flatMap((s) => [s, el('wbr')]);
  return el('div', { class: 'cmd' },
    el('code', {}, parts.slice(0, -1)),
    el('button', {
      type: 'button', class: 'small', 'aria-label': `Copy the pull command of ${what}`,
      onclick: (ev) => copyText(cmd, ev.currentTarget),
    }, 'Copy'));
}

export function badge(valid) {
  return el('span', { class: `badge ${valid ? 'valid' : 'expired'}` }, valid ? 'Valid' : 'Expired');
}

export function fill(tbody, rows, emptyEl, emptyText) {
  tbody.replaceChildren(...rows);
  emptyEl.hidden = rows.length > 0;
  if (emptyText) emptyEl.textContent = emptyText;
}

export function loading(tbody, emptyEl) {
  tbody.replaceChildren();
  emptyEl.hidden = false;
  emptyEl.textContent = 'Loading…';
}

// listFailed empties a list whose read failed, and says why in errorEl.
export function listFailed(tbody, emptyEl, errorEl, e) {
  fill(tbody, [], emptyEl);
  emptyEl.hidden = true;
  errorEl.textContent = e.message;
}
