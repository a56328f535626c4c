// regshare console: an image's page: its tags, and (for its own domain)
// the Sharing tab with its shares. A namespace prefix (#/image/acme/sdk/)
// has a page too, with its namespace shares alone: it has no tags, and
// its page says what such a share grants. Each share says how often its
// recipient pulled, and when last; a share with a group of domains
// ("@partners") is named as the group, with its number of domains.
import {
  $, api, badge, cell, deadlineEl, el, fill, isGroup, isPrefix, listFailed, loading, pullCommandEl, recipientText,
  repoPath, sharesPath, sizeText, setCurrent, state, timeEl,
} from './core.js';
import { openHistory } from './history.js';
import { formatNumber, t, tn } from './i18n.js';
import { openRevoke, openShare } from './share.js';

// owns says whether repo is in a namespace of the caller's domain.
export const owns = (repo) => Boolean(state.me) && state.me.namespaces.includes(repo.split('/')[0]);

let current = null; // {repo, shares}

// crumb is the way back. An image of the domain is under My Images, one
// shared with it under Shared Images. Another domain's image is only
// called shared once its tags could be read: until then, and when they
// cannot be, the way back is My Images, and a closed one says so. A
// prefix of the domain is under Namespaces.
function crumb(kind, repo) {
  const back = $('image-back');
  if (kind === 'namespace') {
    back.textContent = t('images.tabNamespaces');
    back.href = '#/namespaces';
  } else {
    back.textContent = t(kind === 'shared' ? 'share.backShared' : 'share.backMine');
    back.href = kind === 'shared' ? '#/shared' : '#/images';
  }
  $('image-crumb').textContent = kind === 'closed' ? t('share.crumbClosed', { repo }) : repo;
}

// renderImage draws the page of repo, on its tab (tags or sharing). A
// prefix shows its Sharing tab alone, to its own domain; to another, what
// its share grants.
export function renderImage(repo, tab, gen) {
  const mine = owns(repo);
  const prefix = isPrefix(repo);
  if (prefix) tab = mine ? 'sharing' : '';
  else if (!mine) tab = 'tags';
  current = { repo, shares: [] };
  $('image-title').textContent = repo;
  if (prefix) crumb(mine ? 'namespace' : 'shared', repo);
  else crumb(mine ? 'mine' : 'unknown', repo);
  if (prefix) $('image-path').textContent = t('share.namespaceGrants', { prefix: repo });
  else $('image-path').textContent = state.me.registry ? `${state.me.registry}/${repo}` : '';
  document.title = `${repo} · regshare`;
  $('tab-tags').href = `#/image/${repo}`;
  $('tab-sharing').href = prefix ? `#/image/${repo}` : `#/image/${repo}?tab=sharing`;
  $('tab-tags').hidden = prefix;
  $('tab-sharing').hidden = !mine;
  $('image-tabs').hidden = prefix && !mine;
  setCurrent([$('tab-tags'), $('tab-sharing')], tab === 'sharing' ? $('tab-sharing') : $('tab-tags'));
  $('sharing-lead').textContent = t(prefix ? 'share.sharingLeadNamespace' : 'share.sharingLead');
  $('sharing-caption').textContent = t(prefix ? 'share.sharingCaptionNamespace' : 'share.sharingCaption');
  $('share-open').textContent = t(prefix ? 'share.openNamespace' : 'share.open');
  $('panel-tags').hidden = tab !== 'tags';
  $('panel-sharing').hidden = tab !== 'sharing';
  if (tab === 'sharing') renderSharing(repo, gen);
  else if (tab === 'tags') renderTags(repo, gen);
}

