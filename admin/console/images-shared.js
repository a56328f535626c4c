// regshare console: Shared Images, the images other domains shared with
// the caller's. One read (the API lists up to 1,000 shares, more than a
// domain is given) is filtered and sorted here; each valid share's tags
// are buttons choosing the pull command shown, by tag and by digest. A
// row says how often the caller's domain pulled the image, and the group
// it comes through when it is shared with a group of domains.
import {
  $, announce, api, badge, cell, deadlineEl, el, fill, loading, pullCommandEl, repoPath, state,
} from './core.js';
import { formatNumber, t, tn } from './i18n.js';
import {
  failed, focusList, hashQuery, listParts, markSort, setHashQuery, shown, sortHeaders,
} from './lists.js';

const MINUTE = 60000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// A share's status warns of its end this long before.
const WARN_BEFORE = 7 * DAY;

const repoOf = (o) => `${o.namespace}/${o.name}`;
const until = (o) => (o.deadline && o.deadline !== 'forever' ? Date.parse(o.deadline) : Infinity);
const SORT_KEYS = { image: repoOf, owner: (o) => o.domain_name, until };

// rows is the last read (null after a failed one); details the tags of
// each repository (digest, created) as read for its pull commands;
// picked the tag the user chose for each.
let rows = null;
const details = new Map();
const picked = new Map();

// sharedQuery is the list's state from the address: q (the filter),
// sort (image, owner, until) and dir.
function sharedQuery() {
  const q = hashQuery();
  return {
    q: (q.get('q') || '').trim(),
    sort: Object.hasOwn(SORT_KEYS, q.get('sort')) ? q.get('sort') : 'image',
    dir: q.get('dir') === 'desc' ? 'desc' : 'asc',
  };
}

function writeShared(s, push) {
  const q = new URLSearchParams();
  if (s.q) q.set('q', s.q);
  if (s.sort !== 'image' || s.dir !== 'asc') {
    q.set('sort', s.sort);
    q.set('dir', s.dir);
  }
  setHashQuery('/shared', q, push);
}

// renderShared reads the list and draws it as the address says (app.js
// routes here); focus: into the rows once drawn (after Retry).
export async function renderShared(gen, focus) {
  const parts = listParts('shared');
  const s = sharedQuery();
  $('shared-filter').value = s.q;
  parts.error.textContent = '';
  loading(parts.body, parts.empty);
  let res;
  try {
    res = await api('GET', '/v2/manage/shared-repositories?center=thirdparty&limit=1000&order_column=name&order_type=asc');
  } catch (e) {
    if (gen === state.gen) {
      rows = null;
      failed(parts, e);
    }
    return;
  }
  if (gen !== state.gen) return;
  rows = res.data.map((o) => ({ ...o, tags: o.tags || [] }));
  details.clear();
  picked.clear();
  shown(parts);
  drawShared(s, gen);
  if (focus) focusList(parts);
}

function drawShared(s, gen) {
  if (!rows) return;
  const parts = listParts('shared');
  markSort(parts.table, s.sort, s.dir);
  const needle = s.q.toLowerCase();
  const list = rows.filter((o) => !needle || repoOf(o).toLowerCase().includes(needle) || o.domain_name.toLowerCase().includes(needle));
  list.sort(compare(s.sort, s.dir));
  fill(parts.body, list.map((o) => sharedRow(o, gen)), parts.empty, rows.length ? t('images.noSharedMatch') : t('images.noShared'));
}

function compare(sort, dir) {
  const key = SORT_KEYS[sort];
  const sign = dir === 'desc' ? -1 : 1;
  const order = (x, y) => {
    if (typeof x === 'number') return x === y ? 0 : (x < y ? -1 : 1);
    return x.localeCompare(y);
  };
  return (a, b) => sign * order(key(a), key(b)) || order(repoOf(a), repoOf(b)) || order(a.domain_name, b.domain_name);
}

function sharedRow(o, gen) {
  const repo = repoOf(o);
  const pull = o.status ? pullPicker(o, gen) : null;
  return el('tr', { 'data-repo': repo, 'data-owner': o.domain_name },
    cell(t('images.colImage'), o.status ? el('a', { href: `#/image/${repo}` }, repo) : repo),
    cell(t('images.colOwner'), ownerEl(o)),
    el('td', { 'data-label': t('images.colDescription'), class: 'desc' }, o.description || '—'),
    cell(t('images.colUntil'), deadlineEl(o.deadline)),
    cell(t('images.colStatus'), statusBadge(o)),
    cell(t('images.colDownloads'), formatNumber(o.num_download || 0)),
    cell(t('images.colTags'), o.tags.length ? tagList(o, pull) : '—'),
    cell(t('images.colPull'), pull ? pull.cmds : el('p', { class: 'renew' }, t('images.askOwner', { owner: o.domain_name }))));
}

