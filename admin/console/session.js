// regshare console: how long a session lives. While the tab is in use,
// the API token is renewed before it expires (POST
// /v2/manage/session/renew: the same session, never past the server's
// console.session_max). After idle_timeout without use, a warning comes a
// minute before the session ends; then the token is ended on the server
// and the login dialog asks for the password over the page, which keeps
// what was typed.
import { $, api, setSession, state } from './core.js';
import { t } from './i18n.js';

const ACTIVE_KEY = 'regshare.active';
const WARN_BEFORE = 60_000;
const DEFAULT_IDLE = 1800;
// Renew a minute before the token expires, or at half its life if it
// lives less than two minutes; retry a failed renewal this much later.
const RENEW_BEFORE = 60_000;
const RETRY_RENEW = 10_000;

let lastActive = Date.now();
let timers = [];
let countdown = 0;
let onEnded = () => {};

const idleMs = () => 1000 * ((state.me && state.me.idle_timeout) || DEFAULT_IDLE);

function clearTimers() {
  for (const id of timers) clearTimeout(id);
  timers = [];
  clearInterval(countdown);
}

function after(ms, f) {
  timers.push(setTimeout(f, Math.max(0, ms)));
}

// schedule sets the renewal, the warning and the idle end of the session
// from its token's expiry and the last use.
function schedule() {
  clearTimers();
  const s = state.session;
  if (!s) return;
  const now = Date.now();
  const left = s.expires - now;
  after(left > 2 * RENEW_BEFORE ? left - RENEW_BEFORE : left / 2, renew);
  const idleEnd = lastActive + idleMs();
  after(idleEnd - WARN_BEFORE - now, warn);
  after(idleEnd - now, endIdle);
}

// renew exchanges the token for a new one of the session, if the tab was
// used within the idle timeout. A 401 (the session ended, or reached its
// maximum) opens the login dialog through api().
async function renew() {
  const s = state.session;
  if (!s || Date.now() - lastActive >= idleMs()) return;
  let res;
  try {
    res = await api('POST', '/v2/manage/session/renew', undefined, { retry: false });
  } catch (e) {
    if (e.status === 0 && state.session === s && Date.now() + RETRY_RENEW < s.expires) after(RETRY_RENEW, renew);
    return;
  }
  if (state.session !== s) return; // logged out or in again meanwhile
  setSession({ ...s, token: res.data.token, expires: tokenExpiry(res.data.expires_in) });
  schedule();
}

// tokenExpiry is when a token that lives expiresIn seconds is dropped: a
// few seconds early, since the clocks of browser and server may differ.
export function tokenExpiry(expiresIn) {
  return Date.now() + Math.max(30, (expiresIn || 60) - 5) * 1000;
}

function warn() {
  const d = $('idle-dialog');
  if (!state.session || d.open) return;
  const end = lastActive + idleMs();
  const tick = () => {
    const secs = Math.max(0, Math.ceil((end - Date.now()) / 1000));
    $('idle-text').textContent = t('session.idle-warning', { seconds: secs });
  };
  tick();
  countdown = setInterval(tick, 1000);
  d.showModal();
  $('idle-stay').focus();
}

// endIdle ends the session on the server too: a token left behind on an
// unattended screen is of no use to anyone.
async function endIdle() {
  if (!state.session) return;
  const user = state.session.user;
  const minutes = Math.round(idleMs() / 60000);
  clearTimers();
  if ($('idle-dialog').open) $('idle-dialog').close();
  try { await api('POST', '/v2/manage/logout'); } catch { /* offline or ended: it expires soon */ }
  setSession(null);
  sessionStorage.removeItem(ACTIVE_KEY);
  onEnded(user, t('session.idle-ended', { minutes }));
}

// markActive notes a use of the tab. Uses come often: the timers are set
// again at most once a second.
function markActive() {
  if ($('idle-dialog').open) return; // only "Stay logged in" counts there
  const now = Date.now();
  if (now - lastActive < 1000) return;
  lastActive = now;
  sessionStorage.setItem(ACTIVE_KEY, String(now));
  if (state.session) schedule();
}

function stay() {
  $('idle-dialog').close();
  clearInterval(countdown);
  lastActive = 0;
  markActive();
}

// startSession follows the session just set (a login, or the one this
// tab kept across a reload, with its last use).
export function startSession(restored) {
  const kept = Number(sessionStorage.getItem(ACTIVE_KEY));
  lastActive = restored && kept > 0 ? kept : Date.now();
  sessionStorage.setItem(ACTIVE_KEY, String(lastActive));
  schedule(); // a tab restored after its idle timeout ends at once
}

// stopSession forgets the timers (a logout).
export function stopSession() {
  clearTimers();
  if ($('idle-dialog').open) $('idle-dialog').close();
  sessionStorage.removeItem(ACTIVE_KEY);
}

// initSession listens for uses of the tab; ended(user, why) asks for the
// password again after an idle end.
export function initSession(ended) {
  onEnded = ended;
  for (const type of ['pointerdown', 'keydown', 'wheel', 'touchstart']) {
    document.addEventListener(type, markActive, { capture: true, passive: true });
  }
  $('idle-stay').addEventListener('click', stay);
  $('idle-logout').addEventListener('click', endIdle);
  $('idle-dialog').addEventListener('cancel', (ev) => { ev.preventDefault(); stay(); });
}
