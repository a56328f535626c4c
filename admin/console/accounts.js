// regshare console: the account pages. Users and Robot accounts, for a
// domain's manage users and for administrators; Domains, for
// administrators. app.js owns the session, the API calls and the routing,
// and hands them in (accountPages(h)). As in app.js, what the API returns
// is always set as text, never parsed as HTML.

const NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const MAX_NAME = 64;
const MAX_ROBOT_DESCRIPTION = 200;
const MAX_GRACE_HOURS = 168;
const MIN_PASSWORD = 8;
const DEFAULT_LIFETIME_DAYS = 90;
const DAY = 86400000;
const SOON = 7 * DAY; // a robot expiring within this "expires soon"
const ACTIONS = ['pull', 'push', 'delete'];

export function accountPages(h) {
  const { $, el, api, announce } = h;
  // A cell's content is one box: narrow windows lay a cell out as its
  // label and one value.
  const cell = (label, ...children) => h.cell(label, el('div', { class: 'cell' }, ...children));

  // Account changes are not retried: a retried create would not get the
  // first one's password or secret back.
  const change = (method, path, body) => api(method, path, body, { retry: false });

  const domainPath = (d) => `/v2/manage/domains/${encodeURIComponent(d)}`;
  const admin = () => Boolean(h.me() && h.me().superuser);
  const manages = (domain) => admin() || (h.me().role === 'manage' && h.me().domain === domain);
  const plural = (n, one, many) => `${n} ${n === 1 ? one : many || `${one}s`}`;
  const validName = (s) => s.length <= MAX_NAME && NAME.test(s);
  const nameRule = `1 to ${MAX_NAME} lower-case letters and digits, joined by single '.', '_' or '-'.`;

  // ---- shared pieces -------------------------------------------------

  function badge(text, kind, title) {
    return el('span', { class: `badge ${kind}`, title }, text);
  }

  // A time the API left unset (or the zero time of a record from the
  // configuration file) shows as a dash.
  function whenEl(iso) {
    if (!iso || iso.startsWith('0001-')) return '—';
    return h.timeEl(iso, h.utcTime(new Date(iso)));
  }

  function updatedEl(o) {
    const t = whenEl(o.updated);
    if (t === '—' || !o.updated_by) return t;
    return [t, el('span', { class: 'sub' }, `by ${o.updated_by}`)];
  }

  function sourceEl(o, what) {
    return o.static
      ? badge('Config file', 'static', `Declared in regshare's configuration file: this ${what} is read-only here`)
      : 'Console and API';
  }

  // actionButton is a row's button; label names it with its row for
  // screen readers, note (an element id) says why it is disabled.
  function actionButton(text, label, action, onclick, { danger, disabled, note } = {}) {
    return el('button', {
      type: 'button', class: danger ? 'link danger' : 'link', 'aria-label': label, 'data-action': action,
      disabled: Boolean(disabled), 'aria-describedby': disabled ? note : undefined, onclick,
    }, text);
  }

  // refocus puts the focus back on a row's button after the list is drawn
  // again, or on the page's heading when the row is gone.
  function refocus(body, attr, key, action, heading) {
    const row = [...$(body).children].find((tr) => tr.getAttribute(attr) === key);
    const b = row && row.querySelector(`button[data-action="${action}"]`);
    if (b && !b.disabled) b.focus(); else $(heading).focus();
  }

  function listFailed(body, empty, error, e) {
    h.fill($(body), [], $(empty));
    $(empty).hidden = true;
    $(error).textContent = e.message;
  }

  function crumbs(kind, domain) {
    $(`${kind}-crumbs`).hidden = !admin() || domain === h.me().domain;
    $(`${kind}-crumb`).textContent = domain;
  }

  // Field errors: <id>-error next to the field <id>.
  function clearErrors(form) {
    for (const e of $(form).querySelectorAll('.error')) e.textContent = '';
    for (const e of $(form).querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
  }

  function fieldError(id, msg) {
    $(`${id}-error`).textContent = msg;
    $(id).setAttribute('aria-invalid', 'true');
  }

  function focusInvalid(form, fallback) {
    const f = $(form).querySelector('[aria-invalid="true"]:not([disabled])');
    (f || $(fallback)).focus();
  }

  // Lifetimes are written "90d" or "36h"; the console edits whole days.
  function lifetimeDays(s) {
    const m = /^(\d+)([dh])$/.exec(s || '');
    if (!m) return DEFAULT_LIFETIME_DAYS;
    return m[2] === 'd' ? Number(m[1]) : Math.max(1, Math.floor(Number(m[1]) / 24));
  }

  function lifetimeText(d) {
    const days = plural(lifetimeDays(d.robot_max_lifetime), 'day');
    return d.robot_never_expires ? `${days}, or never` : days;
  }

  function wholeNumber(s) {
    return /^\d+$/.test(s) ? Number(s) : NaN;
  }

  // ---- the secret dialog: a password or secret, shown once ----------

  let secretAfter = null;

  function showSecret({ title, lead, what, secret, login, after }) {
    $('secret-title').textContent = title;
    $('secret-lead').textContent = lead;
    $('secret-label').textContent = `${what[0].toUpperCase()}${what.slice(1)}:`;
    $('secret-value').textContent = secret;
    $('secret-copy').setAttribute('aria-label', `Copy the ${what}`);
    $('secret-copy').dataset.what = `the ${what}`;
    $('secret-login-block').hidden = !login;
    $('secret-login').textContent = login || '';
    secretAfter = after;
    $('secret-dialog').showModal();
    $('secret-copy').focus();
  }

  // Closing forgets the secret: it is in no element once the dialog is gone.
  function secretClosed() {
    if ($('secret-dialog').open) return;
    $('secret-value').textContent = '';
    $('secret-login').textContent = '';
    const after = secretAfter;
    secretAfter = null;
    if (after) after();
  }

  function dockerLogin(robot, registry) {
    return robot.docker_login || `docker login -u '${robot.name}' --password-stdin ${registry || h.me().registry || 'REGISTRY'}`;
  }

  // ---- the confirm dialog --------------------------------------------

  let confirming = null; // {run, conflict} while open

  function confirmAction({ title, text, action, run, conflict }) {
    confirming = { run, conflict };
    $('confirm-title').textContent = title;
    $('confirm-text').textContent = text;
    $('confirm-error').textContent = '';
    $('confirm-list').replaceChildren();
    $('confirm-list').hidden = true;
    $('confirm-submit').textContent = action;
    $('confirm-dialog').showModal();
    $('confirm-cancel').focus();
  }

  async function submitConfirm(ev) {
    ev.preventDefault();
    const c = confirming;
    if (!c) return;
    const submit = $('confirm-submit');
    submit.disabled = true;
    $('confirm-error').textContent = '';
    try {
      const then = await c.run();
      if (confirming === c) {
        confirming = null;
        $('confirm-dialog').close();
      }
      if (then) then();
    } catch (e) {
      if (e.status === 401) return;
      if (e.status === 409 && c.conflict) {
        c.conflict(e, c);
        $('confirm-cancel').focus();
      } else {
        $('confirm-error').textContent = e.message;
      }
    } finally {
      submit.disabled = false;
    }
  }

  // ---- Users ---------------------------------------------------------

  let users = { domain: '', list: [] };

  async function renderUsers(domain, gen) {
    users = { domain, list: [] };
    document.title = `Users of ${domain} · regshare`;
    crumbs('users', domain);
    $('users-lead').textContent = `The users of domain ${domain}. They log in to this console and to docker with their name and password.`;
    const allowed = manages(domain);
    $('user-create-open').hidden = !allowed;
    $('users-static-note').hidden = true;
    $('users-error').textContent = '';
    const body = $('users-body');
    const empty = $('users-empty');
    if (!allowed) {
      listFailed('users-body', 'users-empty', 'users-error', { message: 'Managing users needs the manage role in the domain.' });
      return;
    }
    h.loading(body, empty);
    let res;
    try {
      res = await api('GET', `${domainPath(domain)}/users`);
    } catch (e) {
      if (gen === h.gen()) listFailed('users-body', 'users-empty', 'users-error', e);
      return;
    }
    if (gen !== h.gen()) return;
    users.list = (res.data && res.data.users) || [];
    $('users-static-note').hidden = !users.list.some((u) => u.static);
    h.fill(body, users.list.map(userRow), empty, 'This domain has no users.');
  }

  function userRow(u) {
    const self = u.name === h.me().name;
    // The page's note says why a config-file user is read-only.
    const note = u.static ? 'users-static-note' : `user-note-${u.name}`;
    const why = !u.static && self ? 'You cannot change your own role, disable or delete yourself.' : '';
    const locked = u.static || self;
    return el('tr', { 'data-user': u.name },
      cell('Name', el('strong', {}, u.name), self ? [' ', badge('You', 'neutral')] : null,
        u.superuser ? [' ', badge('Administrator', 'info')] : null),
      cell('Role', u.role),
      cell('Status', u.disabled ? badge('Disabled', 'expired') : badge('Enabled', 'valid')),
      cell('Managed in', sourceEl(u, 'user')),
      cell('Updated', updatedEl(u)),
      cell('Actions', el('div', { class: 'row-actions wrap' },
        actionButton('Change role', `Change the role of ${u.name}`, 'role', () => openRole(u), { disabled: locked, note }),
        actionButton(u.disabled ? 'Enable' : 'Disable', `${u.disabled ? 'Enable' : 'Disable'} ${u.name}`, 'toggle',
          () => toggleUser(u), { disabled: locked, note }),
        actionButton('Reset password', `Reset the password of ${u.name}`, 'reset', () => confirmReset(u), { disabled: locked, note }),
        actionButton('Delete', `Delete ${u.name}`, 'delete', () => confirmDeleteUser(u), { danger: true, disabled: locked, note })),
      why ? el('p', { class: 'sub', id: note }, why) : null));
  }

  const userPath = (u) => `${domainPath(u.domain || users.domain)}/users/${encodeURIComponent(u.name)}`;

  function afterUserChange(name, action) {
    return renderUsers(users.domain, h.gen()).then(() => refocus('users-body', 'data-user', name, action, 'users-title'));
  }

  function openUserCreate() {
    clearErrors('user-form');
    $('user-domain').textContent = `In domain ${users.domain}`;
    $('user-name').value = '';
    $('user-role').value = 'read';
    $('user-dialog').showModal();
    $('user-name').focus();
  }

  async function submitUser(ev) {
    ev.preventDefault();
    clearErrors('user-form');
    const name = $('user-name').value.trim();
    const role = $('user-role').value;
    if (!validName(name)) {
      fieldError('user-name', name ? `The name must be ${nameRule}` : 'Enter the name of the user.');
      focusInvalid('user-form', 'user-name');
      return;
    }
    const domain = users.domain;
    const submit = $('user-submit');
    submit.disabled = true;
    try {
      const res = await change('POST', `${domainPath(domain)}/users`, { name, role });
      $('user-dialog').close();
      announce(`User ${name} was created.`);
      await renderUsers(domain, h.gen());
      showSecret({
        title: `User ${name} created`,
        lead: `${name} logs in with this password, to this console and with docker login. Give it to them over a safe channel.`,
        what: 'password', secret: (res.data && res.data.password) || '',
        after: () => refocus('users-body', 'data-user', name, 'reset', 'users-title'),
      });
    } catch (e) {
      if (e.status === 401) return; // the login dialog is open; what was typed stays
      if (e.status === 409) fieldError('user-name', e.message);
      else $('user-error').textContent = e.message;
      focusInvalid('user-form', 'user-name');
    } finally {
      submit.disabled = false;
    }
  }

  let roleFor = null;

  function openRole(u) {
    roleFor = u;
    clearErrors('role-form');
    $('role-text').textContent = `The role of ${u.name} in domain ${users.domain}. Their sessions and docker logins must log in again.`;
    $('role-select').value = u.role;
    $('role-dialog').showModal();
    $('role-select').focus();
  }

  async function submitRole(ev) {
    ev.preventDefault();
    const u = roleFor;
    if (!u) return;
    const role = $('role-select').value;
    if (role === u.role) {
      $('role-dialog').close();
      return;
    }
    const submit = $('role-submit');
    submit.disabled = true;
    try {
      await change('PATCH', userPath(u), { role });
      roleFor = null;
      $('role-dialog').close();
      announce(`${u.name} now has the role ${role}.`);
      afterUserChange(u.name, 'role');
    } catch (e) {
      if (e.status !== 401) $('role-error').textContent = e.message;
    } finally {
      submit.disabled = false;
    }
  }

  async function toggleUser(u) {
    $('users-error').textContent = '';
    try {
      await change('PATCH', userPath(u), { disabled: !u.disabled });
      announce(u.disabled ? `${u.name} is enabled again.` : `${u.name} is disabled: their sessions and docker logins stopped working.`);
      afterUserChange(u.name, 'toggle');
    } catch (e) {
      if (e.status !== 401) $('users-error').textContent = e.message;
    }
  }

  function confirmReset(u) {
    confirmAction({
      title: 'Reset password',
      text: `Give ${u.name} a new password? The old one stops working at once, with their sessions and docker logins.`,
      action: 'Reset password',
      run: async () => {
        const res = await change('POST', `${userPath(u)}/reset-password`, {});
        return () => showSecret({
          title: `New password of ${u.name}`,
          lead: `${u.name} logs in with this password from now on. Give it to them over a safe channel.`,
          what: 'password', secret: (res.data && res.data.password) || '',
          after: () => refocus('users-body', 'data-user', u.name, 'reset', 'users-title'),
        });
      },
    });
  }

  function confirmDeleteUser(u) {
    confirmAction({
      title: 'Delete user',
      text: `Delete ${u.name} from domain ${users.domain}? Their sessions and docker logins stop working at once.`,
      action: 'Delete',
      run: async () => {
        await change('DELETE', userPath(u));
        announce(`User ${u.name} was deleted.`);
        return () => afterUserChange(u.name, 'delete');
      },
    });
  }

  // ---- own password ----------------------------------------------------

  function openPassword() {
    const me = h.me();
    if (!me) return;
    clearErrors('password-form');
    for (const id of ['password-current', 'password-new', 'password-repeat']) {
      $(id).value = '';
      $(id).disabled = Boolean(me.static);
    }
    $('password-static').hidden = !me.static;
    $('password-submit').disabled = Boolean(me.static);
    $('password-dialog').showModal();
    (me.static ? $('password-cancel') : $('password-current')).focus();
  }

  async function submitPassword(ev) {
    ev.preventDefault();
    if (h.me().static) return;
    clearErrors('password-form');
    const current = $('password-current').value;
    const next = $('password-new').value;
    if (!current) fieldError('password-current', 'Enter your current password.');
    if (next.length < MIN_PASSWORD) fieldError('password-new', `The new password needs at least ${MIN_PASSWORD} characters.`);
    else if (new TextEncoder().encode(next).length > 72) fieldError('password-new', 'The new password may be at most 72 bytes long.');
    else if (next === current) fieldError('password-new', 'The new password is the current one.');
    if (!$('password-new-error').textContent && $('password-repeat').value !== next) fieldError('password-repeat', 'The two new passwords differ.');
    if ($('password-form').querySelector('[aria-invalid="true"]')) {
      focusInvalid('password-form', 'password-current');
      return;
    }
    const submit = $('password-submit');
    submit.disabled = true;
    try {
      await change('POST', '/v2/manage/user/password', { current_password: current, new_password: next });
      for (const id of ['password-current', 'password-new', 'password-repeat']) $(id).value = '';
      $('password-dialog').close();
      h.endSession('Your password was changed. Log in with the new one.');
    } catch (e) {
      if (e.status === 401) return;
      if (e.code === 'REGSHARE.4030011' || (e.status === 403 && /current password/i.test(e.message))) fieldError('password-current', 'The current password is wrong.');
      else if (e.status === 400) fieldError('password-new', e.message);
      else $('password-error').textContent = e.message;
      focusInvalid('password-form', 'password-current');
    } finally {
      submit.disabled = false;
    }
  }

  // ---- Robot accounts --------------------------------------------------

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
      if (e.status === 401) return;
      if (e.status === 409) fieldError('robot-name', e.message);
      else $('robot-error').textContent = e.message;
      focusInvalid('robot-form', 'robot-name');
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

  // ---- Domains ---------------------------------------------------------

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

  // ---- the app's side ------------------------------------------------

  // parse reads an account page's route: #/users[/<domain>],
  // #/robots[/<domain>], #/domains.
  function parse(p) {
    const m = /^\/(users|robots)(?:\/([^/]+))?$/.exec(p);
    if (m) return { view: m[1], domain: m[2] || '' };
    if (p === '/domains') return { view: 'domains' };
    return null;
  }

  // show draws the page of route r and returns its heading.
  function show(r, gen) {
    if (r.view === 'domains') {
      renderDomains(gen);
      return $('domains-title');
    }
    const domain = r.domain || h.me().domain;
    if (r.view === 'users') renderUsers(domain, gen); else renderRobots(domain, gen);
    return $(`${r.view}-title`);
  }

  // nav shows the entries of the pages the user may use.
  function nav() {
    const me = h.me();
    const manager = Boolean(me) && (me.superuser || me.role === 'manage');
    $('nav-users').hidden = !manager;
    $('nav-robots').hidden = !manager;
    $('nav-domains').hidden = !(me && me.superuser);
    $('password-open').hidden = !me;
  }

  const DIALOGS = ['user-dialog', 'role-dialog', 'robot-dialog', 'rotate-dialog', 'domain-dialog', 'confirm-dialog', 'secret-dialog', 'password-dialog'];

  // reset forgets every page and dialog: another user logged in, or no one.
  function reset() {
    secretAfter = null;
    for (const id of DIALOGS) if ($(id).open) $(id).close();
    confirming = null;
    roleFor = null;
    rotating = null;
    editingDomain = null;
    $('secret-value').textContent = '';
    $('secret-login').textContent = '';
    for (const id of ['password-current', 'password-new', 'password-repeat']) $(id).value = '';
    for (const id of ['users-body', 'robots-body', 'domains-body']) $(id).replaceChildren();
    users = { domain: '', list: [] };
    robots = { domain: '', info: null, list: [] };
    domains = [];
  }

  function init() {
    $('password-open').addEventListener('click', openPassword);
    $('password-form').addEventListener('submit', submitPassword);
    $('password-cancel').addEventListener('click', () => $('password-dialog').close());

    $('user-create-open').addEventListener('click', openUserCreate);
    $('user-form').addEventListener('submit', submitUser);
    $('user-cancel').addEventListener('click', () => $('user-dialog').close());
    $('role-form').addEventListener('submit', submitRole);
    $('role-cancel').addEventListener('click', () => { roleFor = null; $('role-dialog').close(); });

    $('robot-create-open').addEventListener('click', openRobotCreate);
    $('robot-form').addEventListener('submit', submitRobot);
    $('robot-cancel').addEventListener('click', () => $('robot-dialog').close());
    $('robot-name').addEventListener('input', syncLogin);
    $('robot-description').addEventListener('input', syncDescription);
    $('robot-never').addEventListener('change', syncNever);
    $('robot-perm-add').addEventListener('click', () => addPermission('', ['pull']).querySelector('.perm-repo').focus());
    $('rotate-form').addEventListener('submit', submitRotate);
    $('rotate-cancel').addEventListener('click', () => { rotating = null; $('rotate-dialog').close(); });

    $('domain-create-open').addEventListener('click', () => openDomain(null));
    $('domain-form').addEventListener('submit', submitDomain);
    $('domain-cancel').addEventListener('click', () => { editingDomain = null; $('domain-dialog').close(); });

    $('confirm-form').addEventListener('submit', submitConfirm);
    $('confirm-cancel').addEventListener('click', () => { confirming = null; $('confirm-dialog').close(); });
    // Escape closes a dialog too; the close event comes a task later.
    $('confirm-dialog').addEventListener('close', () => { if (!$('confirm-dialog').open) confirming = null; });

    $('secret-form').addEventListener('submit', (ev) => { ev.preventDefault(); $('secret-dialog').close(); });
    $('secret-dialog').addEventListener('close', secretClosed);
    $('secret-copy').addEventListener('click', (ev) => h.copyText($('secret-value').textContent, ev.currentTarget, ev.currentTarget.dataset.what));
    $('secret-login-copy').addEventListener('click', (ev) => h.copyText($('secret-login').textContent, ev.currentTarget));
  }

  return { views: ['users', 'robots', 'domains'], parse, show, nav, reset, init };
}
