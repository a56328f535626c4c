// regshare console: the Access tokens page, every person's own personal
// access tokens, for docker login in place of their password (GET and
// POST /v2/manage/user/tokens, DELETE …/{id}). A token has a label, an
// expiry and, if its owner chooses, permissions narrower than theirs; its
// secret is shown once, in the account pages' secret dialog, with the
// docker login command. The console itself always calls the API with the
// person's session: the API refuses tokens. accounts.js builds it
// (tokensPage(h, c)) with app.js's helpers h and the account pages'
// shared pieces c (accounts-common.js). As in app.js, what the API
// returns is always set as text, never parsed as HTML; its strings are in
// strings-tokens.js.
import { formatNumber, t, tn } from './i18n.js';
import { actionName, permissionEditor, permissionsEl } from './permissions.js';
import { addDays, dateText, endOfDay, localToday, timeZone } from './time.js';
import { roleName } from './users.js';

const TOKENS = '/v2/manage/user/tokens';
// The limits of grants/tokens.go: a label's length, how many tokens a
// person has; the longest lifetime is the server's (token_max_days of
// GET /v2/manage/user, identity.token_max_lifetime), 365 days by default.
const MAX_LABEL = 100;
const MAX_TOKENS = 20;
const maxDays = (me) => me.token_max_days || 365;
const DEFAULT_DAYS = '30';

// dayDate is a YYYY-MM-DD local day as a Date, to show it.
const dayDate = (ymd) => new Date(`${ymd}T00:00:00`);

