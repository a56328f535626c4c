// regshare console: calls the share API with a token regshare issues for
// it. The password is sent once, to GET /token, and never stored; the token
// lives in this tab's sessionStorage until it expires or the user logs out.
// This module logs in and out and routes; core.js has what the pages
// share, and each page has its module (images.js, image.js, share.js,
// accounts.js).
import { accountPages } from './accounts.js';
import {
  $, API_SERVICE, api, announce, b64, cell, copyText, el, fill, formatCount, hooks, humanError, listFailed, loadSession,
  loading, runeCount, setCurrent, setSession, state, timeEl,
} from './core.js';
import { openTimeline, timelineItem } from './history.js';
import { initLanguageSwitch, t, translatePage } from './i18n.js';
import { initImage, owns, renderImage } from './image.js';
import { initImages, renderPrivate, renderShared, resetSelection } from './images.js';
import { initNamespaces, renderNamespaces, showNamespacesTab } from './namespaces.js';
import { initSession, startSession, stopSession, tokenExpiry } from './session.js';
import { closeShareDialogs, initShare } from './share.js';
import { drawProviders, handOver, loadProviders, refusal, takeResult } from './sso.js';

// ---- login ----------------------------------------------------------

// openLogin asks for the password; expired is true or the reason to show.
function openLogin(user, expired) {
  const d = $('login-dialog');
  $('login-expired').hidden = !expired;
  $('login-expired').textContent = typeof expired === 'string' ? expired : t('login.expired');
  $('login-error').textContent = '';
  $('login-sso-error').textContent = '';
  $('login-user').value = user || '';
  $('login-password').value = '';
  drawProviders();
  if (!d.open) d.showModal();
  (user ? $('login-password') : $('login-user')).focus();
}

async function login(ev) {
  ev.preventDefault();
  const user = $('login-user').value.trim();
  const password = $('login-password').value;
  const error = $('login-error');
  error.textContent = '';
  $('login-sso-error').textContent = '';
  if (!user || !password) {
    error.textContent = t('login.missing');
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
    } catch {
      error.textContent = t('login.offline');
      return;
    }
    if (resp.status === 401) {
      error.textContent = t('login.wrong');
      $('login-password').value = '';
      $('login-password').focus();
      return;
    }
    if (resp.status === 429) {
      const wait = Number(resp.headers.get('Retry-After')) || 0;
      error.textContent = wait ? t('login.limited-for', { seconds: wait }) : t('login.limited');
      return;
    }
    if (!resp.ok) {
      error.textContent = t('login.failed', { status: resp.status });
      return;
    }
    const tok = await resp.json();
    $('login-password').value = '';
    const previous = state.me && state.me.name;
    setSession({ token: tok.access_token || tok.token, user, expires: tokenExpiry(tok.expires_in) });
    try {
      state.me = (await api('GET', '/v2/manage/user')).data;
    } catch (e) {
      error.textContent = humanError(e);
      return;
    }
    $('login-dialog').close();
    startSession(false);
    showUser();
    if (previous !== state.me.name) {
      closeShareDialogs();
      resetSelection();
      accounts.reset();
      if (!location.hash || location.hash === '#') location.hash = '#/images';
      route(true);
    }
  } finally {
    submit.disabled = false;
  }
}

// finishSSO ends a login through an OpenID provider, whose result the
// URL brought: it takes the session's token, or says why there is none.
async function finishSSO(result) {
  const refused = (message) => { openLogin('', false); $('login-sso-error').textContent = message; };
  if (!result.ok) {
    refused(refusal(result));
    return;
  }
  const tok = await handOver();
  if (!tok) {
    refused(t('oidc.error.handover'));
    return;
  }
  setSession({ token: tok.token, user: '', expires: tokenExpiry(tok.expires_in) });
  try {
    state.me = (await api('GET', '/v2/manage/user')).data;
  } catch (e) {
    setSession(null);
    refused(humanError(e));
    return;
  }
  setSession({ ...state.session, user: state.me.name });
  startSession(false);
  showUser();
  route(false);
}

// logout ends this tab's API token on the server too (on every
// replica), then forgets it; an answer that does not come leaves the
// token to its short expiry.
async function logout() {
  if (state.session) {
    try { await api('POST', '/v2/manage/logout'); } catch { /* expired or offline: nothing left to end */ }
  }
  forget();
}

// signOutEverywhere ends every API token and docker login identity
// token of the user, wherever they were issued.
async function signOutEverywhere() {
  if (!state.session) return;
  if (!window.confirm(t('top.sign-out-everywhere-confirm'))) return;
  try {
    await api('POST', '/v2/manage/user/sign-out-everywhere');
  } catch (e) {
    window.alert(t('top.sign-out-everywhere-failed', { reason: humanError(e) }));
    return;
  }
  forget();
}

function forget() {
  stopSession();
  setSession(null);
  state.me = null;
  closeShareDialogs();
  resetSelection();
  for (const id of ['private-body', 'shared-body', 'namespaces-body', 'tags-body', 'sharing-body']) $(id).replaceChildren();
  accounts.reset();
  for (const v of VIEWS) $(`view-${v}`).hidden = true;
  document.title = t('app.title');
  showUser();
  openLogin('', false);
}

