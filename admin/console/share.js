// regshare console: the Share Image (and Edit Share) dialog and the
// Revoke dialog of an image's Sharing tab.
import {
  $, MAX_DESCRIPTION, announce, api, deadlineDate, formatCount, localToday, runeCount, sharesPath, state,
} from './core.js';
import { renderSharing } from './image.js';

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

export function openShare(repo, share) {
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
    renderSharing(repo, state.gen);
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

let revoking = null;

export function openRevoke(repo, domain) {
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
    renderSharing(repo, state.gen);
  } catch (e) {
    if (e.status !== 401) $('revoke-error').textContent = e.message;
  } finally {
    submit.disabled = false;
  }
}


// closeShareDialogs closes both dialogs: another user logged in, or no one.
export function closeShareDialogs() {
  for (const id of ['share-dialog', 'revoke-dialog']) if ($(id).open) $(id).close();
}

export function initShare() {
  $('share-form').addEventListener('submit', submitShare);
  $('share-cancel').addEventListener('click', () => { editing = null; $('share-dialog').close(); });
  // Escape closes the dialog too. The close event comes a task later: the
  // dialog may be open again by then, for another share.
  $('share-dialog').addEventListener('close', () => { if (!$('share-dialog').open) editing = null; });
  $('share-description').addEventListener('input', updateCounter);
  $('share-permanent').addEventListener('change', syncPermanent);

  $('revoke-form').addEventListener('submit', submitRevoke);
  $('revoke-cancel').addEventListener('click', () => { revoking = null; $('revoke-dialog').close(); });
}