export function tokensPage(h, c) {
  const { $, el, api, announce } = h;
  const {
    cell, change, apiMessage, whenEl, expiryEl, actionButton, refocus, clearErrors, fieldError, focusInvalid,
    showSecret, confirmAction,
  } = c;
  const perms = permissionEditor(h, { box: 'token-perms', list: 'token-repos', describedBy: 'token-perms-hint token-perms-error', addButton: 'token-perm-add' });

  // message is what the page says of a refusal: the ones of tokens in the
  // user's language, the others as the account pages say them.
  function message(e) {
    if (e.code === 'REGSHARE.4030013') return t('tokens.error.owner');
    if (e.code === 'REGSHARE.4000013') return t('tokens.error.tooMany', { max: formatNumber(MAX_TOKENS) });
    return apiMessage(e);
  }

  async function renderTokens(gen) {
    document.title = t('tokens.docTitle');
    $('tokens-lead').textContent = t('tokens.lead', { name: h.me().name });
    $('tokens-error').textContent = '';
    h.loading($('tokens-body'), $('tokens-empty'));
    let res;
    try {
      res = await api('GET', TOKENS);
    } catch (e) {
      if (gen === h.gen()) {
        c.listFailed('tokens-body', 'tokens-empty', 'tokens-error', { status: e.status, code: e.code, message: message(e) });
      }
      return;
    }
    if (gen !== h.gen()) return;
    const list = (res.data && res.data.tokens) || [];
    h.fill($('tokens-body'), list.map(tokenRow), $('tokens-empty'), t('tokens.empty'));
  }

  function tokenRow(tok) {
    const label = tok.label;
    const list = tok.permissions || [];
    return el('tr', { 'data-token': tok.id },
      el('td', { 'data-label': t('tokens.col.label'), class: 'desc' }, el('strong', {}, label)),
      cell(t('tokens.col.permissions'), list.length ? permissionsEl(el, list, t('tokens.permissionsOf', { label })) : t('tokens.yourRights')),
      cell(t('tokens.col.expires'), expiryEl(tok, Date.now())),
      cell(t('tokens.col.created'), whenEl(tok.created)),
      cell(t('accounts.col.actions'), el('div', { class: 'row-actions wrap' },
        actionButton(t('tokens.revoke'), t('tokens.revokeAria', { label }), 'revoke', () => confirmRevoke(tok), { danger: true }))));
  }

  function dockerLogin(tok) {
    const me = h.me();
    return tok.docker_login || `docker login -u '${me.name}' --password-stdin ${me.registry || 'REGISTRY'}`;
  }

  // ---- the create dialog ---------------------------------------------

  const expiryChoices = () => [...$('token-form').querySelectorAll('input[name="token-expiry"]')];
  const expiryChoice = () => (expiryChoices().find((r) => r.checked) || { value: DEFAULT_DAYS }).value;

  function syncLabel() {
    const n = h.runeCount($('token-label').value.trim());
    const counter = $('token-label-count');
    counter.textContent = `${formatNumber(n)}/${formatNumber(MAX_LABEL)}`;
    counter.classList.toggle('over', n > MAX_LABEL);
  }

  function syncExpiry() {
    $('token-date').disabled = expiryChoice() !== 'date';
  }

  function openCreate() {
    const me = h.me();
    clearErrors('token-form');
    $('token-owner').textContent = t('tokens.owner', { name: me.name });
    $('token-label').value = '';
    syncLabel();
    for (const r of expiryChoices()) r.checked = r.value === DEFAULT_DAYS;
    const today = localToday();
    $('token-date').min = today;
    $('token-date').max = addDays(today, maxDays(me) - 1);
    $('token-date').value = addDays(today, Number(DEFAULT_DAYS));
    $('token-expiry-hint').textContent = t('tokens.expiryHint', { zone: timeZone(), days: tn('accounts.days', maxDays(me)) });
    syncExpiry();
    perms.clear();
    perms.suggest(me.namespaces || [], true);
    $('token-dialog').showModal();
    $('token-label').focus();
  }

  // expiryError says what is wrong with the expiry, on the choice made.
  function expiryError(msg) {
    $('token-date-error').textContent = msg;
    const choice = expiryChoice() === 'date' ? $('token-date') : expiryChoices().find((r) => r.checked);
    if (choice) choice.setAttribute('aria-invalid', 'true');
  }

  // readExpiry adds the expiry chosen to body, or says what is wrong.
  function readExpiry(body) {
    const choice = expiryChoice();
    if (choice !== 'date') {
      body.expires_in = `${choice}d`;
      return;
    }
    const day = $('token-date').value;
    if (!day) expiryError(t('tokens.dateMissing'));
    else if (day < localToday() || day > $('token-date').max) expiryError(t('tokens.dateRange', { date: dateText(dayDate($('token-date').max)) }));
    else body.expires_at = endOfDay(day);
  }

  async function submitToken(ev) {
    ev.preventDefault();
    clearErrors('token-form');
    const label = $('token-label').value.trim();
    if (!label) fieldError('token-label', t('tokens.labelMissing'));
    else if (h.runeCount(label) > MAX_LABEL) fieldError('token-label', t('tokens.labelLong', { max: formatNumber(MAX_LABEL) }));
    const body = { label };
    readExpiry(body);
    const { perms: permissions, bad } = perms.read();
    if (bad) $('token-perms-error').textContent = bad;
    if (permissions.length) body.permissions = permissions;
    if ($('token-form').querySelector('[aria-invalid="true"]')) {
      focusInvalid('token-form', 'token-label');
      return;
    }
    const submit = $('token-submit');
    submit.disabled = true;
    try {
      const res = await change('POST', TOKENS, body);
      const tok = res.data || {};
      $('token-dialog').close();
      announce(t('tokens.created', { label: tok.label || label }));
      await renderTokens(h.gen());
      showSecret({
        title: t('tokens.createdTitle', { label: tok.label || label }),
        lead: t('tokens.createdLead', { name: h.me().name }),
        what: 'secret', secret: tok.secret || '', login: dockerLogin(tok),
        after: () => refocus('tokens-body', 'data-token', tok.id, 'revoke', 'tokens-title'),
      });
    } catch (e) {
      if (e.status !== 401) createRefused(e);
    } finally {
      submit.disabled = false;
    }
  }

  // createRefused puts the API's refusal next to its field: a permission
  // beyond one's rights (403.8, which names it) on the permissions, a
  // label or an expiry it refused (400.12) on theirs.
  function createRefused(e) {
    const msg = e.message || '';
    if (e.code === 'REGSHARE.4030008') {
      const role = /(\w+) on (\S+): your role (\w+) does not allow it/.exec(msg);
      const domain = /: (\S+) is not /.exec(msg);
      let said = apiMessage(e);
      if (role) said = t('tokens.error.role', { action: actionName(role[1]), repository: role[2], role: roleName(role[3]) });
      else if (domain) said = t('tokens.error.domain', { repository: domain[1], domain: h.me().domain });
      $('token-perms-error').textContent = said;
      perms.markRepository(role ? role[2] : domain && domain[1]);
    } else if (e.status === 400 && /label/.test(msg)) {
      fieldError('token-label', t('tokens.labelLong', { max: formatNumber(MAX_LABEL) }));
    } else if (e.status === 400 && /expir|lives at most/.test(msg)) {
      const most = /lives at most (\d+)h/.exec(msg);
      if (most) expiryError(t('tokens.error.tooLong', { days: tn('accounts.days', Math.max(1, Math.floor(Number(most[1]) / 24))) }));
      else expiryError(/future/.test(msg) ? t('tokens.error.past') : apiMessage(e));
    } else {
      $('token-error').textContent = message(e);
    }
    focusInvalid('token-form', 'token-label');
  }

  // ---- revoke --------------------------------------------------------

  function confirmRevoke(tok) {
    confirmAction({
      title: t('tokens.revokeTitle'),
      text: t('tokens.revokeText', { label: tok.label }),
      action: t('tokens.revoke'),
      run: async () => {
        try {
          await change('DELETE', `${TOKENS}/${encodeURIComponent(tok.id)}`);
        } catch (e) {
          if (e.status !== 404) throw e; // 404: revoked already, elsewhere
        }
        announce(t('tokens.revoked', { label: tok.label }));
        return () => renderTokens(h.gen()).then(() => refocus('tokens-body', 'data-token', tok.id, 'revoke', 'tokens-title'));
      },
    });
  }

  // reset forgets the page and its dialog.
  function reset() {
    c.closeDialogs('token-dialog');
    perms.clear();
    $('tokens-body').replaceChildren();
  }

  function init() {
    $('token-create-open').addEventListener('click', openCreate);
    $('token-form').addEventListener('submit', submitToken);
    $('token-cancel').addEventListener('click', () => $('token-dialog').close());
    $('token-label').addEventListener('input', syncLabel);
    for (const r of expiryChoices()) r.addEventListener('change', syncExpiry);
    $('token-perm-add').addEventListener('click', () => perms.add('', ['pull']).querySelector('.perm-repo').focus());
  }

  return { render: renderTokens, reset, init };
}
