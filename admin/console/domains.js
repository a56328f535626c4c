// regshare console: the Domains page, for administrators: the domains,
// their namespaces and their robots' longest lifetime. accounts.js builds
// it (domainsPage(h, c)) with app.js's helpers h and the account pages'
// shared pieces c (accounts-common.js).

export function domainsPage(h, c) {
  const { $, el, api, announce } = h;
  const {
    cell, change, domainPath, admin, plural, sourceEl, actionButton, refocus, listFailed,
    clearErrors, fieldError, focusInvalid, lifetimeDays, wholeNumber, confirmAction,
  } = c;

  let domains = [];

  async function renderDomains(gen) {
    document.title = 'Domains · regshare';
    $('domain-create-open').hidden = !admin();
    $('domains-static-note').hidden = true;
    $('domains-error').textContent = '';
    if (!admin()) {
      listFailed('domains-body', 'domains-empty', 'domains-error', { message: 'Only administrators manage domains.' });
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
    h.fill($('domains-body'), domains.map(domainRow), $('domains-empty'), 'There are no domains.');
  }

  function lifetimeText(d) {
    const days = plural(lifetimeDays(d.robot_max_lifetime), 'day');
    return d.robot_never_expires ? `${days}, or never` : days;
  }

  function domainRow(d) {
    const note = 'domains-static-note';
    const ns = d.namespaces || [];
    return el('tr', { 'data-domain': d.name },
      cell('Name', el('strong', {}, d.name)),
      cell('Namespaces', ns.length ? el('ul', { class: 'tags', 'aria-label': `Namespaces of ${d.name}` }, ns.map((n) => el('li', {}, n))) : '—'),
      cell('Users', el('a', { href: `#/users/${d.name}`, 'aria-label': `${plural(d.users || 0, 'user')} of ${d.name}` }, String(d.users || 0))),
      cell('Robots', el('a', { href: `#/robots/${d.name}`, 'aria-label': `${plural(d.robots || 0, 'robot account')} of ${d.name}` }, String(d.robots || 0))),
      cell('Robot lifetime', lifetimeText(d)),
      cell('Managed in', sourceEl(d, 'domain')),
      cell('Actions', el('div', { class: 'row-actions wrap' },
        actionButton('Edit', `Edit ${d.name}`, 'edit', () => openDomain(d), { disabled: d.static, note }),
        actionButton('Delete', `Delete ${d.name}`, 'delete', () => confirmDeleteDomain(d), { danger: true, disabled: d.static, note }))));
  }

  let editingDomain = null; // the domain edited, null when creating

  function openDomain(d) {
    editingDomain = d || null;
    clearErrors('domain-form');
    $('domain-title').textContent = d ? `Edit domain ${d.name}` : 'Create domain';
    $('domain-submit').textContent = d ? 'Save' : 'Create';
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
    if (!d && !name) fieldError('domain-name', 'Enter the name of the domain.');
    if (!(days >= 0 && days <= 3650)) fieldError('domain-lifetime', 'Enter a whole number of days, from 1 to 3,650, or leave it empty.');
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
        announce(`Domain ${d.name} was updated.`);
      } else {
        const body = { name, namespaces, robot_never_expires: never };
        if (lifetime) body.robot_max_lifetime = lifetime;
        await change('POST', '/v2/manage/domains', body);
        announce(`Domain ${name} was created.`);
      }
      editingDomain = null;
      $('domain-dialog').close();
      const key = d ? d.name : name;
      renderDomains(h.gen()).then(() => refocus('domains-body', 'data-domain', key, 'edit', 'domains-title'));
    } catch (e) {
      if (e.status === 401) return;
      if (e.status === 409 && /namespace/i.test(e.message)) fieldError('domain-namespaces', e.message);
      else if (e.status === 409) fieldError('domain-name', e.message);
      else $('domain-error').textContent = e.message;
      focusInvalid('domain-form', d ? 'domain-namespaces' : 'domain-name');
    } finally {
      submit.disabled = false;
    }
  }

  // conflictShares reads the shares a 409 names: from its detail when the
  // API gives them, else from its message ("… 3 shares (acme/web with
  // globex, …): …").
  function conflictShares(e) {
    const detail = e.detail && (e.detail.shares || e.detail.revoked);
    if (Array.isArray(detail)) {
      return { count: detail.length, names: detail.map((s) => `${s.repository} shared with ${s.access_domain}`) };
    }
    const m = /(\d+) shares? \(([^)]*)\)/.exec(e.message);
    if (!m) return { count: 0, names: [] };
    return { count: Number(m[1]), names: m[2].split(', ').map((s) => s.replace(' with ', ' shared with ')) };
  }

  function confirmDeleteDomain(d) {
    const remove = async (force) => {
      const res = await change('DELETE', `${domainPath(d.name)}${force ? '?force=true' : ''}`);
      const revoked = (res.data && res.data.revoked) || [];
      announce(revoked.length ? `Domain ${d.name} was deleted, and ${plural(revoked.length, 'share')} revoked.` : `Domain ${d.name} was deleted.`);
      return () => renderDomains(h.gen()).then(() => $('domains-title').focus());
    };
    confirmAction({
      title: 'Delete domain',
      text: `Delete domain ${d.name}? Its users and robot accounts are deleted with it, and its namespaces become free.`,
      action: 'Delete',
      run: () => remove(false),
      conflict: (e, c) => {
        const { count, names } = conflictShares(e);
        $('confirm-error').textContent = `${d.name} owns or receives ${count ? plural(count, 'share') : 'shares'}. Deleting it revokes them.`;
        $('confirm-list').replaceChildren(...names.map((n) => el('li', {}, n)));
        $('confirm-list').hidden = names.length === 0;
        $('confirm-submit').textContent = count ? `Delete and revoke ${plural(count, 'share')}` : 'Delete and revoke its shares';
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
