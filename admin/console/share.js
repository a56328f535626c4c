// regshare console: the Share image (and Edit share) dialog and the
// Revoke dialog of an image's Sharing tab. A field's error follows what
// is typed: it clears as soon as the field holds something else that is
// valid. A day chosen as "valid until" ends at the next local midnight.
// The dialog shares one image, several (Share selected of Private
// Images), or a namespace prefix (acme/sdk/), with one recipient or
// several (recipients.js): one image with one recipient is one share
// made as ever, anything more one change of every pair (share-bulk.js).
import {
  $, MAX_DESCRIPTION, addDays, announce, api, deadlineDate, el, endOfDay, endOfQuarter, endsADay, formatCount,
  isGroup, isPrefix, localTime, localToday, recipientText, runeCount, sharesPath, showError, state, timeZone,
} from './core.js';
import { initHistory } from './history.js';
import { t } from './i18n.js';
import { renderSharing, sharedDomains } from './image.js';
import { initRecipients, recipients, resetRecipients } from './recipients.js';
import { createMany, createdText, refusalEls, refusedPairs } from './share-bulk.js';

// ---- focus ----------------------------------------------------------

// opener remembers the control that opened a dialog: the element, and
// for a row's button its domain and action, to find it again once the
// rows are drawn anew.
export function opener() {
  const e = document.activeElement;
  const row = e && e.closest ? e.closest('#sharing-body tr') : null;
  return { el: e, domain: row ? row.dataset.domain : '', action: e && e.dataset ? e.dataset.action || '' : '' };
}

const shown = (e) => Boolean(e) && e.isConnected && e !== document.body && e.getClientRects().length > 0;
function rowButton(domain, action) {
  const row = [...document.querySelectorAll('#sharing-body tr')].find((r) => r.dataset.domain === domain);
  return row ? [...row.querySelectorAll('[data-action]')].find((b) => b.dataset.action === action) : null;
}

// restoreFocus puts the focus back on the opener, or on its row's button
// drawn anew, or else on Share image or the page's heading: never on
// the page's body.
export function restoreFocus(o) {
  const candidates = [
    o && o.el,
    o && o.domain && o.action ? rowButton(o.domain, o.action) : null,
    $('share-open'),
    ...document.querySelectorAll('main h1'),
  ];
  const c = candidates.find(shown);
  (c || $('image-title')).focus();
}

// ---- the share dialog -----------------------------------------------

const FIELDS = {
  with: 'share-with', until: 'share-until', description: 'share-description', permit: 'share-permit',
};

// Which field an API error concerns, and what to say there.
const FIELD_ERRORS = {
  'REGSHARE.4000002': ['with', (v) => noRecipient(v.domain)],
  'REGSHARE.4000003': ['with', () => t('errors.REGSHARE.4000003')],
  'REGSHARE.4090001': ['with', (v) => t('share.errExists', { domain: recipientText(v.domain) })],
  'REGSHARE.4000004': ['permit', () => t('errors.REGSHARE.4000004')],
  'REGSHARE.4000005': ['until', () => t('errors.REGSHARE.4000005')],
  'REGSHARE.4000006': ['description', () => t('share.errDescriptionLong', { max: formatCount(MAX_DESCRIPTION) })],
};

// noRecipient says that there is no such domain, or group.
function noRecipient(domain) {
  if (!domain) return t('share.errWithEmpty');
  return isGroup(domain) ? t('share.errNoGroup', { name: domain.slice(1) }) : t('share.errNoDomain', { domain });
}

// editing is {repos, share, initial, opener, done} while the dialog is
// open: repos what is shared (one, when share is the one edited);
// initial the day (or "forever") shown when it opened; done, called once
// a change is made, redraws what the dialog was opened from and puts the
// focus back (by default, the image's Sharing tab).
let editing = null;
// errorFor: field → the value its error was written about.
const errorFor = {};

function value(name) {
  if (name === 'with') return editing && editing.share ? $('share-with').value.trim() : recipients().join(' ');
  if (name === 'until') return $('share-permanent').checked ? 'forever' : $('share-until').value;
  if (name === 'description') return $('share-description').value;
  return $('share-permit').checked ? 'read' : '';
}

