// regshare console: the history dialog, a timeline of events newest
// first. A share's history (GET .../access-domains/{domain}/history), for
// the manage users of the image's domain: every create, change and
// revoke, with who made it and what changed. The Groups page shows a
// group's history in the same dialog (openTimeline).
import { $, api, deadlineText, el, recipientText, sharesPath, showError, timeEl } from './core.js';
import { t } from './i18n.js';
import { opener, restoreFocus } from './share.js';

let viewing = null; // {back} while the dialog is open

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

// timelineItem is one event of a timeline: when, what (a sentence), and
// the changes it made (strings).
export function timelineItem(time, action, what, items) {
  return el('li', { 'data-action': action },
    el('p', { class: 'when' }, timeEl(time)),
    el('p', { class: 'what' }, what),
    items.length ? el('ul', { class: 'changes' }, items.map((s) => el('li', {}, s))) : null);
}

function eventEl(ev) {
  const action = ['create', 'update', 'revoke'].includes(ev.action) ? ev.action : 'unknown';
  // i18n-keys: share.event.create share.event.update share.event.revoke share.event.unknown
  return timelineItem(ev.time, ev.action, t(`share.event.${action}`, { actor: ev.actor || '?', action: ev.action }), changes(ev));
}

// openTimeline shows a history: its title, lead (what it is the history
// of), read() resolving to its events' elements, newest first, empty
// what to say when there are none, and back() putting the focus where it
// belongs once the dialog closes.
export async function openTimeline({ title, lead, read, empty, back }) {
  const v = { back };
  viewing = v;
  $('history-title').textContent = title;
  $('history-repo').textContent = lead;
  $('history-error').replaceChildren();
  $('history-list').replaceChildren();
  $('history-empty').hidden = false;
  $('history-empty').textContent = t('share.listLoading');
  if (!$('history-dialog').open) $('history-dialog').showModal();
  $('history-close').focus();
  let items;
  try {
    items = await read();
  } catch (e) {
    if (viewing !== v) return;
    $('history-empty').hidden = true;
    if (e.status !== 401) showError($('history-error'), e);
    return;
  }
  if (viewing !== v) return;
  $('history-list').replaceChildren(...items);
  $('history-empty').hidden = items.length > 0;
  $('history-empty').textContent = empty;
}

// openHistory shows the history of the share of repo with domain (a
// domain, or a group "@name").
export function openHistory(repo, domain) {
  const o = opener();
  return openTimeline({
    title: t('share.historyTitle'),
    lead: t('share.repoWith', { repo, domain: recipientText(domain) }),
    read: async () => {
      const res = await api('GET', `${sharesPath(repo)}/${encodeURIComponent(domain)}/history`);
      return (Array.isArray(res.data) ? res.data.slice().reverse() : []).map(eventEl);
    },
    empty: t('share.historyEmpty'),
    back: () => restoreFocus(o),
  });
}

export function initHistory() {
  $('history-close').addEventListener('click', () => $('history-dialog').close());
  $('history-dialog').addEventListener('close', () => {
    if ($('history-dialog').open) return;
    const v = viewing;
    viewing = null;
    if (v && v.back) v.back();
  });
}
