// regshare console: My Images → Namespaces. One row per namespace of the
// caller's domain (acme/) and per prefix below it that holds
// repositories (acme/sdk/, acme/tools/), with how many repositories are
// below it and the domains it is shared with as a namespace share: one
// share that grants every repository below the prefix, present and
// future, pull only. The rows are drawn from the domain's repositories
// (GET /v2/manage/repos) and its shares (GET
// /v2/manage/shared-repositories?center=self, the rows of kind
// "namespace"); a prefix shared but empty has its row too, so that its
// share can be seen and revoked. Each row links to the prefix's page
// (#/image/acme/sdk/) and, for manage users, has Share. Reading the
// repositories reads their tags as well (the API has no lighter list),
// within the listing's time budget.
import { $, api, cell, el, fill, loading, state } from './core.js';
import { formatNumber, t } from './i18n.js';
import { sharedWith } from './images.js';
import { failed, focusList, listParts, shown } from './lists.js';
import { openShare } from './share.js';

const LIMIT = 1000; // the most rows the API answers at once
const MAX_PAGES = 50;

// readAll reads every page of a listing.
async function readAll(path) {
  const out = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await api('GET', `${path}&limit=${LIMIT}&offset=${page * LIMIT}`);
    const rows = Array.isArray(res.data) ? res.data : [];
    out.push(...rows);
    if (rows.length < LIMIT) break;
  }
  return out;
}

// prefixesOf are the prefixes above a repository: acme/sdk/go/v2 is
// below acme/, acme/sdk/ and acme/sdk/go/.
function prefixesOf(repo) {
  const parts = repo.split('/');
  const out = [];
  for (let i = 1; i < parts.length; i++) out.push(`${parts.slice(0, i).join('/')}/`);
  return out;
}

// byTree orders prefixes as a tree: each right above those below it.
const treeKey = (p) => p.split('/').join('\u0000');
const byTree = (a, b) => (treeKey(a) < treeKey(b) ? -1 : 1);

// namespaceRows derives the rows from the repositories and the shares.
function namespaceRows(repos, shares) {
  const rows = new Map();
  const row = (prefix) => {
    if (!rows.has(prefix)) rows.set(prefix, { prefix, repositories: 0, shared_with: [], expired_shares: 0 });
    return rows.get(prefix);
  };
  for (const ns of state.me.namespaces || []) row(`${ns}/`);
  for (const o of repos) {
    for (const p of prefixesOf(`${o.namespace}/${o.name}`)) row(p).repositories++;
  }
  for (const o of shares) {
    if (o.kind !== 'namespace') continue;
    const r = row(`${o.namespace}/${o.name}`);
    for (const d of o.access_domains || []) {
      if (d.status) r.shared_with.push(d.access_domain); else r.expired_shares++;
    }
    r.shared_with.sort();
  }
  return [...rows.values()].sort((a, b) => byTree(a.prefix, b.prefix));
}

function namespaceRow(o) {
  const { prefix } = o;
  const canShare = Boolean(state.me.can_share);
  return el('tr', { 'data-prefix': prefix },
    cell(t('namespaces.colNamespace'), el('a', { href: `#/image/${prefix}` }, prefix)),
    cell(t('namespaces.colRepositories'), formatNumber(o.repositories)),
    cell(t('images.colSharedWith'), sharedWith(o)),
    canShare ? cell(t('share.colActions'), el('span', { class: 'row-actions' }, el('button', {
      type: 'button', class: 'link', 'data-action': 'share', 'aria-label': t('namespaces.shareLabel', { prefix }),
      onclick: () => share(prefix),
    }, t('namespaces.share')))) : null);
}

// share opens the Share dialog for prefix; once shared, the list is read
// again and the focus goes back to the row's Share.
function share(prefix) {
  openShare(prefix, null, {
    done: async () => {
      await renderNamespaces(state.gen);
      const row = [...document.querySelectorAll('#namespaces-body tr')].find((r) => r.dataset.prefix === prefix);
      const b = row && row.querySelector('[data-action="share"]');
      (b || $('images-title')).focus();
    },
  });
}

// renderNamespaces reads and draws the list (app.js routes here); focus:
// into the rows once drawn (after Retry).
export async function renderNamespaces(gen, focus) {
  const parts = listParts('namespaces');
  $('namespaces-actions-head').hidden = !state.me.can_share;
  parts.error.textContent = '';
  loading(parts.body, parts.empty);
  let repos;
  let shares;
  try {
    [repos, shares] = await Promise.all([
      readAll('/v2/manage/repos?order_column=name&order_type=asc'),
      readAll('/v2/manage/shared-repositories?center=self'),
    ]);
  } catch (e) {
    if (gen === state.gen) failed(parts, e);
    return;
  }
  if (gen !== state.gen) return;
  shown(parts);
  fill(parts.body, namespaceRows(repos, shares).map(namespaceRow), parts.empty, t('namespaces.none'));
  if (focus) focusList(parts);
}

// showNamespacesTab shows the tab to users of a domain with namespaces.
export function showNamespacesTab() {
  $('tab-namespaces').hidden = !(state.me && (state.me.namespaces || []).length);
}

export function initNamespaces() {
  $('namespaces-retry').addEventListener('click', () => renderNamespaces(++state.gen, true));
}