// clientError is what the console itself knows to be wrong with a field.
function clientError(name) {
  const v = value(name);
  if (name === 'with' && editing && !editing.share && !v) return t('share.errWithEmpty');
  if (name === 'until' && !v) return t('share.errUntilEmpty');
  if (name === 'description' && runeCount(v) > MAX_DESCRIPTION) {
    return t('share.errDescriptionLong', { max: formatCount(MAX_DESCRIPTION) });
  }
  return '';
}

const errorP = (name) => $(`share-${name}-error`);

function fieldError(name, msg, code, ...more) {
  const parts = [msg];
  if (code) parts.push(' ', el('small', { class: 'error-code' }, code));
  errorP(name).replaceChildren(...parts, ...more);
  $(FIELDS[name]).setAttribute('aria-invalid', 'true');
  errorFor[name] = value(name);
}

function clearField(name) {
  errorP(name).replaceChildren();
  $(FIELDS[name]).removeAttribute('aria-invalid');
  delete errorFor[name];
}

// revalidate follows the user: once a field with an error holds another
// value, its error is what is still wrong with it, or nothing.
function revalidate(name) {
  if (!(name in errorFor) || value(name) === errorFor[name]) return;
  const msg = clientError(name);
  if (msg) fieldError(name, msg);
  else clearField(name);
}

function clearShareErrors() {
  $('share-error').replaceChildren();
  for (const name of Object.keys(FIELDS)) clearField(name);
}

function focusFirstError() {
  for (const [name, id] of Object.entries(FIELDS)) {
    if (name in errorFor) {
      $(name === 'until' && $(id).disabled ? 'share-permanent' : id).focus();
      return;
    }
  }
}

function updateCounter() {
  const n = runeCount($('share-description').value);
  const c = $('share-description-count');
  c.textContent = `${formatCount(n)}/${formatCount(MAX_DESCRIPTION)}`;
  c.classList.toggle('over', n > MAX_DESCRIPTION);
}

// presetDay is the last day of a preset's validity, from today.
function presetDay(preset) {
  const today = localToday();
  return preset === 'quarter' ? endOfQuarter(today) : addDays(today, Number(preset));
}

// syncUntil enables the date unless the share is permanent, and marks
// the preset the choice is, if any.
function syncUntil() {
  const permanent = $('share-permanent').checked;
  $('share-until').disabled = permanent;
  for (const b of document.querySelectorAll('#share-presets [data-preset]')) {
    const p = b.dataset.preset;
    const on = p === 'forever' ? permanent : !permanent && $('share-until').value === presetDay(p);
    b.setAttribute('aria-pressed', String(on));
  }
  revalidate('until');
}

function choosePreset(ev) {
  const p = ev.currentTarget.dataset.preset;
  $('share-permanent').checked = p === 'forever';
  if (p !== 'forever') $('share-until').value = presetDay(p);
  syncUntil();
}

// untilHint says when access ends, in the user's time zone; a deadline
// that is not the end of a day (made with a time, through the API) is
// shown as it is.
function untilHint(share) {
  const zone = timeZone();
  if (share && share.deadline !== 'forever' && !endsADay(share.deadline)) {
    return t('share.untilHintExact', { time: localTime(new Date(share.deadline)), zone });
  }
  return t('share.untilHint', { zone });
}

// title is the dialog's title for a new share of repos.
function title(repos) {
  if (repos.length > 1) return t('share.titleMany');
  const prefix = isPrefix(repos[0]);
  return t(prefix ? 'share.titleNamespace' : 'share.titleNew');
}

// whatEls says what is shared: the image, the prefix and what its share
// grants, or the list of the images.
function whatEls(repos) {
  if (repos.length > 1) {
    return [t('share.imagesListed', { n: formatCount(repos.length) }), el('ul', {}, repos.map((r) => el('li', {}, r)))];
  }
  if (!isPrefix(repos[0])) return [repos[0]];
  return [el('strong', {}, repos[0]), el('span', { class: 'grants' }, t('share.namespaceGrants', { prefix: repos[0] }))];
}