// ownerEl is the owner domain, and "via partners" under it when the
// share is made with a group the caller's domain is in.
function ownerEl(o) {
  if (!o.via_group) return o.domain_name;
  return el('span', {}, o.domain_name,
    el('span', { class: 'sub', title: t('images.viaGroupTitle', { name: o.via_group }) }, t('images.viaGroup', { name: o.via_group })));
}

// statusBadge: Valid, Expired, or within a week of the deadline how long
// the share has left.
function statusBadge(o) {
  const left = until(o) - Date.now();
  if (!o.status || left > WARN_BEFORE) return badge(o.status);
  return el('span', { class: 'badge warn' }, expiresIn(left));
}

function expiresIn(ms) {
  if (ms >= DAY) return tn('images.expiresDays', Math.round(ms / DAY));
  if (ms >= HOUR) return tn('images.expiresHours', Math.round(ms / HOUR));
  return tn('images.expiresMinutes', Math.max(1, Math.ceil(ms / MINUTE)));
}

// tagList shows the tags; a valid share's are buttons choosing the pull
// command (aria-pressed marks the one shown).
function tagList(o, pull) {
  const list = el('ul', { class: 'tags', 'aria-label': t('images.tagsOf', { repo: repoOf(o) }) },
    o.tags.map((tag) => el('li', {}, pull
      ? el('button', { type: 'button', class: 'chip', 'data-tag': tag, 'aria-pressed': 'false', onclick: () => pull.choose(tag) }, tag)
      : tag)));
  if (pull) pull.chips = list;
  return list;
}

// pullPicker is a valid share's pull commands: by the chosen tag (by
// default latest, else the newest tag) and by that tag's digest, read
// from the repository's tags.
function pullPicker(o, gen) {
  const repo = repoOf(o);
  const p = { cmds: el('div', { class: 'cmds' }), chips: null };
  let info = null; // tag → {digest, created}, once read
  const draw = () => {
    const tag = picked.get(repo) || defaultTag(o.tags, info);
    if (p.chips) {
      for (const b of p.chips.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.tag === tag));
    }
    const cmds = [];
    if (tag) cmds.push(pullCommandEl(`docker pull ${o.path}:${tag}`, `${repo}:${tag}`));
    else if (o.pull_command) cmds.push(pullCommandEl(o.pull_command, repo));
    const digest = tag && info && info.get(tag) && info.get(tag).digest;
    if (digest) {
      cmds.push(el('span', { class: 'sub' }, t('images.byDigest')),
        pullCommandEl(`docker pull ${o.path}@${digest}`, t('images.digestOf', { ref: `${repo}:${tag}` })));
    }
    p.cmds.replaceChildren(...cmds);
  };
  p.choose = (tag) => {
    picked.set(repo, tag);
    draw();
    announce(t('images.pullShown', { ref: `${repo}:${tag}` }));
  };
  draw();
  if (o.tags.length) {
    tagDetails(repo, gen).then((m) => {
      if (m && gen === state.gen) {
        info = m;
        draw();
      }
    });
  }
  return p;
}

// defaultTag is latest, else the newest tag by its image's creation
// time; until those are read, the last tag (as the API's pull_command).
function defaultTag(tags, info) {
  if (tags.includes('latest')) return 'latest';
  let best = tags.at(-1) || null;
  if (info) {
    let newest = -Infinity;
    for (const tag of tags) {
      const c = Date.parse((info.get(tag) || {}).created || '');
      if (c > newest) {
        newest = c;
        best = tag;
      }
    }
  }
  return best;
}

// tagDetails reads a repository's tags once per read of the list, four
// repositories at a time; null when they cannot be read.
function tagDetails(repo, gen) {
  if (!details.has(repo)) {
    details.set(repo, limited(gen, () => api('GET', `${repoPath(repo)}/tags?limit=1000`))
      .then((res) => (res ? new Map(res.data.map((x) => [x.Tag, x])) : null), () => null));
  }
  return details.get(repo);
}

let running = 0;
const waiting = [];
function limited(gen, read) {
  return new Promise((resolve, reject) => {
    const run = () => {
      if (gen !== state.gen) {
        resolve(null);
        next();
        return;
      }
      running++;
      read().then(resolve, reject).finally(() => { running--; next(); });
    };
    if (running < 4) run(); else waiting.push(run);
  });
}
function next() {
  if (waiting.length && running < 4) waiting.shift()();
}

export function initShared() {
  const redraw = (change, push) => {
    const s = { ...sharedQuery(), ...change };
    writeShared(s, push);
    drawShared(s, state.gen);
  };
  let filterTimer = 0;
  $('shared-filter').addEventListener('input', () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => redraw({ q: $('shared-filter').value.trim() }, false), 150);
  });
  sortHeaders($('shared-table'), {}, (sort, dir) => redraw({ sort, dir }, true));
  $('shared-retry').addEventListener('click', () => renderShared(++state.gen, true));
}
