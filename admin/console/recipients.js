// regshare console: the recipients of the Share dialog. Several domains,
// and groups of domains written "@name", are shown as chips before the
// Share with field: a comma, a semicolon or a space after a name makes it
// one (a pasted list is split the same way), and each chip has its Remove
// button. Enter shares, the name still being typed counting as one more
// recipient: one image with one recipient is shared as before. The
// groups GET /v2/manage/groups lists are offered as suggestions; when
// that route does not answer 200 there are none, and nothing is said. A
// group's chip says that it is one, and of how many domains.
import { $, announce, api, el, isGroup } from './core.js';
import { t, tn } from './i18n.js';

// What ends a name: commas (also the Chinese ones), semicolons, spaces.
const SEPARATOR = /[\s,;，；、]+/;

let chips = []; // the recipients added, in the order added
let groups = new Map(); // "@name" → the group, of each group suggested
let changed = () => {};

// recipients is every recipient: the chips, then the names still typed.
export function recipients() {
  const list = [...chips];
  for (const r of $('share-with').value.trim().split(SEPARATOR)) {
    if (r && !list.includes(r)) list.push(r);
  }
  return list;
}

// chipText is what a chip shows: a domain's name, or "Group partners
// (3 domains)" (the count once the groups are read).
function chipText(r) {
  if (!isGroup(r)) return r;
  const name = r.slice(1);
  const g = groups.get(r);
  return g && Number.isInteger(g.num_members) ? tn('share.chipGroup', g.num_members, { name }) : t('share.groupLabel', { name });
}

function chipEl(r) {
  const label = isGroup(r) ? t('share.removeGroup', { name: r.slice(1) }) : t('share.removeDomain', { name: r });
  return el('li', { 'data-recipient': r, class: isGroup(r) ? 'group' : null },
    el('span', {}, chipText(r)),
    el('button', { type: 'button', 'aria-label': label, title: label, onclick: () => remove(r) }, '×'));
}

function draw() {
  const list = $('share-chips');
  list.replaceChildren(...chips.map(chipEl));
  list.hidden = chips.length === 0;
}

// add makes chips of names (a name given twice is added once) and says
// so to screen readers.
function add(names) {
  const added = [];
  for (const n of names) {
    if (n && !chips.includes(n)) {
      chips.push(n);
      added.push(n);
    }
  }
  if (!added.length) return;
  draw();
  announce(t('share.recipientsAdded', { names: added.map(chipText).join(t('images.listSep')), count: tn('share.nRecipients', chips.length) }));
  changed();
}

// remove drops a chip; the focus goes to the next chip's Remove, or the
// previous one's, or the field.
function remove(r) {
  const i = chips.indexOf(r);
  if (i < 0) return;
  chips.splice(i, 1);
  draw();
  const buttons = $('share-chips').querySelectorAll('button');
  (buttons[i] || buttons[i - 1] || $('share-with')).focus();
  announce(t('share.recipientRemoved', { name: chipText(r), count: tn('share.nRecipients', chips.length) }));
  changed();
}

// onInput makes chips of the names a separator ended, and of a group
// picked from the suggestions; what is still being typed stays.
function onInput(ev) {
  const w = $('share-with');
  const picked = w.value.trim();
  if ((ev.inputType === undefined || ev.inputType === 'insertReplacementText') && groups.has(picked)) {
    w.value = '';
    add([picked]);
    return;
  }
  if (SEPARATOR.test(w.value)) {
    const parts = w.value.split(SEPARATOR);
    w.value = parts.pop();
    add(parts);
    if (w.value === '') changed();
    return;
  }
  changed();
}

// resetRecipients empties the chips; edit: the field holds one share's
// domain, read-only, and suggests nothing.
export function resetRecipients(edit) {
  chips = [];
  draw();
  const w = $('share-with');
  if (edit) w.removeAttribute('list');
  else w.setAttribute('list', 'share-groups');
  if (!edit) loadGroups();
}

// loadGroups fills the suggestions with the groups ({"groups": […]}),
// if the API has them, and names the chips of groups already added.
async function loadGroups() {
  let list = [];
  try {
    const res = await api('GET', '/v2/manage/groups');
    const all = res.data && res.data.groups;
    if (Array.isArray(all)) list = all.filter((g) => g && typeof g.name === 'string' && g.name);
  } catch {
    list = []; // no groups (404), or none to be read: no suggestions
  }
  groups = new Map(list.map((g) => [`@${g.name}`, g]));
  $('share-groups').replaceChildren(...list.map((g) => el('option', { value: `@${g.name}`, label: groupLabel(g) })));
  $('share-groups-hint').hidden = list.length === 0;
  // The chips stay (a Remove may have the focus): only their words change.
  for (const li of $('share-chips').children) {
    if (isGroup(li.dataset.recipient)) li.firstChild.textContent = chipText(li.dataset.recipient);
  }
}

// groupLabel says that a suggestion is a group: of how many domains,
// and its description.
function groupLabel(g) {
  const what = Number.isInteger(g.num_members) ? tn('share.groupOf', g.num_members) : t('share.group');
  return g.description ? t('share.groupDescribed', { group: what, description: g.description }) : what;
}

// initRecipients wires the field; onChange is called whenever the
// recipients change.
export function initRecipients(onChange) {
  changed = onChange;
  $('share-with').addEventListener('input', onInput);
}