function showUser() {
  const { me } = state;
  const on = Boolean(me);
  $('who').hidden = !on;
  $('main-nav').hidden = !on;
  // i18n-keys: role.manage role.write role.read
  $('who-text').textContent = on ? t(me.superuser ? 'top.who-admin' : 'top.who', { name: me.name, domain: me.domain, role: t(`role.${me.role}`) }) : '';
  showNamespacesTab();
  accounts.nav();
}

// ---- routing --------------------------------------------------------
// #/images, #/shared, #/namespaces, #/image/<repository>[?tab=sharing]
// (a prefix, #/image/acme/sdk/, shows its Sharing tab alone), and the
// account pages' (accounts.parse)


function parseHash() {
  let h = location.hash.replace(/^#/, '');
  try { h = decodeURIComponent(h); } catch { h = ''; }
  h = h || '/images';
  const [p, qs] = h.split('?');
  const params = new URLSearchParams(qs || '');
  const account = accounts.parse(p);
  if (account) return account;
  if (p === '/shared') return { view: 'images', tab: 'shared' };
  if (p === '/namespaces') return { view: 'images', tab: 'namespaces' };
  if (p.startsWith('/image/') && p.length > 7) {
    return { view: 'image', repo: p.slice(7), tab: params.get('tab') === 'sharing' ? 'sharing' : 'tags' };
  }
  return { view: 'images', tab: 'private' };
}

function route(focus) {
  if (!state.session || !state.me) return;
  const gen = ++state.gen;
  const r = parseHash();
  for (const v of VIEWS) $(`view-${v}`).hidden = r.view !== v;
  const nav = r.view === 'image' ? (owns(r.repo) ? 'images' : '') : r.view;
  // Access tokens (#nav-tokens) is a link of the user's, beside the main nav.
  setCurrent(document.querySelectorAll('#main-nav a, #who a'), nav ? $(`nav-${nav}`) : null);
  let heading;
  if (accounts.views.includes(r.view)) {
    heading = accounts.show(r, gen);
  } else if (r.view === 'images') {
    setCurrent([$('tab-private'), $('tab-shared'), $('tab-namespaces')], $(`tab-${r.tab}`));
    for (const tab of ['private', 'shared', 'namespaces']) $(`panel-${tab}`).hidden = r.tab !== tab;
    if (r.tab === 'namespaces') {
      document.title = `${t('images.tabNamespaces')} · regshare`;
      renderNamespaces(gen);
    } else {
      document.title = `${t(r.tab === 'shared' ? 'nav.shared-images' : 'nav.my-images')} · regshare`;
      if (r.tab === 'shared') renderShared(gen); else renderPrivate(gen);
    }
    heading = $('images-title');
  } else {
    renderImage(r.repo, r.tab, gen);
    heading = $('image-title');
  }
  if (focus !== false) heading.focus();
}

// ---- account pages --------------------------------------------------

const accounts = accountPages({
  $, el, cell, api, announce, copyText, fill, humanError, loading, listFailed, timeEl, runeCount, formatCount,
  timeline: openTimeline, timelineItem,
  me: () => state.me,
  gen: () => state.gen,
  // endSession forgets the token (a new password ends it) and asks for
  // the password again, over the page.
  endSession: (why) => { const user = state.session && state.session.user; stopSession(); setSession(null); openLogin(user, why); },
});
const VIEWS = ['images', 'image', ...accounts.views];

// ---- wiring ---------------------------------------------------------

// redraw shows the page again in the language just chosen: translatePage
// has done index.html's strings (the dialogs' static texts and the
// page's title among them); the top bar and the page shown (its lists,
// its title) are drawn again. What a script wrote into a dialog that is
// open (its title, a message, a hint) stays in the former language until
// the dialog is opened again: a modal dialog leaves the switch out of
// reach anyway.
function redraw() {
  showUser();
  route(false);
}

function init() {
  translatePage();
  initLanguageSwitch(redraw);
  hooks.expired = (user) => { stopSession(); openLogin(user, true); };
  initSession((user, why) => openLogin(user, why));
  $('login-form').addEventListener('submit', login);
  // Without a session the login dialog cannot be dismissed.
  $('login-dialog').addEventListener('cancel', (ev) => { if (!state.session) ev.preventDefault(); });
  $('logout').addEventListener('click', logout);
  $('sign-out-everywhere').addEventListener('click', signOutEverywhere);
  // The skip link moves the focus; it must not change the route.
  document.querySelector('.skip').addEventListener('click', (ev) => { ev.preventDefault(); $('main').focus(); });

  initImages();
  initNamespaces();
  initImage();
  initShare();

  accounts.init();
  window.addEventListener('hashchange', () => route(true));

  loadProviders();
  const sso = takeResult();
  if (sso) {
    finishSSO(sso);
    return;
  }
  const s = loadSession();
  if (!s) {
    openLogin('', false);
    return;
  }
  setSession(s);
  api('GET', '/v2/manage/user').then((res) => {
    state.me = res.data;
    startSession(true);
    showUser();
    route(false);
  }, () => { /* expired: api() opened the login dialog */ });
}

init();
