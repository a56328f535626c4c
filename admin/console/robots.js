// regshare console: the Robot accounts page, a domain's machine logins
// for CI, for its manage users and for administrators. accounts.js builds
// it (robotsPage(h, c)) with app.js's helpers h and the account pages'
// shared pieces c (accounts-common.js).

const MAX_ROBOT_DESCRIPTION = 200;
const MAX_GRACE_HOURS = 168;
const DAY = 86400000;
const SOON = 7 * DAY; // a robot expiring within this "expires soon"
const ACTIONS = ['pull', 'push', 'delete'];

export function robotsPage(h, c) {
  const { $, el, api, announce } = h;
  const {
    cell, change, domainPath, manages, plural, validName, nameRule, badge, whenEl, actionButton, refocus, listFailed,
    crumbs, clearErrors, fieldError, focusInvalid, createFailed, lifetimeDays, wholeNumber, showSecret, confirmAction,
  } = c;

  let robots = { domain: '', info: null, list: [] };

  async function renderRobots(domain, gen) {
    robots = { domain, info: null, list: [] };
    document.title = `Robot accounts of ${domain} · regshare`;
    crumbs('robots', domain);
    $('robots-lead').textContent = `Machine logins of domain ${domain}, for CI and other automation. Each has its own permissions and expiry, and logs in with a secret.`;
    const allowed = manages(domain);
    $('robot-create-open').hidden = !allowed;
    $('robots-error').textContent = '';
    if (!allowed) {
      listFailed('robots-body', 'robots-empty', 'robots-error', { message: 'Managing robot accounts needs the manage role in the domain.' });
      return;
    }
    h.loading($('robots-body'), $('robots-empty'));
    let res;
    let info;
    try {
      // Without the domain, the default lifetime bounds the expiry.
      [res, info] = await Promise.all([api('GET', `${domainPath(domain)}/robots`), api('GET', domainPath(domain)).catch(() => null)]);
    } catch (e) {
      if (gen === h.gen()) listFailed('robots-body', 'robots-empty', 'robots-error', e);
      return;
    }
    if (gen !== h.gen()) return;
    robots.info = info && info.data;
    robots.list = (res.data && res.data.robots) || [];
    h.fill($('robots-body'), robots.list.map(robotRow), $('robots-empty'), 'This domain has no robot accounts. Create one for CI.');
  }

  function expiryEl(r, now) {
    if (!r.expires_at) return 'Never';
    const t = whenEl(r.expires_at);
    const left = new Date(r.expires_at).getTime() - now;
    if (r.expired || left <= 0) return [t, ' ', badge('Expired', 'expired')];
    if (left < SOON) return [t, ' ', badge('Expires soon', 'warn', `In less than ${plural(SOON / DAY, 'day')}`)];
    return t;
  }

  function robotRow(r) {
    const now = Date.now();
    const short = r.robot || r.name.slice(r.name.indexOf('+') + 1);
    const grace = r.rotation_grace_until && new Date(r.rotation_grace_until).getTime() > now;
    return el('tr', { 'data-robot': short },
      cell('Login name', el('code', { class: 'login' }, r.name)),
      el('td', { 'data-label': 'Description', class: 'desc' }, r.description || '—'),
      cell('Permissions', el('ul', { class: 'plain perms', 'aria-label': `Permissions of ${r.name}` },
        (r.permissions || []).map((p) => el('li', {}, el('code', {}, p.repository), ': ', p.actions.join(', '))))),
      cell('Expires', expiryEl(r, now)),
      cell('Status', r.disabled ? badge('Disabled', 'expired') : badge('Enabled', 'valid'),
        grace ? el('span', { class: 'sub' }, 'Old secret valid until ', whenEl(r.rotation_grace_until)) : null),
      cell('Last used', r.last_used ? [whenEl(r.last_used.time), r.last_used.client ? el('span', { class: 'sub' }, r.last_used.client) : null] : 'Never'),
      cell('Actions', el('div', { class: 'row-actions wrap' },
        actionButton('Rotate secret', `Rotate the secret of ${r.name}`, 'rotate', () => openRotate(r)),
        actionButton(r.disabled ? 'Enable' : 'Disable', `${r.disabled ? 'Enable' : 'Disable'} ${r.name}`, 'toggle', () => toggleRobot(r)),
        actionButton('Delete', `Delete ${r.name}`, 'delete', () => confirmDeleteRobot(r), { danger: true }))));
  }

  function dockerLogin(robot, registry) {
    return robot.docker_login || `docker login -u '${robot.name}' --password-stdin ${registry || h.me().registry || 'REGISTRY'}`;
  }

  const robotPath = (r) => `${domainPath(robots.domain)}/robots/${encodeURIComponent(r.robot || r.name.slice(r.name.indexOf('+') + 1))}`;

  function afterRobotChange(short, action) {
    return renderRobots(robots.domain, h.gen()).then(() => refocus('robots-body', 'data-robot', short, action, 'robots-title'));
  }

  const maxDays = () => lifetimeDays(robots.info && robots.info.robot_max_lifetime);
  const neverAllowed = () => Boolean(robots.info && robots.info.robot_never_expires);

  let permSeq = 0;

  function addPermission(repository, actions) {
    const n = ++permSeq;
    const id = `perm-${n}`;
    const row = el('div', { class: 'perm-row', 'data-perm': String(n) },
      el('label', { for: `${id}-repo`, class: 'perm-label' }, 'Repository or prefix', el('span', { class: 'sr-only' }, `, permission ${n}`)),
      el('input', {
        id: `${id}-repo`, class: 'perm-repo mono', list: 'robot-repos', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false',
        'aria-describedby': 'robot-perms-hint robot-perms-error', value: repository || '',
      }),
      el('span', { class: 'perm-actions', role: 'group', 'aria-label': `Actions of permission ${n}` },
        ACTIONS.map((a) => el('label', { class: 'check' },
          el('input', { type: 'checkbox', value: a, checked: (actions || ['pull']).includes(a) }), ` ${a}`))),
      el('button', {
        type: 'button', class: 'link danger', 'aria-label': `Remove permission ${n}`,
        onclick: () => {
          row.remove();
          const first = $('robot-perms').querySelector('.perm-repo');
          (first || $('robot-perm-add')).focus();
        },
      }, 'Remove'));
    $('robot-perms').append(row);
    return row;
  }

  // suggest fills the repository field's suggestions: the domain's
  // namespaces as prefixes, and for one's own domain the repositories
  // shared with it.
  async function suggest(domain) {
    const ns = (robots.info && robots.info.namespaces) || (domain === h.me().domain ? h.me().namespaces : []);
    const names = ns.map((n) => `${n}/`);
    $('robot-repos').replaceChildren(...names.map((v) => el('option', { value: v })));
    if (domain !== h.me().domain) return;
    try {
      const res = await api('GET', '/v2/manage/shared-repositories?center=thirdparty&limit=1000&order_column=name&order_type=asc');
      for (const o of res.data || []) if (o.status) names.push(`${o.namespace}/${o.name}`);
      $('robot-repos').replaceChildren(...names.map((v) => el('option', { value: v })));
    } catch (e) { /* suggestions only */ }
  }

  function syncLogin() {
    const name = $('robot-name').value.trim();
    $('robot-login-preview').textContent = `robot$${robots.domain}+${name || '…'}`;
  }

  function syncDescription() {
    const n = h.runeCount($('robot-description').value);
    const c = $('robot-description-count');
    c.textContent = `${h.formatCount(n)}/${MAX_ROBOT_DESCRIPTION}`;
    c.classList.toggle('over', n > MAX_ROBOT_DESCRIPTION);
  }

  function syncNever() {
    $('robot-days').disabled = $('robot-never').checked;
  }

  function openRobotCreate() {
    clearErrors('robot-form');
    const max = maxDays();
    $('robot-domain').textContent = `In domain ${robots.domain}`;
    $('robot-name').value = '';
    $('robot-description').value = '';
    $('robot-perms').replaceChildren();
    addPermission('', ['pull']);
    $('robot-days').max = String(max);
    $('robot-days').value = String(Math.min(30, max));
    $('robot-never').checked = false;
    $('robot-never-label').hidden = !neverAllowed();
    $('robot-days-hint').textContent = `At most ${plural(max, 'day')}, the longest domain ${robots.domain} allows.`;
    syncLogin();
    syncDescription();
    syncNever();
    suggest(robots.domain);
    $('robot-dialog').showModal();
    $('robot-name').focus();
  }

  function readPermissions() {
    const perms = [];
    let bad = null;
    for (const row of $('robot-perms').querySelectorAll('.perm-row')) {
      const input = row.querySelector('.perm-repo');
      const repository = input.value.trim();
      const actions = [...row.querySelectorAll('input[type="checkbox"]:checked')].map((c) => c.value);
      if (!repository && !actions.length) continue;
      if (!repository || !actions.length || /\s/.test(repository)) {
        input.setAttribute('aria-invalid', 'true');
        bad = bad || (repository ? `${repository} needs at least one action.` : 'Enter a repository, or a namespace prefix ending in \'/\'.');
        if (/\s/.test(repository)) bad = `"${repository}" holds a space.`;
        continue;
      }
      perms.push({ repository, actions });
    }
    if (!bad && !perms.length) bad = 'A robot needs at least one permission.';
    return { perms, bad };
  }

  async function submitRobot(ev) {
    ev.preventDefault();
    clearErrors('robot-form');
    const domain = robots.domain;
    const name = $('robot-name').value.trim();
    const description = $('robot-description').value;
    if (!validName(name)) fieldError('robot-name', name ? `The name must be ${nameRule}` : 'Enter a name for the robot.');
    if (h.runeCount(description) > MAX_ROBOT_DESCRIPTION) fieldError('robot-description', `The description is longer than ${MAX_ROBOT_DESCRIPTION} characters.`);
    const { perms, bad } = readPermissions();
    if (bad) {
      $('robot-perms-error').textContent = bad;
      const first = $('robot-perms').querySelector('.perm-repo');
      if (first && !$('robot-perms').querySelector('[aria-invalid="true"]')) first.setAttribute('aria-invalid', 'true');
    }
    const never = neverAllowed() && $('robot-never').checked;
    const days = wholeNumber($('robot-days').value.trim());
    if (!never && !(days >= 1 && days <= maxDays())) fieldError('robot-days', `Enter a whole number of days, from 1 to ${maxDays()}.`);
    if ($('robot-form').querySelector('[aria-invalid="true"]')) {
      focusInvalid('robot-form', 'robot-name');
      return;
    }
    const body = { name, description, permissions: perms };
    if (never) body.never_expires = true; else body.expires_in = `${days}d`;
    const submit = $('robot-submit');
    submit.disabled = true;
    try {
      const res = await change('POST', `${domainPath(domain)}/robots`, body);
      const r = res.data || {};
      r.name = r.name || `robot$${domain}+${name}`;
      $('robot-dialog').close();
      announce(`Robot account ${r.name} was created.`);
      await renderRobots(domain, h.gen());
      showSecret({
        title: `Robot account ${r.name} created`,
        lead: `${r.name} logs in with this secret. Store it in your CI's secret store.`,
        what: 'secret', secret: r.secret || '', login: dockerLogin(r),
        after: () => refocus('robots-body', 'data-robot', name, 'rotate', 'robots-title'),
      });
    } catch (e) {
      createFailed('robot', e);
    } finally {
      submit.disabled = false;
    }
  }

  let rotating = null;

  function openRotate(r) {
    rotating = r;
    clearErrors('rotate-form');
    $('rotate-text').textContent = `Give ${r.name} a new secret? The current one stops working when the grace ends.`;
    $('rotate-grace').value = '';
    $('rotate-dialog').showModal();
    $('rotate-grace').focus();
  }

  async function submitRotate(ev) {
    ev.preventDefault();
    const r = rotating;
    if (!r) return;
    clearErrors('rotate-form');
    const text = $('rotate-grace').value.trim();
    const hours = text === '' ? 0 : wholeNumber(text);
    if (!(hours >= 0 && hours <= MAX_GRACE_HOURS)) {
      fieldError('rotate-grace', `Enter a whole number of hours, from 0 to ${MAX_GRACE_HOURS}, or leave it empty.`);
      $('rotate-grace').focus();
      return;
    }
    const submit = $('rotate-submit');
    submit.disabled = true;
    try {
      const res = await change('POST', `${robotPath(r)}/rotate`, hours ? { grace: `${hours}h` } : {});
      rotating = null;
      $('rotate-dialog').close();
      const out = res.data || {};
      const short = r.robot || r.name.slice(r.name.indexOf('+') + 1);
      await renderRobots(robots.domain, h.gen());
      showSecret({
        title: `New secret of ${r.name}`,
        lead: hours ? `The old secret keeps working for ${plural(hours, 'hour')}.` : 'The old secret no longer works.',
        what: 'secret', secret: out.secret || '', login: dockerLogin({ ...r, ...out }),
        after: () => refocus('robots-body', 'data-robot', short, 'rotate', 'robots-title'),
      });
    } catch (e) {
      if (e.status !== 401) $('rotate-error').textContent = e.message;
    } finally {
      submit.disabled = false;
    }
  }

  async function toggleRobot(r) {
    $('robots-error').textContent = '';
    try {
      await change('PATCH', robotPath(r), { disabled: !r.disabled });
      announce(r.disabled ? `${r.name} is enabled again.` : `${r.name} is disabled.`);
      afterRobotChange(r.robot || r.name.slice(r.name.indexOf('+') + 1), 'toggle');
    } catch (e) {
      if (e.status !== 401) $('robots-error').textContent = e.message;
    }
  }

  function confirmDeleteRobot(r) {
    confirmAction({
      title: 'Delete robot account',
      text: `Delete ${r.name}? Jobs that log in with it stop working at once.`,
      action: 'Delete',
      run: async () => {
        await change('DELETE', robotPath(r));
        announce(`Robot account ${r.name} was deleted.`);
        return () => afterRobotChange('', 'delete');
      },
    });
  }

  // reset forgets the page and its dialogs.
  function reset() {
    c.closeDialogs('robot-dialog', 'rotate-dialog');
    rotating = null;
    $('robots-body').replaceChildren();
    robots = { domain: '', info: null, list: [] };
  }

  function init() {
    $('robot-create-open').addEventListener('click', openRobotCreate);
    $('robot-form').addEventListener('submit', submitRobot);
    $('robot-cancel').addEventListener('click', () => $('robot-dialog').close());
    $('robot-name').addEventListener('input', syncLogin);
    $('robot-description').addEventListener('input', syncDescription);
    $('robot-never').addEventListener('change', syncNever);
    $('robot-perm-add').addEventListener('click', () => addPermission('', ['pull']).querySelector('.perm-repo').focus());
    $('rotate-form').addEventListener('submit', submitRotate);
    $('rotate-cancel').addEventListener('click', () => { rotating = null; $('rotate-dialog').close(); });
  }

  return { render: renderRobots, reset, init };
}
