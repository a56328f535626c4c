// regshare console: My Images, with its two tabs: Private Images (the
// domain's repositories in the registry) and Shared Images (the shares
// made with the domain).
import {
  $, PAGE, api, badge, cell, deadlineEl, el, fill, listFailed, loading, pullCommandEl, state, timeEl, utcTime,
} from './core.js';

let privateOffset = 0;


export async function renderPrivate(gen) {
  const body = $('private-body');
  const empty = $('private-empty');
  $('private-error').textContent = '';
  loading(body, empty);
  const q = new URLSearchParams({ limit: PAGE, offset: privateOffset });
  if ($('only-shared').checked) q.set('shared', 'true');
  const name = $('filter-name').value.trim();
  if (name) q.set('name', name);
  let res;
  try {
    res = await api('GET', `/v2/manage/repos?${q}`);
  } catch (e) {
    if (gen === state.gen) listFailed(body, empty, $('private-error'), e);
    return;
  }
  if (gen !== state.gen) return;
  const rows = res.data.map((o) => {
    const repo = `${o.namespace}/${o.name}`;
    return el('tr', {},
      cell('Image', el('a', { href: `#/image/${repo}` }, repo)),
      cell('Tags', o.num_images === null ? '—' : String(o.num_images)),
      cell('Shared with', o.shares === 0 ? 'Not shared' : `${o.shares} domain${o.shares === 1 ? '' : 's'}`),
      cell('Last update', o.updated ? timeEl(o.updated, utcTime(new Date(o.updated))) : '—'));
  });
  const filtered = $('only-shared').checked || name;
  fill(body, rows, empty, filtered ? 'No image matches.' : 'Your domain has no images yet. Push one with docker push.');
  pager(res.range);
}

function pager(range) {
  const m = /^(?:(\d+)-(\d+)|\*)\/(\d+)$/.exec(range || '');
  const total = m ? Number(m[3]) : 0;
  $('private-pager').hidden = total <= PAGE;
  if (!m || !m[1]) { $('private-range').textContent = ''; return; }
  $('private-range').textContent = `${Number(m[1]) + 1}–${Number(m[2]) + 1} of ${total}`;
  $('private-prev').disabled = privateOffset === 0;
  $('private-next').disabled = Number(m[2]) + 1 >= total;
}

// ---- My Images: Shared Images --------------------------------------

export async function renderShared(gen) {
  const body = $('shared-body');
  const empty = $('shared-empty');
  $('shared-error').textContent = '';
  loading(body, empty);
  let res;
  try {
    res = await api('GET', '/v2/manage/shared-repositories?center=thirdparty&limit=1000&order_column=name&order_type=asc');
  } catch (e) {
    if (gen === state.gen) listFailed(body, empty, $('shared-error'), e);
    return;
  }
  if (gen !== state.gen) return;
  const rows = res.data.map((o) => {
    const repo = `${o.namespace}/${o.name}`;
    return el('tr', {},
      cell('Image', o.status ? el('a', { href: `#/image/${repo}` }, repo) : repo),
      cell('Owner domain', o.domain_name),
      cell('Valid until', deadlineEl(o.deadline)),
      cell('Status', badge(o.status)),
      cell('Tags', o.tags.length ? el('ul', { class: 'tags', 'aria-label': `Tags of ${repo}` }, o.tags.map((t) => el('li', {}, t))) : '—'),
      cell('Pull command', o.status && o.pull_command ? pullCommandEl(o.pull_command, repo) : '—'));
  });
  fill(body, rows, empty, 'No image is shared with your domain.');
}


export function initImages() {
  let filterTimer = 0;
  $('only-shared').addEventListener('change', () => { privateOffset = 0; renderPrivate(++state.gen); });
  $('filter-name').addEventListener('input', () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => { privateOffset = 0; renderPrivate(++state.gen); }, 250);
  });
  $('private-prev').addEventListener('click', () => { privateOffset = Math.max(0, privateOffset - PAGE); renderPrivate(++state.gen); });
  $('private-next').addEventListener('click', () => { privateOffset += PAGE; renderPrivate(++state.gen); });
}
