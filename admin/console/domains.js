// regshare console: the Domains page, for administrators: the domains,
// their namespaces and their robots' longest lifetime, with links to each
// one's users, robots and webhooks. accounts.js builds
// it (domainsPage(h, c)) with app.js's helpers h and the account pages'
// shared pieces c (accounts-common.js).
import { formatNumber, t, tn } from './i18n.js';

const MAX_LIFETIME_DAYS = 3650;

export function domainsPage(h, c) {
  const { $, el, api, announce } = h;
  const {
    cell, change, domainPath, admin, apiMessage, sourceEl, actionButton, deleteButton, refocus, listFailed,
    clearErrors, fieldError, focusInvalid, lifetimeDays, wholeNumber, confirmAction,
  } = c;

  let domains = [];

  async function renderDomains(gen) {
    document.title = t('domains.docTitle');
    $('domain-create-open').hidden = !admin();
    $('domains-static-note').hidden = true;
    $('domains-error').textContent = '';
    if (!admin()) {
      listFailed('domains-body', 'domains-empty', 'domains-error', { message: t('domains.noAccess') });
      return;
    }
    h.loading($('domains-body'), $('domains-empty'));
    let res;
    try {
      res = await api('GET', '/v2/manage/domains');
    } catch (e) {
      if (gen === h.gen()) listFailed('domains-body', 'domains-empty', 'domains-error', e);
      return;
    }
    if (gen !== h.gen()) return;
    domains = (res.data && res.data.domains) || [];
    $('domains-static-note').hidden = !domains.some((d) => d.static);
    h.fill($('domains-body'), domains.map(domainRow), $('domains-empty'), t('domains.empty'));
  }

  function lifetimeText(d) {
    const days = tn('accounts.days', lifetimeDays(d.robot_max_lifetime));
    return d.robot_never_expires ? t('domains.lifetimeOrNever', { days }) : days;
  }

  function domainRow(d) {
    const note = 'domains-static-note';
    const ns = d.namespaces || [];
    const name = d.name;
    const locked = { disabled: d.static, note };
    return el('tr', { 'data-domain': name },
      cell(t('accounts.col.name'), el('strong', {}, name)),
      cell(t('domains.col.namespaces'), ns.length ? el('ul', { class: 'tags', 'aria-label': t('domains.namespacesOf', { name }) }, ns.map((n) => el('li', {}, n))) : '—'),
      cell(t('domains.col.users'), el('a', { href: `#/users/${name}`, 'aria-label': tn('domains.usersOf', d.users || 0, { name }) }, formatNumber(d.users || 0))),
      cell(t('domains.col.robots'), el('a', { href: `#/robots/${name}`, 'aria-label': tn('domains.robotsOf', d.robots || 0, { name }) }, formatNumber(d.robots || 0))),
      cell(t('domains.col.lifetime'), lifetimeText(d)),
      cell(t('accounts.col.managedIn'), sourceEl(d, t('domains.staticTitle'))),
      cell(t('accounts.col.actions'), el('div', { class: 'row-actions wrap' },
        actionButton(t('domains.edit'), t('domains.editAria', { name }), 'edit', () => openDomain(d), locked),
        el('a', { href: `#/webhooks/${name}`, 'aria-label': t('webhooks.ofDomain', { name }), 'data-action': 'webhooks' }, t('webhooks.title')),
        deleteButton(name, () => confirmDeleteDomain(d), locked))));
  }

  let editingDomain = null; // the domain edited, null when creating

  function openDomain(d) {
    editingDomain = d || null;
    clearErrors('domain-form');
    $('domain-title').textContent = d ? t('domains.editTitle', { name: d.name }) : t('domains.create');
    $('domain-submit').textContent = d ? t('accounts.save') : t('accounts.create');
    $('domain-name').value = d ? d.name : '';
    $('domain-name').readOnly = Boolean(d);
    $('domain-namespaces').value = d ? (d.namespaces || []).join(', ') : '';
    $('domain-lifetime').value = d && d.robot_max_lifetime ? String(lifetimeDays(d.robot_max_lifetime)) : '';
    $('domain-never').checked = Boolean(d && d.robot_never_expires);
    $('domain-dialog').showModal();
    (d ? $('domain-namespaces') : $('domain-name')).focus();
  }

  const splitNamespaces = (s) => [...new Set(s.split(/[\s,]+/).filter(Boolean))];

  async function submitDomain(ev) {
    ev.preventDefault();
    clearErrors('domain-form');
    const d = editingDomain;
    const name = $('domain-name').value.trim();
    const namespaces = splitNamespaces($('domain-namespaces').value);
    const lifeText = $('domain-lifetime').value.trim();
    const days = lifeText === '' ? 0 : wholeNumber(lifeText);
    const never = $('domain-never').checked;
    if (!d && !name) fieldError('domain-name', t('domains.nameMissing'));
    if (!(days >= 0 && days <= MAX_LIFETIME_DAYS)) fieldError('domain-lifetime', t('domains.lifetimeInvalid', { max: formatNumber(MAX_LIFETIME_DAYS) }));
    if ($('domain-form').querySelector('[aria-invalid="true"]')) {
      focusInvalid('domain-form', 'domain-name');
      return;
    }
    const lifetime = days ? `${days}d` : '';
    const submit = $('domain-submit');
    submit.disabled = true;
    try {
      if (d) {
        const patch = {};
        if ([...namespaces].sort().join() !== [...(d.namespaces || [])].sort().join()) patch.namespaces = namespaces;
        if (lifetime && lifetimeDays(d.robot_max_lifetime) !== days) patch.robot_max_lifetime = lifetime;
        if (never !== Boolean(d.robot_never_expires)) patch.robot_never_expires = never;
        if (Object.keys(patch).length) await change('PATCH', domainPath(d.name), patch);
        announce(t('domains.updated', { name: d.name }));
      } else {
        const body = { name, namespaces, robot_never_expires: never };
        if (lifetime) body.robot_max_lifetime = lifetime;
        await change('POST', '/v2/manage/domains', body);
        announce(t('domains.created', { name }));
      }
      editingDomain = null;
      $('domain-dialog').close();
      const key = d ? d.name : name;
      renderDomains(h.gen()).then(() => refocus('domains-body', 'data-domain', key, 'edit', 'domains-title'));
    } catch (e) {
      if (e.status === 401) return;
      if (e.status === 409 && /namespace/i.test(e.message)) fieldError('domain-namespaces', namespaceTaken(e));
      else if (e.status === 409) fieldError('domain-name', apiMessage(e, { name }));
      else $('domain-error').textContent = apiMessage(e);
      focusInvalid('domain-form', d ? 'domain-namespaces' : 'domain-name');
    } finally {
      submit.disabled = false;
    }
  }

  // namespaceTaken says whose a namespace is ("…: namespace acme belongs
  // to domain acme").
  function namespaceTaken(e) {
    const m = /namespace (\S+) belongs to domain (\S+)/.exec(e.message);
    return m ? t('domains.error.namespaceTaken', { namespace: m[1], owner: m[2] }) : apiMessage(e);
  }

  // conflictShares reads the shares a 409 names: from its detail when the
  // API gives them, else from its message ("… 3 shares (acme/web with
  // globex, …): …").
  function conflictShares(e) {
    const named = (repository, domain) => t('domains.sharedWith', { repository, domain });
    const detail = e.detail && (e.detail.shares || e.detail.revoked);
    if (Array.isArray(detail)) {
      return { count: detail.length, names: detail.map((s) => named(s.repository, s.access_domain)) };
    }
    const m = /(\d+) shares? \(([^)]*)\)/.exec(e.message);
    if (!m) return { count: 0, names: [] };
    const names = m[2].split(', ').map((s) => /^(\S+) with (\S+)$/.exec(s)).filter(Boolean).map((p) => named(p[1], p[2]));
    return { count: Number(m[1]), names };
  }

  function confirmDeleteDomain(d) {
    const remove = async (force) => {
      const res = await change('DELETE', `${domainPath(d.name)}${force ? '?force=true' : ''}`);
      const revoked = (res.data && res.data.revoked) || [];
      announce(revoked.length
        ? t('domains.deletedRevoked', { name: d.name, shares: tn('domains.shares', revoked.length) })
        : t('domains.deleted', { name: d.name }));
      return () => renderDomains(h.gen()).then(() => $('domains-title').focus());
    };
    confirmAction({
      title: t('domains.deleteTitle'),
      text: t('domains.deleteText', { name: d.name }),
      action: t('accounts.action.delete'),
      run: () => remove(false),
      conflict: (e, c) => {
        const { count, names } = conflictShares(e);
        $('confirm-error').textContent = count
          ? t('domains.inUse', { name: d.name, shares: tn('domains.shares', count) })
          : t('domains.inUseAll', { name: d.name });
        $('confirm-list').replaceChildren(...names.map((n) => el('li', {}, n)));
        $('confirm-list').hidden = names.length === 0;
        $('confirm-submit').textContent = count ? tn('domains.deleteRevoke', count) : t('domains.deleteRevokeAll');
        c.run = () => remove(true);
        c.conflict = null;
      },
    });
  }

  // reset forgets the page and its dialog.
  function reset() {
    c.closeDialogs('domain-dialog');
    editingDomain = null;
    $('domains-body').replaceChildren();
    domains = [];
  }

  function init() {
    $('domain-create-open').addEventListener('click', () => openDomain(null));
    $('domain-form').addEventListener('submit', submitDomain);
    $('domain-cancel').addEventListener('click', () => { editingDomain = null; $('domain-dialog').close(); });
  }

  return { render: renderDomains, reset, init };
}
