// regshare console: calls the share API with a token regshare issues for
// it. The password is sent once, to GET /token, and never stored; the token
// lives in this tab's sessionStorage until it expires or the user logs out.
// The account pages (users, robots, domains) are in accounts.js and the
// modules it imports.
import { accountPages } from './accounts.js';

(() => {
  const API_SERVICE = document.querySelector('meta[name="regshare-api-service"]').content || 'regshare-api';
  const SESSION_KEY = 'regshare.session';
  const MAX_DESCRIPTION = 1000;
  const PAGE = 100;

  const $ = (id) => document.getElementById(id);

  // el builds an element; text is always set as text, never parsed as HTML.
  function el(tag, attrs, ...children) {
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

  // cell is a table cell labelled with its column, for narrow windows.
  const cell = (label, ...children) => el('td', { 'data-label': label }, ...children);

  // ---- time and sizes -------------------------------------------------

  const pad = (n) => String(n).padStart(2, '0');
  const utcDate = (t) => `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
  const utcTime = (t) => `${utcDate(t)} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())} UTC`;
  const atMidnightUTC = (t) => t.getUTCHours() === 0 && t.getUTCMinutes() === 0 && t.getUTCSeconds() === 0;

  // A deadline given as a date means the end of that day, UTC: the API
  // stores the next midnight. Show and edit it as the date the user chose.
  function deadlineDate(deadline) {
    const t = new Date(deadline);
    if (atMidnightUTC(t)) return utcDate(new Date(t.getTime() - 86400000));
    return utcDate(t);
  }

  function deadlineText(deadline) {
    if (!deadline || deadline === 'forever') return 'Permanent';
    const t = new Date(deadline);
    return atMidnightUTC(t) ? deadlineDate(deadline) : utcTime(t);
  }

  function timeEl(iso, text) {
    return el('time', { datetime: iso, title: iso }, text);
  }

  function deadlineEl(deadline) {
    if (!deadline || deadline === 'forever') return 'Permanent';
    return timeEl(deadline, deadlineText(deadline));
  }

  function sizeText(n) {
    if (!n) return '—';
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
    return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
  }

  function localToday() {
    const t = new Date();
    return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}`;
  }

  const runeCount = (s) => [...s].length;
  const formatCount = (n) => n.toLocaleString('en-US');

  // ---- session --------------------------------------------------------

  let session = null; // {token, user, expires}
  let me = null; // GET /v2/manage/user
  let expiryTimer = 0;

  function loadSession() {
    try {
      const s = JSON.parse(sessionStorage.getItem(SESSION_KEY));
      if (s && s.token && s.user && s.expires > Date.now()) return s;
    } catch (e) { /* a damaged entry is dropped below */ }
    sessionStorage.removeItem(SESSION_KEY);
    return null;
  }

  function setSession(s) {
    session = s;
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
  function expire() {
    if (!session) return;
    const user = session.user;
    setSession(null);
    openLogin(user, true);
  }

  function b64(s) {
    const bytes = new TextEncoder().encode(s);
    let bin = '';
    for (const b of bytes) bin += String.fromCharCode(b);
    return btoa(bin);
  }

  class ApiError extends Error {
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
  async function api(method, path, body, opts) {
    if (!session) throw new ApiError(401, 'REGSHARE.4010001', 'Not logged in.');
    const headers = { Authorization: `Bearer ${session.token}`, Accept: 'application/json' };
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
  function repoPath(repo) {
    const i = repo.indexOf('/');
    return `/v2/manage/namespaces/${encodeURIComponent(repo.slice(0, i))}/repositories/${encodeURIComponent(repo.slice(i + 1).replaceAll('/', '$'))}`;
  }
  const sharesPath = (repo) => `${repoPath(repo)}/access-domains`;

  // ---- status messages ------------------------------------------------

  let toastTimer = 0;
  function announce(msg) {
    const s = $('status');
    s.textContent = msg;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { s.textContent = ''; }, 5000);
  }

  // copyText copies text and announces it, or only what it is (a secret
  // is never put in the status line).
  async function copyText(text, button, what) {
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

  function pullCommandEl(cmd, what) {
    return el('div', { class: 'cmd' },
      el('code', {}, cmd),
      el('button', {
        type: 'button', class: 'small', 'aria-label': `Copy the pull command of ${what}`,
        onclick: (ev) => copyText(cmd, ev.currentTarget),
      }, 'Copy'));
  }

  function badge(valid) {
    return el('span', { class: `badge ${valid ? 'valid' : 'expired'}` }, valid ? 'Valid' : 'Expired');
  }

  function fill(tbody, rows, emptyEl, emptyText) {
    tbody.replaceChildren(...rows);
    emptyEl.hidden = rows.length > 0;
    if (emptyText) emptyEl.textContent = emptyText;
  }

  function loading(tbody, emptyEl) {
    tbody.replaceChildren();
    emptyEl.hidden = false;
    emptyEl.textContent = 'Loading…';
  }

  // listFailed empties a list whose read failed, and says why in errorEl.
  function listFailed(tbody, emptyEl, errorEl, e) {
    fill(tbody, [], emptyEl);
    emptyEl.hidden = true;
    errorEl.textContent = e.message;
  }

  // ---- login ----------------------------------------------------------

  // openLogin asks for the password; expired is true or the reason to show.
  function openLogin(user, expired) {
    const d = $('login-dialog');
    $('login-expired').hidden = !expired;
    $('login-expired').textContent = typeof expired === 'string' ? expired : 'Your session has expired. Log in again to continue where you were.';
    $('login-error').textContent = '';
    $('login-user').value = user || '';
    $('login-password').value = '';
    if (!d.open) d.showModal();
    (user ? $('login-password') : $('login-user')).focus();
  }

  async function login(ev) {
    ev.preventDefault();
    const user = $('login-user').value.trim();
    const password = $('login-password').value;
    const error = $('login-error');
    error.textContent = '';
    if (!user || !password) {
      error.textContent = 'Enter your user and your password.';
      (user ? $('login-password') : $('login-user')).focus();
      return;
    }
    const submit = $('login-submit');
    submit.disabled = true;
    try {
      let resp;
      try {
        resp = await fetch(`/token?service=${encodeURIComponent(API_SERVICE)}`, {
          headers: { Authorization: `Basic ${b64(`${user}:${password}`)}` },
          credentials: 'omit', cache: 'no-store',
        });
      } catch (e) {
        error.textContent = 'regshare did not answer. Check your connection and try again.';
        return;
      }
      if (resp.status === 401) {
        error.textContent = 'Wrong user or password.';
        $('login-password').value = '';
        $('login-password').focus();
        return;
      }
      if (resp.status === 429) {
        const wait = Number(resp.headers.get('Retry-After')) || 0;
        error.textContent = `Too many failed logins. Try again ${wait ? `in ${wait} s` : 'later'}.`;
        return;
      }
      if (!resp.ok) {
        error.textContent = `Login failed: ${resp.status} ${resp.statusText}.`;
        return;
      }
      const t = await resp.json();
      $('login-password').value = '';
      const previous = me && me.name;
      // A few seconds early: the clocks of browser and server may differ.
      setSession({ token: t.access_token || t.token, user, expires: Date.now() + Math.max(30, (t.expires_in || 60) - 5) * 1000 });
      try {
        me = (await api('GET', '/v2/manage/user')).data;
      } catch (e) {
        error.textContent = e.message;
        return;
      }
      $('login-dialog').close();
      showUser();
      if (previous !== me.name) {
        for (const id of ['share-dialog', 'revoke-dialog']) if ($(id).open) $(id).close();
        accounts.reset();
        if (!location.hash || location.hash === '#') location.hash = '#/images';
        route(true);
      }
    } finally {
      submit.disabled = false;
    }
  }

  // logout ends this tab's API token on the server too (on every
  // replica), then forgets it; an answer that does not come leaves the
  // token to its short expiry.
  async function logout() {
    if (session) {
      try { await api('POST', '/v2/manage/logout'); } catch (e) { /* expired or offline: nothing left to end */ }
    }
    forget();
  }

  // signOutEverywhere ends every API token and docker login identity
  // token of the user, wherever they were issued.
  async function signOutEverywhere() {
    if (!session) return;
    if (!window.confirm('Sign out everywhere? Every console session and every docker login of yours (CI included) must log in again.')) return;
    try {
      await api('POST', '/v2/manage/user/sign-out-everywhere');
    } catch (e) {
      window.alert(`Could not sign out everywhere: ${e.message}`);
      return;
    }
    forget();
  }

  function forget() {
    setSession(null);
    me = null;
    for (const id of ['share-dialog', 'revoke-dialog']) if ($(id).open) $(id).close();
    for (const id of ['private-body', 'shared-body', 'tags-body', 'sharing-body']) $(id).replaceChildren();
    accounts.reset();
    for (const v of VIEWS) $(`view-${v}`).hidden = true;
    showUser();
    openLogin('', false);
  }

  function showUser() {
    const on = Boolean(me);
    $('who').hidden = !on;
    $('main-nav').hidden = !on;
    $('who-text').textContent = on ? `${me.name} · ${me.domain} (${me.role}${me.superuser ? ', administrator' : ''})` : '';
    accounts.nav();
  }

  // ---- routing --------------------------------------------------------
  // #/images, #/shared, #/image/<repository>[?tab=sharing], and the account
  // pages' (accounts.parse)

  let routeGen = 0;
  let privateOffset = 0;

  function parseHash() {
    let h = location.hash.replace(/^#/, '');
    try { h = decodeURIComponent(h); } catch (e) { h = ''; }
    h = h || '/images';
    const [p, qs] = h.split('?');
    const params = new URLSearchParams(qs || '');
    const account = accounts.parse(p);
    if (account) return account;
    if (p === '/shared') return { view: 'images', tab: 'shared' };
    if (p.startsWith('/image/') && p.length > 7) {
      return { view: 'image', repo: p.slice(7), tab: params.get('tab') === 'sharing' ? 'sharing' : 'tags' };
    }
    return { view: 'images', tab: 'private' };
  }

  function setCurrent(links, current) {
    for (const a of links) {
      if (a === current) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }

  function route(focus) {
    if (!session || !me) return;
    const gen = ++routeGen;
    const r = parseHash();
    for (const v of VIEWS) $(`view-${v}`).hidden = r.view !== v;
    const nav = r.view === 'image' ? (owns(r.repo) ? 'images' : '') : r.view;
    setCurrent($('main-nav').querySelectorAll('a'), nav ? $(`nav-${nav}`) : null);
    let heading;
    if (accounts.views.includes(r.view)) {
      heading = accounts.show(r, gen);
    } else if (r.view === 'images') {
      setCurrent([$('tab-private'), $('tab-shared')], r.tab === 'shared' ? $('tab-shared') : $('tab-private'));
      $('panel-private').hidden = r.tab !== 'private';
      $('panel-shared').hidden = r.tab !== 'shared';
      document.title = `${r.tab === 'shared' ? 'Shared Images' : 'My Images'} · regshare`;
      if (r.tab === 'shared') renderShared(gen); else renderPrivate(gen);
      heading = $('images-title');
    } else {
      renderImage(r.repo, r.tab, gen);
      heading = $('image-title');
    }
    if (focus !== false) heading.focus();
  }

  const owns = (repo) => Boolean(me) && me.namespaces.includes(repo.split('/')[0]);

  // ---- My Images: Private Images -------------------------------------

  async function renderPrivate(gen) {
    const body = $('private-body');
    const empty = $('private-empty');
    $('private-error').textContent = '';
    loading(body, empty);
    const q = new URLSearchParams({ limit: PAGE, offset: privateOffset });
    if ($('only-shared').checked) q.set('shared', 'true');
    const name = $('filter-name').value.trim();
    if (name) q.set('name', name);
    let res;
    try {
      res = await api('GET', `/v2/manage/repos?${q}`);
    } catch (e) {
      if (gen === routeGen) listFailed(body, empty, $('private-error'), e);
      return;
    }
    if (gen !== routeGen) return;
    const rows = res.data.map((o) => {
      const repo = `${o.namespace}/${o.name}`;
      return el('tr', {},
        cell('Image', el('a', { href: `#/image/${repo}` }, repo)),
        cell('Tags', o.num_images === null ? '—' : String(o.num_images)),
        cell('Shared with', o.shares === 0 ? 'Not shared' : `${o.shares} domain${o.shares === 1 ? '' : 's'}`),
        cell('Last update', o.updated ? timeEl(o.updated, utcTime(new Date(o.updated))) : '—'));
    });
    const filtered = $('only-shared').checked || name;
    fill(body, rows, empty, filtered ? 'No image matches.' : 'Your domain has no images yet. Push one with docker push.');
    pager(res.range);
  }

  function pager(range) {
    const m = /^(?:(\d+)-(\d+)|\*)\/(\d+)$/.exec(range || '');
    const total = m ? Number(m[3]) : 0;
    $('private-pager').hidden = total <= PAGE;
    if (!m || !m[1]) { $('private-range').textContent = ''; return; }
    $('private-range').textContent = `${Number(m[1]) + 1}–${Number(m[2]) + 1} of ${total}`;
    $('private-prev').disabled = privateOffset === 0;
    $('private-next').disabled = Number(m[2]) + 1 >= total;
  }

  // ---- My Images: Shared Images --------------------------------------

  async function renderShared(gen) {
    const body = $('shared-body');
    const empty = $('shared-empty');
    $('shared-error').textContent = '';
    loading(body, empty);
    let res;
    try {
      res = await api('GET', '/v2/manage/shared-repositories?center=thirdparty&limit=1000&order_column=name&order_type=asc');
    } catch (e) {
      if (gen === routeGen) listFailed(body, empty, $('shared-error'), e);
      return;
    }
    if (gen !== routeGen) return;
    const rows = res.data.map((o) => {
      const repo = `${o.namespace}/${o.name}`;
      return el('tr', {},
        cell('Image', o.status ? el('a', { href: `#/image/${repo}` }, repo) : repo),
        cell('Owner domain', o.domain_name),
        cell('Valid until', deadlineEl(o.deadline)),
        cell('Status', badge(o.status)),
        cell('Tags', o.tags.length ? el('ul', { class: 'tags', 'aria-label': `Tags of ${repo}` }, o.tags.map((t) => el('li', {}, t))) : '—'),
        cell('Pull command', o.status && o.pull_command ? pullCommandEl(o.pull_command, repo) : '—'));
    });
    fill(body, rows, empty, 'No image is shared with your domain.');
  }

  // ---- Image details --------------------------------------------------

  let current = null; // {repo, shares}

  function renderImage(repo, tab, gen) {
    const mine = owns(repo);
    if (!mine) tab = 'tags';
    current = { repo, shares: [] };
    $('image-title').textContent = repo;
    $('image-crumb').textContent = repo;
    $('image-back').textContent = mine ? 'My Images' : 'Shared Images';
    $('image-back').href = mine ? '#/images' : '#/shared';
    $('image-path').textContent = me.registry ? `${me.registry}/${repo}` : '';
    document.title = `${repo} · regshare`;
    $('tab-tags').href = `#/image/${repo}`;
    $('tab-sharing').href = `#/image/${repo}?tab=sharing`;
    $('tab-sharing').hidden = !mine;
    setCurrent([$('tab-tags'), $('tab-sharing')], tab === 'sharing' ? $('tab-sharing') : $('tab-tags'));
    $('panel-tags').hidden = tab !== 'tags';
    $('panel-sharing').hidden = tab !== 'sharing';
    if (tab === 'sharing') renderSharing(repo, gen); else renderTags(repo, gen);
  }

  async function renderTags(repo, gen) {
    const body = $('tags-body');
    const empty = $('tags-empty');
    $('tags-error').textContent = '';
    loading(body, empty);
    let res;
    try {
      res = await api('GET', `${repoPath(repo)}/tags?limit=1000`);
    } catch (e) {
      if (gen === routeGen) listFailed(body, empty, $('tags-error'), e);
      return;
    }
    if (gen !== routeGen) return;
    const rows = res.data.map((t) => el('tr', {},
      cell('Tag', el('strong', {}, t.Tag)),
      cell('Digest', t.digest ? el('code', { title: t.digest }, `${t.digest.slice(0, 19)}…`) : '—'),
      cell('Size', sizeText(t.size)),
      cell('Created', t.created ? timeEl(t.created, utcTime(new Date(t.created))) : '—'),
      cell('Pull command', pullCommandEl(t.pull_command, `${repo}:${t.Tag}`))));
    fill(body, rows, empty, 'This repository has no tags.');
  }

  async function renderSharing(repo, gen) {
    const body = $('sharing-body');
    const empty = $('sharing-empty');
    const canShare = Boolean(me.can_share);
    $('share-open').hidden = !canShare;
    $('sharing-readonly').hidden = canShare;
    $('sharing-actions-head').hidden = !canShare;
    $('sharing-error').textContent = '';
    loading(body, empty);
    let res;
    try {
      res = await api('GET', sharesPath(repo));
    } catch (e) {
      if (gen === routeGen) listFailed(body, empty, $('sharing-error'), e);
      return;
    }
    if (gen !== routeGen) return;
    const shares = res.data.slice().sort((a, b) => a.access_domain.localeCompare(b.access_domain));
    current.shares = shares;
    const rows = shares.map((s) => el('tr', { 'data-domain': s.access_domain },
      cell('Domain', el('strong', {}, s.access_domain)),
      cell('Valid until', deadlineEl(s.deadline)),
      el('td', { 'data-label': 'Description', class: 'desc' }, s.description || '—'),
      cell('Permission', s.permit === 'read' ? 'Pull' : s.permit),
      cell('Status', badge(s.status)),
      cell('Created by', s.creator_name),
      cell('Created', timeEl(s.created, utcTime(new Date(s.created)))),
      canShare ? cell('Actions', el('span', { class: 'row-actions' },
        el('button', { type: 'button', class: 'link', 'aria-label': `Edit the share with ${s.access_domain}`, onclick: () => openShare(repo, s) }, 'Edit'),
        el('button', { type: 'button', class: 'link danger', 'aria-label': `Revoke the share with ${s.access_domain}`, onclick: () => openRevoke(repo, s.access_domain) }, 'Revoke'))) : null));
    fill(body, rows, empty, 'This image is not shared with any domain.');
  }

  // ---- Share Image dialog ---------------------------------------------

  // Which field an API error concerns, and what to say there.
  const FIELD_ERRORS = {
    'REGSHARE.4000002': ['with', (v) => (v.domain ? `There is no domain named "${v.domain}".` : 'Enter the name of a domain.')],
    'REGSHARE.4000003': ['with', () => 'An image cannot be shared with its own domain.'],
    'REGSHARE.4090001': ['with', (v) => `This image is already shared with ${v.domain}. Edit that share instead.`],
    'REGSHARE.4000004': ['permit', () => 'Pull is the only permission that can be given.'],
    'REGSHARE.4000005': ['until', () => 'Choose a date in the future.'],
    'REGSHARE.4000006': ['description', () => `The description is longer than ${formatCount(MAX_DESCRIPTION)} characters.`],
  };
  const FIELDS = {
    with: 'share-with', until: 'share-until', description: 'share-description', permit: 'share-permit',
  };

  let editing = null; // {repo, share, deadline} while the dialog is open

  function clearShareErrors() {
    $('share-error').textContent = '';
    for (const [name, id] of Object.entries(FIELDS)) {
      $(`share-${name}-error`).textContent = '';
      $(id).removeAttribute('aria-invalid');
    }
  }

  function fieldError(name, msg) {
    $(`share-${name}-error`).textContent = msg;
    $(FIELDS[name]).setAttribute('aria-invalid', 'true');
  }

  function focusFirstError() {
    for (const [name, id] of Object.entries(FIELDS)) {
      if ($(`share-${name}-error`).textContent && !$(id).disabled) {
        $(id).focus();
        return;
      }
    }
    if ($('share-permanent').checked && $('share-until-error').textContent) $('share-permanent').focus();
  }

  function updateCounter() {
    const n = runeCount($('share-description').value);
    const c = $('share-description-count');
    c.textContent = `${formatCount(n)}/${formatCount(MAX_DESCRIPTION)}`;
    c.classList.toggle('over', n > MAX_DESCRIPTION);
  }

  function syncPermanent() {
    const permanent = $('share-permanent').checked;
    $('share-until').disabled = permanent;
    if (permanent) {
      $('share-until-error').textContent = '';
      $('share-until').removeAttribute('aria-invalid');
    }
  }

  function openShare(repo, share) {
    clearShareErrors();
    const edit = Boolean(share);
    $('share-title').textContent = edit ? 'Edit Share' : 'Share Image';
    $('share-repo').textContent = edit ? `${repo}, shared with ${share.access_domain}` : repo;
    const w = $('share-with');
    w.value = edit ? share.access_domain : '';
    w.readOnly = edit;
    const permanent = edit && share.deadline === 'forever';
    $('share-permanent').checked = permanent;
    $('share-until').value = edit && !permanent ? deadlineDate(share.deadline) : '';
    $('share-until').min = localToday();
    $('share-description').value = edit ? share.description : '';
    $('share-permit').checked = true;
    editing = { repo, share, deadline: permanent ? 'forever' : $('share-until').value };
    syncPermanent();
    updateCounter();
    $('share-dialog').showModal();
    (edit ? ($('share-until').disabled ? $('share-permanent') : $('share-until')) : w).focus();
  }

  async function submitShare(ev) {
    ev.preventDefault();
    if (!editing) return;
    clearShareErrors();
    const { repo, share } = editing;
    const domain = $('share-with').value.trim();
    const permanent = $('share-permanent').checked;
    const date = $('share-until').value;
    if (!share && !domain) fieldError('with', 'Enter the name of the domain to share with.');
    if (!permanent && !date) fieldError('until', 'Choose a date, or tick Permanently valid.');
    if ($('share-with-error').textContent || $('share-until-error').textContent) {
      focusFirstError();
      return;
    }
    const deadline = permanent ? 'forever' : date;
    const description = $('share-description').value;
    const submit = $('share-submit');
    submit.disabled = true;
    try {
      if (share) {
        const patch = {};
        if (deadline !== editing.deadline) patch.deadline = deadline;
        if (description !== share.description) patch.description = description;
        if (Object.keys(patch).length) await api('PATCH', `${sharesPath(repo)}/${encodeURIComponent(share.access_domain)}`, patch);
        announce(`The share of ${repo} with ${share.access_domain} was updated.`);
      } else {
        await api('POST', sharesPath(repo), { access_domain: domain, permit: 'read', deadline, description });
        announce(`${repo} is shared with ${domain}.`);
      }
      editing = null;
      $('share-dialog').close();
      renderSharing(repo, routeGen);
    } catch (e) {
      if (e.status === 401) return; // the login dialog is open; what was typed stays
      const known = FIELD_ERRORS[e.code];
      if (known) fieldError(known[0], known[1]({ domain: domain || (share && share.access_domain) }));
      else $('share-error').textContent = e.message;
      focusFirstError();
    } finally {
      submit.disabled = false;
    }
  }

  // ---- Revoke dialog --------------------------------------------------

  let revoking = null;

  function openRevoke(repo, domain) {
    revoking = { repo, domain };
    $('revoke-text').textContent = `Revoke the share of ${repo} with ${domain}? Its users will no longer be able to pull it.`;
    $('revoke-error').textContent = '';
    $('revoke-dialog').showModal();
    $('revoke-cancel').focus();
  }

  async function submitRevoke(ev) {
    ev.preventDefault();
    if (!revoking) return;
    const { repo, domain } = revoking;
    const submit = $('revoke-submit');
    submit.disabled = true;
    try {
      await api('DELETE', `${sharesPath(repo)}/${encodeURIComponent(domain)}`);
      revoking = null;
      $('revoke-dialog').close();
      announce(`The share of ${repo} with ${domain} was revoked.`);
      renderSharing(repo, routeGen);
    } catch (e) {
      if (e.status !== 401) $('revoke-error').textContent = e.message;
    } finally {
      submit.disabled = false;
    }
  }

  // ---- account pages --------------------------------------------------

  const accounts = accountPages({
    $, el, cell, api, announce, copyText, fill, loading, listFailed, timeEl, utcTime, runeCount, formatCount,
    me: () => me,
    gen: () => routeGen,
    // endSession forgets the token (a new password ends it) and asks for
    // the password again, over the page.
    endSession: (why) => { const user = session && session.user; setSession(null); openLogin(user, why); },
  });
  const VIEWS = ['images', 'image', ...accounts.views];

  // ---- wiring ---------------------------------------------------------

  function init() {
    $('login-form').addEventListener('submit', login);
    // Without a session the login dialog cannot be dismissed.
    $('login-dialog').addEventListener('cancel', (ev) => { if (!session) ev.preventDefault(); });
    $('logout').addEventListener('click', logout);
    $('sign-out-everywhere').addEventListener('click', signOutEverywhere);
    // The skip link moves the focus; it must not change the route.
    document.querySelector('.skip').addEventListener('click', (ev) => { ev.preventDefault(); $('main').focus(); });

    let filterTimer = 0;
    $('only-shared').addEventListener('change', () => { privateOffset = 0; renderPrivate(++routeGen); });
    $('filter-name').addEventListener('input', () => {
      clearTimeout(filterTimer);
      filterTimer = setTimeout(() => { privateOffset = 0; renderPrivate(++routeGen); }, 250);
    });
    $('private-prev').addEventListener('click', () => { privateOffset = Math.max(0, privateOffset - PAGE); renderPrivate(++routeGen); });
    $('private-next').addEventListener('click', () => { privateOffset += PAGE; renderPrivate(++routeGen); });

    $('share-open').addEventListener('click', () => { if (current) openShare(current.repo, null); });
    $('share-form').addEventListener('submit', submitShare);
    $('share-cancel').addEventListener('click', () => { editing = null; $('share-dialog').close(); });
    // Escape closes the dialog too. The close event comes a task later: the
    // dialog may be open again by then, for another share.
    $('share-dialog').addEventListener('close', () => { if (!$('share-dialog').open) editing = null; });
    $('share-description').addEventListener('input', updateCounter);
    $('share-permanent').addEventListener('change', syncPermanent);

    $('revoke-form').addEventListener('submit', submitRevoke);
    $('revoke-cancel').addEventListener('click', () => { revoking = null; $('revoke-dialog').close(); });

    accounts.init();
    window.addEventListener('hashchange', () => route(true));

    const s = loadSession();
    if (!s) {
      openLogin('', false);
      return;
    }
    setSession(s);
    api('GET', '/v2/manage/user').then((res) => {
      me = res.data;
      showUser();
      route(false);
    }, () => { /* expired: api() opened the login dialog */ });
  }

  init();
})();