// load fills the dialog for a new share of repos (share null) or to edit
// share, the share of repos[0].
function load(repos, share) {
  clearShareErrors();
  const edit = Boolean(share);
  const repo = repos[0];
  $('share-title').textContent = edit ? t('share.titleEdit') : title(repos);
  $('share-repo').replaceChildren(...(edit ? [t('share.repoWith', { repo, domain: recipientText(share.access_domain) })] : whatEls(repos)));
  resetRecipients(edit);
  const w = $('share-with');
  w.value = edit ? share.access_domain : '';
  w.readOnly = edit;
  const permanent = edit && share.deadline === 'forever';
  $('share-permanent').checked = permanent;
  $('share-until').value = edit && !permanent ? deadlineDate(share.deadline) : '';
  $('share-until').min = localToday();
  $('share-until-hint').textContent = untilHint(share);
  $('share-description').value = edit ? share.description : '';
  $('share-permit').checked = true;
  editing = { ...editing, repos, share, initial: permanent ? 'forever' : $('share-until').value };
  syncUntil();
  updateCounter();
  if (!$('share-dialog').open) $('share-dialog').showModal();
  (edit ? ($('share-until').disabled ? $('share-permanent') : $('share-until')) : w).focus();
}

// openShare opens the dialog for repo (a repository or a prefix), or for
// every repository of an array, to share it anew (share null) or to edit
// share. opts.done(), if given, is called once the change is made, in
// place of redrawing the image's Sharing tab.
export function openShare(repo, share, opts) {
  const repos = Array.isArray(repo) ? repo : [repo];
  editing = { opener: opener(), done: opts && opts.done };
  load(repos, share);
}

// editInstead switches the dialog to the share that already exists.
async function editInstead(repo, domain) {
  let res;
  try {
    res = await api('GET', `${sharesPath(repo)}/${encodeURIComponent(domain)}`);
  } catch (e) {
    if (e.status !== 401) showError($('share-error'), e);
    return;
  }
  if (!editing || editing.repos.length !== 1 || editing.repos[0] !== repo) return; // closed meanwhile
  load([repo], res.data);
  announce(t('share.editingInstead', { domain: recipientText(domain) }));
}

function serverError(e, repo, domain) {
  const known = FIELD_ERRORS[e.code];
  if (!known) {
    showError($('share-error'), e);
    return;
  }
  const more = [];
  if (e.code === 'REGSHARE.4090001') {
    more.push(' ', el('button', {
      type: 'button', class: 'link', id: 'share-edit-instead', onclick: () => editInstead(repo, domain),
    }, t('share.editInstead')));
  }
  fieldError(known[0], known[1]({ domain }), e.code, ...more);
}

async function submitShare(ev) {
  ev.preventDefault();
  if (!editing) return;
  clearShareErrors();
  for (const name of Object.keys(FIELDS)) {
    const msg = clientError(name);
    if (msg) fieldError(name, msg);
  }
  if (Object.keys(errorFor).length) {
    focusFirstError();
    return;
  }
  // Taken now: Escape may close the dialog while the change is sent.
  const { repos, share, opener: back, done } = editing;
  const repo = repos[0];
  const to = share ? [share.access_domain] : recipients();
  const domain = to[0];
  const until = value('until');
  const deadline = until === 'forever' ? until : endOfDay(until);
  const description = value('description');
  const submit = $('share-submit');
  submit.disabled = true;
  try {
    if (share) {
      const patch = {};
      if (until !== editing.initial) patch.deadline = deadline;
      if (description !== share.description) patch.description = description;
      if (Object.keys(patch).length) await api('PATCH', `${sharesPath(repo)}/${encodeURIComponent(domain)}`, patch);
      announce(t('share.updated', { repo, domain: recipientText(domain) }));
    } else if (repos.length === 1 && to.length === 1) {
      await api('POST', sharesPath(repo), { access_domain: domain, permit: 'read', deadline, description });
      announce(t('share.created', { repo, domain: recipientText(domain) }));
    } else {
      await createMany(repos, to, deadline, description);
      announce(createdText(repos, to));
    }
    editing = null;
    $('share-dialog').close();
    if (done) done(back);
    else renderSharing(repo, state.gen).then(() => restoreFocus(back));
  } catch (e) {
    if (e.status === 401) return; // the login dialog is open; what was typed stays
    const pairs = refusedPairs(e);
    if (pairs) {
      showRefusal(pairs);
      return;
    }
    if (repos.length === 1 && to.length === 1) serverError(e, repo, domain);
    else showError($('share-error'), e);
    focusFirstError();
  } finally {
    submit.disabled = false;
  }
}

