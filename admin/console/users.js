// regshare console: the Users page, a domain's users for its manage users
// and for administrators, and the form that changes one's own password.
// accounts.js builds it (usersPage(h, c)) with app.js's helpers h and the
// account pages' shared pieces c (accounts-common.js).
import { t } from './i18n.js';

const MIN_PASSWORD = 8;
const MAX_PASSWORD_BYTES = 72;

// roleName is a role as the user's language says it.
export function roleName(role) {
  const names = { read: t('users.role.read'), write: t('users.role.write'), manage: t('users.role.manage') };
  return names[role] || role;
}

export function usersPage(h, c) {
  const { $, el, api, announce } = h;
  const {
    cell, change, domainPath, manages, nameProblem, apiMessage, badge, updatedEl, sourceEl, statusBadge, actionButton,
    toggleButton, deleteButton, refocus, listFailed, crumbs, clearErrors, fieldError, focusInvalid, createFailed,
    showSecret, confirmAction,
  } = c;

  let users = { domain: '', list: [] };

  async function renderUsers(domain, gen) {
    users = { domain, list: [] };
    document.title = t('users.docTitle', { domain });
    crumbs('users', domain);
    $('users-lead').textContent = t('users.lead', { domain });
    const allowed = manages(domain);
    $('user-create-open').hidden = !allowed;
    $('users-static-note').hidden = true;
    $('users-error').textContent = '';
    const body = $('users-body');
    const empty = $('users-empty');
    if (!allowed) {
      listFailed('users-body', 'users-empty', 'users-error', { message: t('users.noAccess') });
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
    h.fill(body, users.list.map(userRow), empty, t('users.empty'));
  }

  function userRow(u) {
    const self = u.name === h.me().name;
    // The page's note says why a config-file user is read-only; the row's,
    // why one cannot change oneself, and that a provider-managed user's
    // role and password are their identity provider's.
    const note = u.static ? 'users-static-note' : `user-note-${u.name}`;
    const why = u.static ? '' : [self ? t('users.selfNote') : '', u.source ? t('users.providerNote') : ''].filter(Boolean).join(' ');
    const locked = { disabled: u.static || self, note };
    const managed = { disabled: u.static || self || Boolean(u.source), note };
    return el('tr', { 'data-user': u.name },
      cell(t('accounts.col.name'), el('strong', {}, u.name), self ? [' ', badge(t('users.badge.you'), 'neutral')] : null,
        u.superuser ? [' ', badge(t('users.badge.admin'), 'info')] : null),
      cell(t('users.col.role'), roleName(u.role)),
      cell(t('accounts.col.status'), statusBadge(u)),
      cell(t('accounts.col.managedIn'), sourceEl(u, t('users.staticTitle'))),
      cell(t('users.col.updated'), updatedEl(u)),
      cell(t('accounts.col.actions'), el('div', { class: 'row-actions wrap' },
        actionButton(t('users.actionRole'), t('users.roleAria', { name: u.name }), 'role', () => openRole(u), managed),
        toggleButton(u, u.name, () => toggleUser(u), locked),
        actionButton(t('users.actionReset'), t('users.resetAria', { name: u.name }), 'reset', () => confirmReset(u), managed),
        deleteButton(u.name, () => confirmDeleteUser(u), locked)),
      why ? el('p', { class: 'sub', id: note }, why) : null));
  }

  const userPath = (u) => `${domainPath(u.domain || users.domain)}/users/${encodeURIComponent(u.name)}`;

  function afterUserChange(name, action) {
    return renderUsers(users.domain, h.gen()).then(() => refocus('users-body', 'data-user', name, action, 'users-title'));
  }

  function openUserCreate() {
    clearErrors('user-form');
    $('user-domain').textContent = t('accounts.inDomain', { domain: users.domain });
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
    const problem = nameProblem(name, t('users.nameMissing'));
    if (problem) {
      fieldError('user-name', problem);
      focusInvalid('user-form', 'user-name');
      return;
    }
    const domain = users.domain;
    const submit = $('user-submit');
    submit.disabled = true;
    try {
      const res = await change('POST', `${domainPath(domain)}/users`, { name, role });
      $('user-dialog').close();
      announce(t('users.created', { name }));
      await renderUsers(domain, h.gen());
      showSecret({
        title: t('users.createdTitle', { name }),
        lead: t('users.createdLead', { name }),
        what: 'password', secret: (res.data && res.data.password) || '',
        after: () => refocus('users-body', 'data-user', name, 'reset', 'users-title'),
      });
    } catch (e) {
      createFailed('user', e, name);
    } finally {
      submit.disabled = false;
    }
  }

  let roleFor = null;

  function openRole(u) {
    roleFor = u;
    clearErrors('role-form');
    $('role-text').textContent = t('users.roleText', { name: u.name, domain: users.domain });
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
      announce(t('users.roleChanged', { name: u.name, role: roleName(role) }));
      afterUserChange(u.name, 'role');
    } catch (e) {
      if (e.status !== 401) $('role-error').textContent = apiMessage(e);
    } finally {
      submit.disabled = false;
    }
  }

  async function toggleUser(u) {
    $('users-error').textContent = '';
    try {
      await change('PATCH', userPath(u), { disabled: !u.disabled });
      announce(u.disabled ? t('accounts.enabledAgain', { name: u.name }) : t('users.disabled', { name: u.name }));
      afterUserChange(u.name, 'toggle');
    } catch (e) {
      if (e.status !== 401) $('users-error').textContent = apiMessage(e);
    }
  }

  function confirmReset(u) {
    confirmAction({
      title: t('users.actionReset'),
      text: t('users.resetText', { name: u.name }),
      action: t('users.actionReset'),
      run: async () => {
        const res = await change('POST', `${userPath(u)}/reset-password`, {});
        return () => showSecret({
          title: t('users.newPasswordTitle', { name: u.name }),
          lead: t('users.newPasswordLead', { name: u.name }),
          what: 'password', secret: (res.data && res.data.password) || '',
          after: () => refocus('users-body', 'data-user', u.name, 'reset', 'users-title'),
        });
      },
    });
  }

  function confirmDeleteUser(u) {
    confirmAction({
      title: t('users.deleteTitle'),
      text: t('users.deleteText', { name: u.name, domain: users.domain }),
      action: t('accounts.action.delete'),
      run: async () => {
        await change('DELETE', userPath(u));
        announce(t('users.deleted', { name: u.name }));
        return () => afterUserChange(u.name, 'delete');
      },
    });
  }

  // ---- own password ----------------------------------------------------

  const PASSWORDS = ['password-current', 'password-new', 'password-repeat'];

  function openPassword() {
    const me = h.me();
    // A provider-managed user has no password here (the entry is hidden).
    if (!me || me.source) return;
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
    if (!current) fieldError('password-current', t('password.currentMissing'));
    if (next.length < MIN_PASSWORD) fieldError('password-new', t('password.tooShort', { min: MIN_PASSWORD }));
    else if (new TextEncoder().encode(next).length > MAX_PASSWORD_BYTES) fieldError('password-new', t('password.tooLong', { max: MAX_PASSWORD_BYTES }));
    else if (next === current) fieldError('password-new', t('password.same'));
    if (!$('password-new-error').textContent && $('password-repeat').value !== next) fieldError('password-repeat', t('password.differ'));
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
      h.endSession(t('password.changed'));
    } catch (e) {
      if (e.status === 401) return;
      if (e.code === 'REGSHARE.4030011' || (e.status === 403 && /current password/i.test(e.message))) fieldError('password-current', t('password.wrong'));
      else if (e.status === 400) fieldError('password-new', apiMessage(e));
      else $('password-error').textContent = apiMessage(e);
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
