// regshare console: My Images, with its tabs: Private Images (the
// domain's repositories in the registry, here), Shared Images (the
// shares made with the domain, images-shared.js) and Namespaces
// (namespaces.js). Each list keeps its filter, sort and page in the
// hash's query (lists.js). A manage user ticks images of Private Images,
// on one page or several, and shares them at once (Share selected).
import {
  $, PAGE, announce, api, cell, el, fill, loading, state, timeEl,
} from './core.js';
import { locale, t, tn } from './i18n.js';
import { initShared, renderShared } from './images-shared.js';
import {
  failed, focusList, hashQuery, listParts, markSort, setHashQuery, shown, sortHeaders,
} from './lists.js';
import { openShare } from './share.js';

export { renderShared };

// The columns Private Images sorts by, as the address names them, and
// the API's order_column of each; counts and times sort largest first.
const ORDER = { name: 'name', tags: 'num_images', shared: 'shares', updated: 'updated' };
const FIRST_DIR = { tags: 'desc', shared: 'desc', updated: 'desc' };

// privateQuery is the list's state from the address: name, shared=1,
// sort and dir, page (from 1), limit (the page size), and tab=private,
// which the Private Images tab sets so that it always opens the tab.
function privateQuery() {
  const q = hashQuery();
  const num = (k, d, max) => {
    const n = Number(q.get(k));
    return Number.isInteger(n) && n >= 1 && n <= max ? n : d;
  };
  const sort = Object.hasOwn(ORDER, q.get('sort')) ? q.get('sort') : 'name';
  const dir = q.get('dir');
  return {
    name: (q.get('name') || '').trim(),
    shared: q.get('shared') === '1',
    sort,
    dir: dir === 'asc' || dir === 'desc' ? dir : (FIRST_DIR[sort] || 'asc'),
    page: num('page', 1, 1 << 20),
    limit: num('limit', PAGE, 1000),
    tab: q.get('tab') === 'private',
    explicit: q.toString() !== '',
  };
}

function writePrivate(s, push) {
  const q = new URLSearchParams();
  if (s.tab) q.set('tab', 'private');
  if (s.name) q.set('name', s.name);
  if (s.shared) q.set('shared', '1');
  if (s.sort !== 'name' || s.dir !== 'asc') {
    q.set('sort', s.sort);
    q.set('dir', s.dir);
  }
  if (s.page > 1) q.set('page', String(s.page));
  if (s.limit !== PAGE) q.set('limit', String(s.limit));
  setHashQuery('/images', q, push);
}

// renderPrivate draws the list as the address says (app.js routes here).
// Reached without choosing the tab, a domain with no images of its own
// opens on the images shared with it instead.
export function renderPrivate(gen) {
  const s = privateQuery();
  const landing = !s.explicit;
  if (landing && !(state.me.namespaces || []).length) {
    location.replace('#/shared');
    return;
  }
  $('filter-name').value = s.name;
  $('only-shared').checked = s.shared;
  drawPrivate(gen, s, { landing });
}

// ---- selection --------------------------------------------------------

// selected are the images ticked, kept while the list is paged, filtered
// and sorted, until they are shared or the selection is cleared.
const selected = new Set();
const canSelect = () => Boolean(state.me && state.me.can_share);

// resetSelection forgets the images ticked: another user logged in, or
// no one.
export function resetSelection() {
  selected.clear();
}

// syncSelection shows the count on Share selected, and the page's
// select-all box checked, unchecked or mixed.
function syncSelection() {
  const on = canSelect();
  $('private-selection').hidden = !on;
  const all = $('private-select-all');
  all.hidden = !on;
  labelShareSelected();
  $('private-share-selected').disabled = selected.size === 0;
  $('private-clear-selection').hidden = selected.size === 0;
  const boxes = [...document.querySelectorAll('#private-body input.select')];
  const ticked = boxes.filter((b) => b.checked).length;
  all.checked = boxes.length > 0 && ticked === boxes.length;
  all.indeterminate = ticked > 0 && ticked < boxes.length;
  all.disabled = boxes.length === 0;
}

// labelShareSelected writes the count of images ticked on Share selected.
function labelShareSelected() {
  $('private-share-selected').textContent = t('images.shareSelected', { n: selected.size.toLocaleString(locale()) });
}

function select(repo, on) {
  if (on) selected.add(repo); else selected.delete(repo);
  syncSelection();
}

function selectPage(on) {
  for (const b of document.querySelectorAll('#private-body input.select')) {
    b.checked = on;
    if (on) selected.add(b.dataset.repo); else selected.delete(b.dataset.repo);
  }
  syncSelection();
}

// shareSelected opens the Share dialog for the images ticked. Once they
// are shared, the selection is cleared and the list read again, showing
// the new shares, with the focus on the first of them.
function shareSelected() {
  const repos = [...selected].sort();
  if (!repos.length) return;
  openShare(repos, null, {
    done: async () => {
      selected.clear();
      const s = privateQuery();
      await drawPrivate(++state.gen, s, {});
      const row = [...document.querySelectorAll('#private-body tr')].find((r) => repos.includes(r.dataset.repo));
      const box = row && row.querySelector('input.select');
      (box || $('images-title')).focus();
    },
  });
}

