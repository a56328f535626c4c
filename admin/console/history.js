// regshare console: a share's history (GET .../access-domains/{domain}/
// history), for the manage users of the image's domain: every create,
// change and revoke, newest first, with who made it and what changed.
import { $, api, deadlineText, el, sharesPath, showError, timeEl } from './core.js';
import { t } from './i18n.js';
import { opener, restoreFocus } from './share.js';

let viewing = null; // {repo, domain, opener} while the dialog is open

// The fields an event can change, and how each is shown.
const FIELDS = [
  ['deadline', 'share.historyUntil', (s) => deadlineText(s.deadline)],
  ['description', 'share.historyDescription', (s) => (s.description ? `“${s.description}”` : t('share.historyNoDescription'))],
  ['permit', 'share.historyPermission', (s) => (s.permit === 'read' ? t('share.permitPull') : s.permit)],
];

// changes says what an event did: a change's fields before → after, a
// create's deadline and description.
function changes(ev) {
  const { before, after } = ev;
  const items = [];
  for (const [field, label, show] of FIELDS) {
    const name = t(label); // i18n-keys: share.historyUntil share.historyDescription share.historyPermission
    if (before && after && before[field] !== after[field]) {
      items.push(t('share.historyChange', { field: name, before: show(before), after: show(after) }));
    } else if (!before && after && field !== 'permit') {
      items.push(t('share.historyValue', { field: name, value: show(after) }));
    }
  }
  return items;
}

function eventEl(ev) {
  const action = ['create', 'update', 'revoke'].includes(ev.action) ? ev.action : 'unknown';
  const items = changes(ev);
  return el('li', { 'data-action': ev.action },
    el('p', { class: 'when' }, timeEl(ev.time)),
    // i18n-keys: share.event.create share.event.update share.event.revoke share.event.unknown
    el('p', { class: 'what' }, t(`share.event.${action}`, { actor: ev.actor || '?', action: ev.action })),
    items.length ? el('ul', { class: 'changes' }, items.map((s) => el('li', {}, s))) : null);
}

export async function openHistory(repo, domain) {
  viewing = { repo, domain, opener: opener() };
  $('history-repo').textContent = t('share.repoWith', { repo, domain });
  $('history-error').replaceChildren();
  $('history-list').replaceChildren();
  $('history-empty').hidden = false;
  $('history-empty').textContent = t('share.listLoading');
  $('history-dialog').showModal();
  $('history-close').focus();
  let res;
  try {
    res = await api('GET', `${sharesPath(repo)}/${encodeURIComponent(domain)}/history`);
  } catch (e) {
    if (!viewing || viewing.domain !== domain) return;
    $('history-empty').hidden = true;
    if (e.status !== 401) showError($('history-error'), e);
    return;
  }
  if (!viewing || viewing.repo !== repo || viewing.domain !== domain) return;
  const events = Array.isArray(res.data) ? res.data.slice().reverse() : [];
  $('history-list').replaceChildren(...events.map(eventEl));
  $('history-empty').hidden = events.length > 0;
  $('history-empty').textContent = t('share.historyEmpty');
}

export function initHistory() {
  $('history-close').addEventListener('click', () => $('history-dialog').close());
  $('history-dialog').addEventListener('close', () => {
    if ($('history-dialog').open) return;
    const o = viewing && viewing.opener;
    viewing = null;
    if (o) restoreFocus(o);
  });
}
