// regshare console: the login through an OpenID provider. The login
// dialog shows a "Log in with <provider>" button for each provider the
// server lists; the button leaves for the provider, which sends the
// browser back to regshare's callback, which sends it back here with the
// result in the URL's fragment (#oidc=ok, or #oidc=<code>&user=…), never
// a token. On ok, the API token is fetched once from the server
// (POST /console/oidc/session reads and clears a cookie only that path
// receives), so it is in no URL, history entry or log.
import { $, el } from './core.js';
import { t } from './i18n.js';

const RETURN_KEY = 'regshare.oidc.return';
// The codes regshare's callback sends; any other is shown as "failed".
const CODES = ['audience', 'bad_name', 'cancelled', 'denied', 'disabled', 'exchange', 'expired', 'failed', 'name_taken',
  'no_domain', 'no_name', 'no_rule', 'nonce', 'state', 'token', 'too_many', 'unreachable', 'unverified'];

let providers = [];

// loadProviders asks for the providers (anyone may) and shows them in
// the login dialog.
export async function loadProviders() {
  try {
    const resp = await fetch('/v2/manage/identity-providers', { credentials: 'omit', cache: 'no-store' });
    if (resp.ok) providers = (await resp.json()).providers || [];
  } catch { /* offline: the password form still works */ }
  drawProviders();
}

// drawProviders (re)draws the login dialog's buttons, in the language
// of the moment.
export function drawProviders() {
  $('login-sso-buttons').hidden = providers.length === 0;
  $('login-sso-or').hidden = providers.length === 0;
  $('login-sso-buttons').replaceChildren(...providers.map((p) => {
    const b = el('button', { type: 'button', class: 'sso-button', 'data-provider': p.name, text: t('oidc.loginWith', { name: p.display_name }) });
    b.addEventListener('click', () => {
      // Back from the provider, the console shows where it was.
      sessionStorage.setItem(RETURN_KEY, location.hash.startsWith('#/') ? location.hash : '');
      location.assign(p.login_url);
    });
    return b;
  }));
}

// takeResult reads the result of a login at a provider from the URL and
// removes it from the URL (and so from the tab's history), putting back
// where the console was when the login started. null: none.
export function takeResult() {
  const f = new URLSearchParams(location.hash.slice(1));
  const code = f.get('oidc');
  if (code === null) return null;
  const back = sessionStorage.getItem(RETURN_KEY) || '';
  sessionStorage.removeItem(RETURN_KEY);
  history.replaceState(null, '', location.pathname + location.search + back);
  return { ok: code === 'ok', code: CODES.includes(code) ? code : 'failed', user: f.get('user') || '', provider: f.get('provider') || '' };
}

// refusal is the message of a refused login.
export function refusal(r) {
  const p = providers.find((x) => x.name === r.provider);
  const vars = { user: r.user, provider: p ? p.display_name : r.provider };
  // i18n-keys: oidc.error.*
  return t(`oidc.error.${r.code}`, vars);
}

// handOver fetches the API token of the login that just ended here:
// { token, expires_in }, or null when there is none to take.
export async function handOver() {
  try {
    const resp = await fetch('/console/oidc/session', { method: 'POST', credentials: 'same-origin', cache: 'no-store' });
    return resp.ok ? await resp.json() : null;
  } catch {
    return null;
  }
}