// showRefusal lists what a bulk share refused, pair by pair, over the
// form, which keeps what was typed; the focus goes to the list, so that
// it is read first.
function showRefusal(pairs) {
  const box = $('share-error');
  box.replaceChildren(...refusalEls(pairs));
  box.tabIndex = -1;
  box.focus();
}

// ---- the revoke dialog ----------------------------------------------

let revoking = null; // {repo, domain, opener}

// revokeText asks to revoke the share of repo (an image or a prefix)
// with domain (a domain or a group).
function revokeText(repo, domain) {
  if (!isGroup(domain)) return t(isPrefix(repo) ? 'share.revokeTextNamespace' : 'share.revokeText', { repo, domain });
  const vars = { repo, name: domain.slice(1) };
  return t(isPrefix(repo) ? 'share.revokeTextGroupNamespace' : 'share.revokeTextGroup', vars);
}

export function openRevoke(repo, domain) {
  revoking = { repo, domain, opener: opener() };
  $('revoke-text').textContent = revokeText(repo, domain);
  $('revoke-error').replaceChildren();
  $('revoke-dialog').showModal();
  $('revoke-cancel').focus();
}

// focusAfterRevoke puts the focus where the revoked row was: on the next
// row's Revoke (the previous row's after the last), else on Share image.
function focusAfterRevoke(index) {
  const rows = document.querySelectorAll('#sharing-body tr');
  const row = rows[index] || rows[index - 1];
  const b = row && row.querySelector('[data-action="revoke"]');
  if (b) b.focus();
  else restoreFocus(null);
}

async function submitRevoke(ev) {
  ev.preventDefault();
  if (!revoking) return;
  const { repo, domain } = revoking;
  const submit = $('revoke-submit');
  submit.disabled = true;
  try {
    await api('DELETE', `${sharesPath(repo)}/${encodeURIComponent(domain)}`);
    const index = sharedDomains().indexOf(domain);
    revoking = null;
    $('revoke-dialog').close();
    announce(t('share.revoked', { repo, domain: recipientText(domain) }));
    // The list is redrawn from the server: keep the focus off the page's
    // body meanwhile, then put it where the revoked row was.
    restoreFocus(null);
    renderSharing(repo, state.gen).then(() => focusAfterRevoke(Math.max(0, index)));
  } catch (e) {
    if (e.status !== 401) showError($('revoke-error'), e);
  } finally {
    submit.disabled = false;
  }
}

// closeShareDialogs closes the dialogs: another user logged in, or no one.
export function closeShareDialogs() {
  for (const id of ['share-dialog', 'revoke-dialog', 'history-dialog']) if ($(id).open) $(id).close();
}

// onClose forgets a dialog's state when it closes (Cancel, Escape, or
// done) and puts the focus back where it was, unless a redraw will. The
// close event comes a task later: the dialog may be open again by then.
function onClose(id, take) {
  $(id).addEventListener('close', () => {
    if ($(id).open) return;
    const o = take();
    if (o) restoreFocus(o);
  });
}

export function initShare() {
  $('share-form').addEventListener('submit', submitShare);
  $('share-cancel').addEventListener('click', () => $('share-dialog').close());
  onClose('share-dialog', () => { const o = editing && editing.opener; editing = null; return o; });
  initRecipients(() => revalidate('with'));
  $('share-description').addEventListener('input', () => { updateCounter(); revalidate('description'); });
  for (const e of ['input', 'change']) $('share-until').addEventListener(e, syncUntil);
  $('share-permanent').addEventListener('change', syncUntil);
  for (const b of document.querySelectorAll('#share-presets [data-preset]')) b.addEventListener('click', choosePreset);

  $('revoke-form').addEventListener('submit', submitRevoke);
  $('revoke-cancel').addEventListener('click', () => $('revoke-dialog').close());
  onClose('revoke-dialog', () => { const o = revoking && revoking.opener; revoking = null; return o; });
  initHistory();
}
