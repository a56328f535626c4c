// regshare console: what the account pages (users.js, robots.js,
// domains.js, groups.js, webhooks.js, tokens.js) share: account changes,
// who manages a domain, row pieces, field errors, and the confirm and
// secret dialogs. accounts.js builds it with the helpers app.js hands in
// (accountCommon(h)). As in app.js, what the API returns is always set as
// text, never parsed as HTML. Every string comes from i18n.js.
import { t, tn } from './i18n.js';

const NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const MAX_NAME = 64;
const DEFAULT_LIFETIME_DAYS = 90;
const DAY = 86400000;
const SOON = 7 * DAY; // a robot or token expiring within this "expires soon"

export function accountCommon(h) {
  const { $, el, api } = h;
  // A cell's content is one box: narrow windows lay a cell out as its
  // label and one value.
  const cell = (label, ...children) => h.cell(label, el('div', { class: 'cell' }, ...children));

  // Account changes are not retried: a retried create would not get the
  // first one's password or secret back.
  const change = (method, path, body) => api(method, path, body, { retry: false });

  const domainPath = (d) => `/v2/manage/domains/${encodeURIComponent(d)}`;
  const admin = () => Boolean(h.me() && h.me().superuser);
  const manages = (domain) => admin() || (h.me().role === 'manage' && h.me().domain === domain);
  const validName = (s) => s.length <= MAX_NAME && NAME.test(s);
  // nameProblem says what is wrong with a name; missing, when it is empty.
  const nameProblem = (name, missing) => {
    if (validName(name)) return '';
    return name ? t('accounts.nameInvalid', { max: MAX_NAME }) : missing;
  };

  // ---- shared pieces -------------------------------------------------

  function badge(text, kind, title) {
    return el('span', { class: `badge ${kind}`, title }, text);
  }

  // A time: local, in the user's language, UTC on hover. One the API left
  // unset (or the zero time of a record from the configuration file)
  // shows as a dash.
  function whenEl(iso) {
    if (!iso || iso.startsWith('0001-')) return '—';
    return h.timeEl(iso);
  }

  function updatedEl(o) {
    const when = whenEl(o.updated);
    if (when === '—' || !o.updated_by) return when;
    return [when, el('span', { class: 'sub' }, t('accounts.updatedBy', { name: o.updated_by }))];
  }

  // sourceName names a user's identity provider: "ldap", or "oidc:NAME"
  // (single sign-on through the OpenID provider NAME).
  function sourceName(source) {
    if (source === 'ldap') return t('accounts.badge.ldap');
    if (source.startsWith('oidc:')) return t('accounts.badge.sso', { name: source.slice(5) });
    return source;
  }

  // sourceEl says where o is managed: its identity provider, for a
  // provider-managed user; else the configuration file (title, why a
  // config-file one is read-only) or the console.
  function sourceEl(o, title) {
    if (o.source) return badge(sourceName(o.source), 'provider', t('accounts.providerTitle'));
    return o.static ? badge(t('accounts.badge.configFile'), 'static', title) : t('accounts.source.console');
  }

  // expiryEl shows when o (a robot, a token) expires: its time, marked
  // expired, or expiring soon.
  function expiryEl(o, now) {
    const when = whenEl(o.expires_at);
    const left = new Date(o.expires_at).getTime() - now;
    if (o.expired || left <= 0) return [when, ' ', badge(t('robots.badge.expired'), 'expired')];
    if (left < SOON) return [when, ' ', badge(t('robots.badge.soon'), 'warn', tn('robots.soon', SOON / DAY))];
    return when;
  }

  const statusBadge = (o) => (o.disabled ? badge(t('accounts.badge.disabled'), 'expired') : badge(t('accounts.badge.enabled'), 'valid'));

  // toggleButton enables or disables the row's o, named name.
  function toggleButton(o, name, onclick, opts) {
    return o.disabled
      ? actionButton(t('accounts.action.enable'), t('accounts.aria.enable', { name }), 'toggle', onclick, opts)
      : actionButton(t('accounts.action.disable'), t('accounts.aria.disable', { name }), 'toggle', onclick, opts);
  }

  const deleteButton = (name, onclick, opts) => actionButton(t('accounts.action.delete'), t('accounts.aria.delete', { name }), 'delete', onclick, { danger: true, ...opts });

  // apiMessage is what the account pages say of a refusal they know, in
  // the user's language (vars.name names the account); one of the codes
  // whose console sentence (humanError) fits these pages too, that
  // sentence (the share refusals' speak of images); any other keeps the
  // API's message.
  const KNOWN = {
    'REGSHARE.4030005': () => t('accounts.error.notAdmin'),
    'REGSHARE.4030006': () => t('accounts.error.notManager'),
    'REGSHARE.4030007': () => t('accounts.error.static'),
    'REGSHARE.4030010': () => t('accounts.error.self'),
    'REGSHARE.4030011': () => t('password.wrong'),
    'REGSHARE.4090002': (e, vars) => (vars && vars.name ? t('accounts.error.exists', vars) : ''),
    'REGSHARE.4090005': () => t('accounts.error.conflict'),
  };
  const GENERIC = /^REGSHARE\.(401|4040003|4090002|5)/;
  function apiMessage(e, vars) {
    if (e.status === 0) return t('accounts.error.offline');
    const known = KNOWN[e.code];
    const said = known && known(e, vars);
    if (said) return said;
    return GENERIC.test(e.code || '') ? h.humanError(e) : e.message;
  }

  // actionButton is a row's button; label names it with its row for
  // screen readers, note (an element id) says why it is disabled.
  function actionButton(text, label, action, onclick, { danger, disabled, note } = {}) {
    return el('button', {
      type: 'button', class: danger ? 'link danger' : 'link', 'aria-label': label, 'data-action': action,
      disabled: Boolean(disabled), 'aria-describedby': disabled ? note : undefined, onclick,
    }, text);
  }

  // refocus puts the focus back on a row's button after the list is drawn
  // again, or on the page's heading when the row is gone.
  function refocus(body, attr, key, action, heading) {
    const row = [...$(body).children].find((tr) => tr.getAttribute(attr) === key);
    const b = row && row.querySelector(`button[data-action="${action}"]`);
    if (b && !b.disabled) b.focus(); else $(heading).focus();
  }

  // listFailed is app.js's, with the elements' ids and apiMessage's words.
  const listFailed = (body, empty, error, e) => h.listFailed($(body), $(empty), $(error),
    { status: e.status, code: e.code, message: apiMessage(e) });

  function crumbs(kind, domain) {
    $(`${kind}-crumbs`).hidden = !admin() || domain === h.me().domain;
    $(`${kind}-crumb`).textContent = domain;
  }

  // Field errors: <id>-error next to the field <id>.
  function clearErrors(form) {
    for (const e of $(form).querySelectorAll('.error')) e.textContent = '';
    for (const e of $(form).querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
  }

  function fieldError(id, msg) {
    $(`${id}-error`).textContent = msg;
    $(id).setAttribute('aria-invalid', 'true');
  }

  function focusInvalid(form, fallback) {
    const f = $(form).querySelector('[aria-invalid="true"]:not([disabled])');
    (f || $(fallback)).focus();
  }

  // createFailed says why a create dialog's change (<kind>-form) failed:
  // a conflict is its name's (<kind>-name) error, any other its own. On a
  // 401 the login dialog is open, over what was typed, which stays.
  function createFailed(kind, e, name) {
    if (e.status === 401) return;
    if (e.status === 409) fieldError(`${kind}-name`, apiMessage(e, { name }));
    else $(`${kind}-error`).textContent = apiMessage(e);
    focusInvalid(`${kind}-form`, `${kind}-name`);
  }

  // Lifetimes are written "90d" or "36h"; the console edits whole days.
  function lifetimeDays(s) {
    const m = /^(\d+)([dh])$/.exec(s || '');
    if (!m) return DEFAULT_LIFETIME_DAYS;
    return m[2] === 'd' ? Number(m[1]) : Math.max(1, Math.floor(Number(m[1]) / 24));
  }

  function wholeNumber(s) {
    return /^\d+$/.test(s) ? Number(s) : NaN;
  }

  // ---- the secret dialog: a password or secret, shown once ----------

  let secretAfter = null;

  // What the secret dialog calls a user's password and a robot's secret.
  const SECRETS = {
    password: () => ({ label: t('accounts.secret.password'), copy: t('accounts.secret.copyPassword'), what: t('accounts.secret.thePassword') }),
    secret: () => ({ label: t('accounts.secret.secret'), copy: t('accounts.secret.copySecret'), what: t('accounts.secret.theSecret') }),
  };

  // showSecret shows a password (what: 'password') or a robot's or a
  // webhook's secret ('secret'). lead is a string, or the nodes of one
  // (tParts); once, when given, replaces the note that it is shown once
  // (a webhook's secret is kept, to sign: regshare only cannot show it).
  function showSecret({ title, lead, what, secret, login, once, after }) {
    const words = SECRETS[what]();
    $('secret-title').textContent = title;
    $('secret-lead').replaceChildren(...[lead].flat());
    $('secret-once').textContent = once || t('accounts.secret.once');
    $('secret-label').textContent = words.label;
    $('secret-value').textContent = secret;
    $('secret-copy').setAttribute('aria-label', words.copy);
    $('secret-copy').dataset.what = words.what;
    $('secret-login-block').hidden = !login;
    $('secret-login').textContent = login || '';
    secretAfter = after;
    $('secret-dialog').showModal();
    $('secret-copy').focus();
  }

  // Closing forgets the secret: it is in no element once the dialog is gone.
  function secretClosed() {
    if ($('secret-dialog').open) return;
    $('secret-value').textContent = '';
    $('secret-login').textContent = '';
    const after = secretAfter;
    secretAfter = null;
    if (after) after();
  }

  // ---- the confirm dialog --------------------------------------------

  let confirming = null; // {run, conflict} while open

  function confirmAction({ title, text, action, run, conflict }) {
    confirming = { run, conflict };
    $('confirm-title').textContent = title;
    $('confirm-text').textContent = text;
    $('confirm-error').textContent = '';
    $('confirm-list').replaceChildren();
    $('confirm-list').hidden = true;
    $('confirm-submit').textContent = action;
    $('confirm-dialog').showModal();
    $('confirm-cancel').focus();
  }

  async function submitConfirm(ev) {
    ev.preventDefault();
    const c = confirming;
    if (!c) return;
    const submit = $('confirm-submit');
    submit.disabled = true;
    $('confirm-error').textContent = '';
    try {
      const then = await c.run();
      if (confirming === c) {
        confirming = null;
        $('confirm-dialog').close();
      }
      if (then) then();
    } catch (e) {
      if (e.status === 401) return;
      if (e.status === 409 && c.conflict) {
        c.conflict(e, c);
        $('confirm-cancel').focus();
      } else {
        $('confirm-error').textContent = apiMessage(e);
      }
    } finally {
      submit.disabled = false;
    }
  }

  // closeDialogs closes those of the dialogs (by id) that are open.
  function closeDialogs(...ids) {
    for (const id of ids) if ($(id).open) $(id).close();
  }

  // reset forgets the confirm and secret dialogs and what they hold.
  function reset() {
    secretAfter = null;
    closeDialogs('confirm-dialog', 'secret-dialog');
    confirming = null;
    $('secret-value').textContent = '';
    $('secret-login').textContent = '';
  }

  function init() {
    $('confirm-form').addEventListener('submit', submitConfirm);
    $('confirm-cancel').addEventListener('click', () => { confirming = null; $('confirm-dialog').close(); });
    // Escape closes a dialog too; the close event comes a task later.
    $('confirm-dialog').addEventListener('close', () => { if (!$('confirm-dialog').open) confirming = null; });

    // Done forgets the secret and restores the focus at once; the close
    // event, which the browser queues, does so for Escape.
    $('secret-form').addEventListener('submit', (ev) => { ev.preventDefault(); $('secret-dialog').close(); secretClosed(); });
    $('secret-dialog').addEventListener('close', secretClosed);
    $('secret-copy').addEventListener('click', (ev) => h.copyText($('secret-value').textContent, ev.currentTarget, ev.currentTarget.dataset.what));
    $('secret-login-copy').addEventListener('click', (ev) => h.copyText($('secret-login').textContent, ev.currentTarget, t('accounts.secret.theLogin')));
  }

  return {
    cell, change, domainPath, admin, manages, nameProblem, apiMessage,
    badge, whenEl, expiryEl, updatedEl, sourceEl, statusBadge, actionButton, toggleButton, deleteButton, refocus, listFailed, crumbs,
    clearErrors, fieldError, focusInvalid, createFailed, lifetimeDays, wholeNumber,
    showSecret, confirmAction, closeDialogs, reset, init,
  };
}
