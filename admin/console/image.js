// regshare console: an image's page: its tags, and (for its own domain)
// the Sharing tab with its shares.
import {
  $, api, badge, cell, deadlineEl, el, fill, listFailed, loading, pullCommandEl, repoPath, sharesPath, sizeText,
  setCurrent, state, timeEl, utcTime,
} from './core.js';
import { openRevoke, openShare } from './share.js';

// owns says whether repo is in a namespace of the caller's domain.
export const owns = (repo) => Boolean(state.me) && state.me.namespaces.includes(repo.split('/')[0]);

let current = null; // {repo, shares}

export function renderImage(repo, tab, gen) {
  const mine = owns(repo);
  if (!mine) tab = 'tags';
  current = { repo, shares: [] };
  $('image-title').textContent = repo;
  $('image-crumb').textContent = repo;
  $('image-back').textContent = mine ? 'My Images' : 'Shared Images';
  $('image-back').href = mine ? '#/images' : '#/shared';
  $('image-path').textContent = state.me.registry ? `${state.me.registry}/${repo}` : '';
  document.title = `${repo} · regshare`;
  $('tab-tags').href = `#/image/${repo}`;
  $('tab-sharing').href = `#/image/${repo}?tab=sharing`;
  $('tab-sharing').hidden = !mine;
  setCurrent([$('tab-tags'), $('tab-sharing')], tab === 'sharing' ? $('tab-sharing') : $('tab-tags'));
  $('panel-tags').hidden = tab !== 'tags';
  $('panel-sharing').hidden = tab !== 'sharing';
  if (tab === 'sharing') renderSharing(repo, gen); else renderTags(repo, gen);
}

async function renderTags(repo, gen) {
  const body = $('tags-body');
  const empty = $('tags-empty');
  $('tags-error').textContent = '';
  loading(body, empty);
  let res;
  try {
    res = await api('GET', `${repoPath(repo)}/tags?limit=1000`);
  } catch (e) {
    if (gen === state.gen) listFailed(body, empty, $('tags-error'), e);
    return;
  }
  if (gen !== state.gen) return;
  const rows = res.data.map((t) => el('tr', {},
    cell('Tag', el('strong', {}, t.Tag)),
    cell('Digest', t.digest ? el('code', { title: t.digest }, `${t.digest.slice(0, 19)}…`) : '—'),
    cell('Size', sizeText(t.size)),
    cell('Created', t.created ? timeEl(t.created, utcTime(new Date(t.created))) : '—'),
    cell('Pull command', pullCommandEl(t.pull_command, `${repo}:${t.Tag}`))));
  fill(body, rows, empty, 'This repository has no tags.');
}

export async function renderSharing(repo, gen) {
  const body = $('sharing-body');
  const empty = $('sharing-empty');
  const canShare = Boolean(state.me.can_share);
  $('share-open').hidden = !canShare;
  $('sharing-readonly').hidden = canShare;
  $('sharing-actions-head').hidden = !canShare;
  $('sharing-error').textContent = '';
  loading(body, empty);
  let res;
  try {
    res = await api('GET', sharesPath(repo));
  } catch (e) {
    if (gen === state.gen) listFailed(body, empty, $('sharing-error'), e);
    return;
  }
  if (gen !== state.gen) return;
  const shares = res.data.slice().sort((a, b) => a.access_domain.localeCompare(b.access_domain));
  current.shares = shares;
  const rows = shares.map((s) => el('tr', { 'data-domain': s.access_domain },
    cell('Domain', el('strong', {}, s.access_domain)),
    cell('Valid until', deadlineEl(s.deadline)),
    el('td', { 'data-label': 'Description', class: 'desc' }, s.description || '—'),
    cell('Permission', s.permit === 'read' ? 'Pull' : s.permit),
    cell('Status', badge(s.status)),
    cell('Created by', s.creator_name),
    cell('Created', timeEl(s.created, utcTime(new Date(s.created)))),
    canShare ? cell('Actions', el('span', { class: 'row-actions' },
      el('button', { type: 'button', class: 'link', 'aria-label': `Edit the share with ${s.access_domain}`, onclick: () => openShare(repo, s) }, 'Edit'),
      el('button', { type: 'button', class: 'link danger', 'aria-label': `Revoke the share with ${s.access_domain}`, onclick: () => openRevoke(repo, s.access_domain) }, 'Revoke'))) : null));
  fill(body, rows, empty, 'This image is not shared with any domain.');
}


export function initImage() {
  $('share-open').addEventListener('click', () => { if (current) openShare(current.repo, null); });
}