async function renderTags(repo, gen) {
  const body = $('tags-body');
  const empty = $('tags-empty');
  const mine = owns(repo);
  $('tags-error').textContent = '';
  loading(body, empty);
  let res;
  try {
    res = await api('GET', `${repoPath(repo)}/tags?limit=1000`);
  } catch (e) {
    if (gen !== state.gen) return;
    // The tags of another domain's image are refused when it is not
    // shared with the caller's domain (any more).
    if (!mine && e.status === 403) {
      crumb('closed', repo);
      e.human = t('share.noPull');
    }
    listFailed(body, empty, $('tags-error'), e, () => renderTags(repo, state.gen));
    return;
  }
  if (gen !== state.gen) return;
  if (!mine) crumb('shared', repo);
  const rows = res.data.map((tag) => el('tr', {},
    cell(t('share.colTag'), el('strong', {}, tag.Tag)),
    cell(t('share.colDigest'), tag.digest ? el('code', { title: tag.digest }, `${tag.digest.slice(0, 19)}…`) : '—'),
    cell(t('share.colSize'), sizeText(tag.size)),
    cell(t('share.colCreated'), tag.created ? timeEl(tag.created) : '—'),
    cell(t('share.colPull'), pullCommandEl(tag.pull_command, `${repo}:${tag.Tag}`))));
  fill(body, rows, empty, t('share.noTags'));
}

// renderSharing draws the Sharing tab; it resolves true once the shares
// are drawn (the dialogs then put the focus back in them).
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
    if (gen === state.gen) listFailed(body, empty, $('sharing-error'), e, () => renderSharing(repo, state.gen));
    return false;
  }
  if (gen !== state.gen) return false;
  const shares = res.data.slice().sort((a, b) => a.access_domain.localeCompare(b.access_domain));
  const sizes = shares.some((s) => isGroup(s.access_domain)) ? await groupSizes() : new Map();
  if (gen !== state.gen) return false;
  current.shares = shares;
  const rows = shares.map((s) => el('tr', { 'data-domain': s.access_domain },
    cell(t('share.colDomain'), recipientEl(s.access_domain, sizes)),
    cell(t('share.colUntil'), deadlineEl(s.deadline)),
    el('td', { 'data-label': t('share.colDescription'), class: 'desc' }, s.description || '—'),
    cell(t('share.colPermission'), s.permit === 'read' ? t('share.permitPull') : s.permit),
    cell(t('share.colStatus'), badge(s.status)),
    cell(t('share.colDownloads'), formatNumber(s.num_download || 0)),
    cell(t('share.colLastPull'), s.last_pull ? timeEl(s.last_pull) : '—'),
    cell(t('share.colCreatedBy'), s.creator_name),
    cell(t('share.colCreated'), timeEl(s.created)),
    canShare ? cell(t('share.colActions'), rowActions(repo, s)) : null));
  fill(body, rows, empty, t(isPrefix(repo) ? 'share.notSharedNamespace' : 'share.notShared'));
  return true;
}

// groupSizes reads the number of domains of each group; none when the
// groups cannot be read (the rows then name the groups alone).
async function groupSizes() {
  try {
    const res = await api('GET', '/v2/manage/groups');
    return new Map(((res.data && res.data.groups) || []).map((g) => [`@${g.name}`, g.num_members]));
  } catch {
    return new Map();
  }
}

// recipientEl names a share's recipient: a domain, or "Group partners"
// with its number of domains.
function recipientEl(r, sizes) {
  if (!isGroup(r)) return el('strong', {}, r);
  const n = sizes.get(r);
  return el('span', {}, el('strong', {}, t('share.groupLabel', { name: r.slice(1) })),
    Number.isInteger(n) ? el('span', { class: 'sub' }, tn('images.domains', n)) : null);
}

function rowActions(repo, s) {
  const domain = s.access_domain;
  const button = (action, cls, onclick) => el('button', {
    type: 'button', class: cls, 'data-action': action,
    // i18n-keys: share.editLabel share.historyLabel share.revokeLabel
    'aria-label': t(`share.${action}Label`, { domain: recipientText(domain) }), onclick,
  }, t(`share.${action}`)); // i18n-keys: share.edit share.history share.revoke
  return el('span', { class: 'row-actions' },
    button('edit', 'link', () => openShare(repo, s)),
    button('history', 'link', () => openHistory(repo, domain)),
    button('revoke', 'link danger', () => openRevoke(repo, domain)));
}

// sharedDomains are the domains of the shares drawn, in their order.
export const sharedDomains = () => (current ? current.shares.map((s) => s.access_domain) : []);

export function initImage() {
  $('share-open').addEventListener('click', () => { if (current) openShare(current.repo, null); });
}