async function drawPrivate(gen, s, opts) {
  const parts = listParts('private');
  markSort(parts.table, s.sort, s.dir);
  parts.error.textContent = '';
  loading(parts.body, parts.empty);
  const offset = (s.page - 1) * s.limit;
  const q = new URLSearchParams({ limit: s.limit, offset });
  if (s.sort !== 'name' || s.dir !== 'asc') {
    q.set('order_column', ORDER[s.sort]);
    q.set('order_type', s.dir);
  }
  if (s.shared) q.set('shared', 'true');
  if (s.name) q.set('name', s.name);
  let res;
  try {
    res = await api('GET', `/v2/manage/repos?${q}`);
  } catch (e) {
    if (gen === state.gen) {
      failed(parts, e);
      $('private-pager').hidden = true;
    }
    return;
  }
  if (gen !== state.gen) return;
  const range = parseRange(res.range);
  const filtered = s.shared || s.name;
  if (opts.landing && !filtered && offset === 0 && range.total === 0) {
    location.replace('#/shared');
    return;
  }
  shown(parts);
  fill(parts.body, res.data.map(privateRow), parts.empty, emptyText(filtered, offset, range));
  syncSelection();
  pager(s, range);
  if (opts.focus) {
    focusList(parts);
    if (range.first !== null) announce(t('images.showing', { range: $('private-range').textContent }));
  }
}

function emptyText(filtered, offset, range) {
  if (filtered) return t('images.noMatch');
  if (offset > 0 && range.total > 0) return t('images.pastEnd');
  return state.me.role === 'read' ? t('images.noImages') : t('images.noImagesPush');
}

function privateRow(o) {
  const repo = `${o.namespace}/${o.name}`;
  const tags = typeof o.num_images === 'number' ? o.num_images.toLocaleString(locale()) : '—';
  const box = canSelect() ? el('input', {
    type: 'checkbox', class: 'select', 'data-repo': repo, checked: selected.has(repo),
    'aria-label': t('images.select', { repo }), onchange: (ev) => select(repo, ev.currentTarget.checked),
  }) : null;
  return el('tr', { 'data-repo': repo },
    cell(t('images.colImage'), el('span', {}, box, el('a', { href: `#/image/${repo}` }, repo))),
    cell(t('images.colTags'), tags),
    cell(t('images.colSharedWith'), sharedWith(o)),
    cell(t('images.colUpdated'), o.updated ? timeEl(o.updated) : '—'));
}

// sharedWith names the domains the image is validly shared with, the
// expired shares apart (one element: a narrow window's cell is a grid of
// its label and its content). An API without shared_with counts every
// share. Namespaces (namespaces.js) show their shares the same way.
export function sharedWith(o) {
  if (!Array.isArray(o.shared_with)) return o.shares ? tn('images.domains', o.shares) : t('images.notShared');
  const names = o.shared_with;
  return el('span', {},
    names.length ? el('span', { title: names.length > 3 ? names.join(', ') : null }, domainList(names)) : t('images.notShared'),
    o.expired_shares > 0 ? el('span', { class: 'sub' }, t('images.expiredShares', { n: o.expired_shares })) : null);
}

// domainList: "globex", "globex and initech", "globex, initech and ops",
// "globex, initech and 3 more".
function domainList(names) {
  const sep = t('images.listSep');
  if (names.length === 1) return names[0];
  if (names.length <= 3) return t('images.namesAnd', { names: names.slice(0, -1).join(sep), last: names.at(-1) });
  return t('images.namesMore', { names: names.slice(0, 2).join(sep), n: names.length - 2 });
}

// parseRange reads Content-Range: first-last/total, or */total.
function parseRange(range) {
  const m = /^(?:(\d+)-(\d+)|\*)\/(\d+)$/.exec(range || '');
  if (!m) return { first: null, last: null, total: 0 };
  return { first: m[1] ? Number(m[1]) : null, last: m[2] ? Number(m[2]) : null, total: Number(m[3]) };
}

function pager(s, r) {
  const offset = (s.page - 1) * s.limit;
  const n = (x) => x.toLocaleString(locale());
  $('private-pager').hidden = r.total <= s.limit && offset === 0;
  $('private-range').textContent = r.first === null ? '' : t('images.range', { first: n(r.first + 1), last: n(r.last + 1), total: n(r.total) });
  $('private-prev').disabled = offset === 0;
  $('private-next').disabled = r.last === null || r.last + 1 >= r.total;
}

export function initImages() {
  // redraw applies a change to the list's state: into the address (push:
  // as a step Back undoes), then the list; focus: into the new rows.
  const redraw = (change, push, focus) => {
    const s = { ...privateQuery(), ...change };
    writePrivate(s, push);
    drawPrivate(++state.gen, s, { focus });
  };
  let filterTimer = 0;
  $('only-shared').addEventListener('change', (ev) => redraw({ shared: ev.target.checked, page: 1 }, true));
  $('filter-name').addEventListener('input', () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => redraw({ name: $('filter-name').value.trim(), page: 1 }, false), 250);
  });
  sortHeaders($('private-table'), FIRST_DIR, (sort, dir) => redraw({ sort, dir, page: 1 }, true));
  $('private-prev').addEventListener('click', () => redraw({ page: Math.max(1, privateQuery().page - 1) }, true, true));
  $('private-next').addEventListener('click', () => redraw({ page: privateQuery().page + 1 }, true, true));
  $('private-retry').addEventListener('click', () => redraw({}, false, true));
  $('private-select-all').addEventListener('change', (ev) => selectPage(ev.currentTarget.checked));
  $('private-share-selected').addEventListener('click', shareSelected);
  labelShareSelected();
  $('private-clear-selection').addEventListener('click', () => {
    selected.clear();
    selectPage(false);
    const all = $('private-select-all');
    (all.disabled ? $('images-title') : all).focus();
    announce(t('images.selectionCleared'));
  });
  initShared();
}
