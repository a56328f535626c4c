// regshare console: the Users page, a domain's users for its manage users
// and for administrators, and the form that changes one's own password.
// accounts.js builds it (usersPage(h, c)) with app.js's helpers h and the
// account pages' shared pieces c (accounts-common.js).

const MIN_PASSWORD = 8;

export function usersPage(h, c) {
  const { $, el, api, announce } = h;
  const {
    cell, change, domainPath, manages, validName, nameRule, badge, updatedEl, sourceEl, actionButton,
    refocus, listFailed, crumbs, clearErrors, fieldError, focusInvalid, createFailed, showSecret, confirmAction,
  } = c;

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
      createFailed('user', e);
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

  const PASSWORDS = ['password-current', 'password-new', 'password-repeat'];

  function openPassword() {
    const me = h.me();
    if (!me) return;
    clearErrors('password-form');
    for (const id of PASSWORDS) {
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
      for (const id of PASSWORDS) $(id).value = '';
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

  // reset forgets the page, its dialogs and the password form.
  function reset() {
    c.closeDialogs('user-dialog', 'role-dialog', 'password-dialog');
    roleFor = null;
    for (const id of PASSWORDS) $(id).value = '';
    $('users-body').replaceChildren();
    users = { domain: '', list: [] };
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
  }

  return { render: renderUsers, reset, init };
}
